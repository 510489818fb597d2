"""Audit tables. UPDATE and DELETE on audit_entries are refused by database triggers."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Which AUDIT_CHAIN_KEYS key signed `hash`; NULL for unkeyed entries from before 0011.
    key_id: Mapped[str | None] = mapped_column(String(16))

    def chain_fields(self):
        return {"seq": self.seq, "occurred_at": self.occurred_at.isoformat(),
                "actor_type": self.actor_type, "actor_id": self.actor_id,
                "action": self.action, "target_type": self.target_type,
                "target_id": self.target_id, "result": self.result, "ip": self.ip,
                "request_id": self.request_id, "details": self.details,
                "prev_hash": self.prev_hash, "hash": self.hash, "key_id": self.key_id}


class AuditHead(db.Model):
    """One row: the newest seq and hash. Claiming it (an UPDATE) serialises chain writers."""
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
