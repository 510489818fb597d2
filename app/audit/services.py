"""record(): one audit entry, chained to the previous one, in the caller's transaction;
verification of the whole chain and checkpoints of its head outside the database."""
import os
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request
from sqlalchemy import insert, select, update

from app.core.clock import utcnow
from app.extensions import db

from .chain import ChainVerifier, Checkpoint, keyed_hash
from .checkpoints import append_checkpoint, read_latest_checkpoint
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


def chain_keys():
    """The AUDIT_CHAIN_KEYS ring built at start-up (app._install_services)."""
    return current_app.extensions["audit_chain_keys"]


def _claim_head():
    """Move the head one on and return (new seq, previous hash) in one statement.

    The UPDATE is the claim on both databases: PostgreSQL locks the head row until commit,
    SQLite takes its write lock (waiting up to the engine's busy timeout, app.extensions),
    so concurrent writers queue here instead of reading the same head.
    """
    return db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
        .execution_options(synchronize_session=False)).one()


def record(action, target_type=None, target_id=None, result="ok", details=None, actor=None):
    """Append an audit entry. Call it in the same transaction as the change it describes.

    `details` must never hold ID numbers, phones, tokens or session keys: it is stored in
    clear and shown to auditors.
    """
    actor = actor or current_actor()
    keys = chain_keys()
    seq, prev_hash = _claim_head()
    entry = AuditEntry(
        seq=seq, occurred_at=utcnow(), actor_type=actor.type,
        actor_id=None if actor.id is None else str(actor.id), action=action,
        target_type=target_type, target_id=None if target_id is None else str(target_id),
        result=result, details=details or {},
        ip=request.remote_addr if has_request_context() else None,
        request_id=g.get("request_id") if has_request_context() else None,
        prev_hash=prev_hash, hash="", key_id=keys.active_key_id)
    entry.hash = keyed_hash(prev_hash, entry.chain_fields(), keys.key(entry.key_id))
    _write(entry)
    return entry


def _write(entry):
    """The head's new hash and the entry. On PostgreSQL one statement (the UPDATE as a
    data-modifying CTE of the INSERT): the head row, locked since the claim, waits one round
    trip less. Elsewhere two. The entry is returned unattached: nothing reads it back."""
    head = update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash)
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(head.execution_options(synchronize_session=False))
        db.session.add(entry)
        db.session.flush()
        return
    values = {column.key: getattr(entry, column.key)
              for column in AuditEntry.__table__.columns if column.key != "id"}
    db.session.execute(insert(AuditEntry).values(**values).add_cte(head.cte("head")))


def checkpoint_path():
    return current_app.config.get("AUDIT_CHECKPOINT_FILE") or os.path.join(
        current_app.instance_path, "audit-checkpoints.jsonl")


def _head():
    return db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
                              ).one()


class CheckpointRefused(Exception):
    """The head no longer extends the latest checkpoint: anchoring it would hide that."""


def write_audit_checkpoint():
    """Append the current head to the checkpoint file (and the log); return the Checkpoint.

    Refuses when the head does not extend the latest checkpoint (the head is behind it, or
    the entry at its seq has changed): a new checkpoint must never paper over a truncation.
    """
    path = checkpoint_path()
    previous = read_latest_checkpoint(path)
    head = _head()
    if previous is not None:
        _check_extends(previous, head)
    key_id = db.session.scalar(select(AuditEntry.key_id).where(AuditEntry.seq == head.seq))
    checkpoint = Checkpoint(seq=head.seq, hash=head.hash, key_id=key_id,
                            at=utcnow().isoformat(timespec="seconds"))
    append_checkpoint(path, checkpoint)
    return checkpoint


def _check_extends(previous, head):
    if head.seq < previous.seq:
        raise CheckpointRefused(f"head seq {head.seq} is behind the checkpoint of "
                                f"{previous.at} (seq {previous.seq})")
    anchored = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == previous.seq))
    if previous.seq and anchored != previous.hash:
        raise CheckpointRefused(f"seq {previous.seq}: differs from the checkpoint of "
                                f"{previous.at}")


@dataclass(frozen=True)
class VerifyReport:
    rows_checked: int
    problem_count: int
    checkpoint: Checkpoint | None
    checkpoint_path: str


def check_audit_chain(on_problem, batch_size=5000):
    """Recompute the whole chain, streamed `batch_size` rows at a time, against the head
    and the latest checkpoint; call `on_problem(text)` for each problem found."""
    count = 0

    def emit(problems):
        nonlocal count
        for problem in problems:
            count += 1
            on_problem(problem)

    path = checkpoint_path()
    try:
        checkpoint = read_latest_checkpoint(path)
    except ValueError as error:
        checkpoint = None
        emit([f"checkpoint file: {error}"])
    head = _head()
    verifier = ChainVerifier(chain_keys(), checkpoint)
    table = AuditEntry.__table__
    rows = db.session.execute(select(table).order_by(table.c.seq)
                              .execution_options(yield_per=batch_size))
    for row in rows.mappings():
        emit(verifier.check(row))
    emit(verifier.finish((head.seq, head.hash)))
    return VerifyReport(verifier.checked, count, checkpoint, path)


def verify_audit_chain(batch_size=5000):
    """Every problem as a list (empty when intact): for tests and small chains."""
    problems = []
    check_audit_chain(problems.append, batch_size)
    return problems
