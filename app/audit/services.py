"""record(): one audit entry, chained to the previous one, in the caller's transaction;
verification of the whole chain and checkpoints of its head outside the database."""
import os
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request
from sqlalchemy import bindparam, insert, select, update

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


_HEAD, _ENTRIES = AuditHead.__table__, AuditEntry.__table__
_ENTRY_COLUMNS = tuple(c.key for c in _ENTRIES.columns if c.key != "id")
# Built once: a statement built per call costs more Python than its round trip.
_CLAIM = (update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1)
          .returning(_HEAD.c.seq, _HEAD.c.hash))
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(
    hash=bindparam("head_hash", type_=_HEAD.c.hash.type))
# Bound as "e_<column>": a parameter named like a column of audit_head ("seq", "hash") would
# otherwise join the SET clause of the head's UPDATE.
_INSERT = insert(_ENTRIES).values(
    {key: bindparam(f"e_{key}", type_=_ENTRIES.c[key].type) for key in _ENTRY_COLUMNS})
# PostgreSQL: the head's new hash as a data-modifying CTE of the INSERT, one statement.
_INSERT_SETTING_HEAD = _INSERT.add_cte(_SET_HEAD_HASH.cte("head"))


def _claim_head(conn):
    """Move the head one on and return (new seq, previous hash) in one statement.

    The UPDATE is the claim on both databases: PostgreSQL locks the head row until commit,
    SQLite takes its write lock (waiting up to the engine's busy timeout, app.extensions),
    so concurrent writers queue here instead of reading the same head.
    """
    return conn.execute(_CLAIM).one()


def record(action, target_type=None, target_id=None, result="ok", details=None, actor=None):
    """Append an audit entry. Call it in the same transaction as the change it describes.

    `details` must never hold ID numbers, phones, tokens or session keys: it is stored in
    clear and shown to auditors.

    Two statements, the claim of the head and the entry (with the head's new hash); the
    head stays locked from the claim to the commit, so call it last before committing.
    Returns the entry, unattached: nothing reads it back.
    """
    actor = actor or current_actor()
    keys = chain_keys()
    in_request = has_request_context()
    values = {
        "occurred_at": utcnow(), "actor_type": actor.type,
        "actor_id": None if actor.id is None else str(actor.id), "action": action,
        "target_type": target_type, "target_id": None if target_id is None else str(target_id),
        "result": result, "details": details or {},
        "ip": request.remote_addr if in_request else None,
        "request_id": g.get("request_id") if in_request else None,
        "key_id": keys.active_key_id}
    session = db.session
    if session.autoflush:  # pending changes first, as an ORM statement would: rows, then head
        session.flush()
    conn = session.connection()
    values["seq"], values["prev_hash"] = _claim_head(conn)
    values["hash"] = keyed_hash(values["prev_hash"], values, keys.key(values["key_id"]))
    _write(conn, values)
    return AuditEntry(**values)


def _write(conn, values):
    """The head's new hash and the entry: on PostgreSQL one statement (the UPDATE as a
    data-modifying CTE of the INSERT), so the head row, locked since the claim, waits one
    round trip less. Elsewhere two."""
    params = {f"e_{key}": value for key, value in values.items()}
    params["head_hash"] = values["hash"]
    if conn.dialect.name == "postgresql":
        conn.execute(_INSERT_SETTING_HEAD, params)
        return
    conn.execute(_SET_HEAD_HASH, params)
    conn.execute(_INSERT, params)


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
