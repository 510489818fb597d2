"""record(): one audit entry, chained to the previous one, in the caller's transaction."""
from dataclasses import dataclass

from flask import g, has_request_context, request
from sqlalchemy import select

from app.core.clock import utcnow
from app.extensions import db

from .chain import entry_hash, verify_chain
from .models import AuditEntry, AuditHead


@dataclass(frozen=True)
class Actor:
    type: str  # "staff" | "person" | "system" | "anonymous"
    id: str | None = None


SYSTEM = Actor("system", "cli")


def current_actor():
    """The signed-in caller set by the access layer, else anonymous (or system outside HTTP)."""
    if not has_request_context():
        return SYSTEM
    return g.get("actor") or Actor("anonymous")


def record(action, target_type=None, target_id=None, result="ok", details=None, actor=None):
    """Append an audit entry. Call it in the same transaction as the change it describes.

    `details` must never hold ID numbers, phones, tokens or session keys: it is stored in
    clear and shown to auditors.
    """
    actor = actor or current_actor()
    head = db.session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                              ).scalar_one()
    entry = AuditEntry(
        seq=head.seq + 1, occurred_at=utcnow(), actor_type=actor.type,
        actor_id=None if actor.id is None else str(actor.id), action=action,
        target_type=target_type, target_id=None if target_id is None else str(target_id),
        result=result, details=details or {},
        ip=request.remote_addr if has_request_context() else None,
        request_id=g.get("request_id") if has_request_context() else None,
        prev_hash=head.hash, hash="")
    entry.hash = entry_hash(head.hash, entry.chain_fields())
    head.seq, head.hash = entry.seq, entry.hash
    db.session.add(entry)
    db.session.flush()
    return entry


def verify_audit_chain(batch_size=5000):
    """Recompute the whole chain; return the list of problems (empty when intact)."""
    head = db.session.get(AuditHead, 1)
    rows = db.session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch_size)
    ).scalars()
    return verify_chain((row.chain_fields() for row in rows), (head.seq, head.hash))
