"""Column types shared by every area."""
from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

from .clock import as_utc

from flask import current_app


def field_cipher():
    """The running app's cipher (create_app installs it; the key never reaches the
    database). Per app, not per process, so two apps with different keys never mix."""
    return current_app.extensions["field_cipher"]


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
