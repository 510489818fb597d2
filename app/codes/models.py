"""Personal codes (一人一码): one record per certified person, its printed-card versions and
the devices that draw dynamic codes.

Lookups of a printed card go through the SHA-256 of its token (`printed_token_hash`,
unique). So that staff can reprint a lost page of the same card version, the current token
is also kept AES-GCM encrypted (`printed_token_sealed`); retired tokens keep only their hash
(`RetiredPrintedToken`), enough to answer `code.rotated` / `code.revoked`.
"""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class PersonalCode(db.Model):
    __tablename__ = "personal_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    status: Mapped[str] = mapped_column(String(8))  # active | revoked
    printed_version: Mapped[int] = mapped_column(Integer)
    printed_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    printed_token_sealed: Mapped[str] = mapped_column(EncryptedText)
    # The WeChat mini-program code of the current printed version (PNG, base64, sealed):
    # fetched from WeChat once per version, never per scan.
    wxa_image_sealed: Mapped[str | None] = mapped_column(EncryptedText)
    wxa_version: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    devices: Mapped[list["CodeDevice"]] = relationship(back_populates="code",
                                                       order_by="CodeDevice.id")


class RetiredPrintedToken(db.Model):
    """A printed token that no longer works, and why (rotated | revoked)."""
    __tablename__ = "retired_printed_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("personal_codes.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(8))
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CodeDevice(db.Model):
    """A phone (or the server itself, kind "server") that draws dynamic codes offline."""
    __tablename__ = "code_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("personal_codes.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # app | server
    secret: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(8))  # rotated | revoked | replaced

    code: Mapped[PersonalCode] = relationship(back_populates="devices")
