"""Column types shared by every area."""
from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

from .clock import as_utc

_cipher = None


def set_field_cipher(cipher):
    """Installed once by create_app(); the key never reaches the database."""
    global _cipher
    _cipher = cipher


def field_cipher():
    if _cipher is None:
        raise RuntimeError("field cipher not configured")
    return _cipher


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on the way in and out, also on SQLite which drops the offset."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return as_utc(value)

    def process_result_value(self, value, dialect):
        return as_utc(value)


class EncryptedText(TypeDecorator):
    """AES-GCM encrypted at rest; plaintext only in memory."""
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else field_cipher().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else field_cipher().decrypt(value)
