"""Idempotency-Key for POSTs that create or decide something (SECURITY.md 23).

The same key with the same request replays the first successful answer; the same key with
another request is refused (422 idempotency.key_reused).

Claiming is atomic: one `INSERT ... ON CONFLICT DO NOTHING RETURNING` on the unique
(actor, key), committed in its own transaction before the view runs. Of any number of
concurrent requests with one key exactly one gets the row back and acts; every other one
finds the row and either replays the stored answer (the first one finished) or gets 409
idempotency.in_progress (it is still running; retry later with the same key).

Failures are not remembered: when the view raises or answers outside 2xx, the claim is
deleted again, so the request can be corrected (or retried after the conflict that refused
it went away) with the same key. Only a successful answer is stored and replayed.
A claim whose process died before it finished stays "in progress" until the daily purge.

Place the decorator directly under the access decorator (the caller is known by then):

    @bp.route(...)
    @access.staff("application.county_decide")
    @idempotent
    @bp.arguments(...)
    @bp.response(...)
    def view(...): ...
"""
import hashlib
import re
from copy import deepcopy
from datetime import datetime
from functools import wraps

from flask import Response, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Integer, SmallInteger, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import commit_keeping_loaded, db

from .clock import utcnow
from .concurrency import dialect_insert
from .errors import Conflict, ValidationFailed
from .types import UTCDateTime

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
OPENAPI_PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "description": "same key and body replays the first answer; the same key with another body is refused",
    "schema": {"type": "string", "pattern": _KEY.pattern},
}


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (UniqueConstraint("actor", "key"),)


def _request_hash():
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.get_data(cache=True)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _replay(record):
    response = Response(record.response_body, status=record.status_code,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def claim_key(actor, key, request_hash):
    """Claim the key atomically in its own commit; None when claimed, else the holder's row."""
    table = IdempotencyRecord.__table__
    claimed = db.session.execute(
        dialect_insert(db.session.get_bind(), table)
        .values(actor=actor, key=key, request_hash=request_hash, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["actor", "key"])
        .returning(table.c.id)).scalar()
    # What the session holds (the caller's account, read by the access check a moment ago)
    # stays loaded: a plain commit expired it and the view read it back.
    commit_keeping_loaded()
    if claimed is not None:
        return None
    existing = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.actor == actor, IdempotencyRecord.key == key))
    if existing is None:  # released by a failed holder a moment ago: its answer is gone
        raise _in_progress()
    return existing


def store_answer(actor, key, status_code, body):
    """Remember the claimed key's successful answer (committed) for the replays."""
    db.session.execute(update(IdempotencyRecord).where(
        IdempotencyRecord.actor == actor, IdempotencyRecord.key == key).values(
        status_code=status_code, response_body=body))
    db.session.commit()


def commit_with_answer():
    """For a view under @idempotent that answers from what it has just written: commit now
    when no key was claimed; else only flush, and the wrapper commits the view's work in
    one transaction with the stored answer (one commit fewer, and the answer is stored
    exactly when the work is). Objects stay loaded either way (commit_keeping_loaded)."""
    if g.get("idempotency_claimed"):
        db.session.flush()
    else:
        commit_keeping_loaded()


def _in_progress():
    return Conflict("idempotency.in_progress", _l("相同的请求正在处理，请稍后查看结果"))


def release_key(actor, key):
    db.session.rollback()
    db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.actor == actor, IdempotencyRecord.key == key))
    db.session.commit()


def idempotent(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise ValidationFailed("idempotency.key_invalid",
                                   _l("Idempotency-Key 格式不正确（8-128 位字母、数字或 _.:-）"))
        actor = f"{g.actor.type}:{g.actor.id}"
        request_hash = _request_hash()
        existing = claim_key(actor, key, request_hash)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise ValidationFailed("idempotency.key_reused",
                                       _l("该 Idempotency-Key 已用于另一个请求"))
            if existing.status_code is None:
                raise _in_progress()
            return _replay(existing)
        g.idempotency_claimed = True
        try:
            response = view(*args, **kwargs)
            if not isinstance(response, Response) or not 200 <= response.status_code < 300:
                release_key(actor, key)
                return response
            # commits the view's work too when the view left it to us (commit_with_answer)
            store_answer(actor, key, response.status_code, response.get_data(as_text=True))
        except BaseException:
            # Only successes are remembered: a refused request may be corrected and retried.
            release_key(actor, key)
            raise
        finally:
            g.idempotency_claimed = False
        return response

    # Documented in the OpenAPI operation like flask-smorest's own @bp.doc would.
    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
    manual = wrapper._apidoc.setdefault("manual_doc", {})
    manual["parameters"] = [*manual.get("parameters", []), OPENAPI_PARAMETER]
    return wrapper


def purge_idempotency_keys(before):
    """Forget keys claimed before `before` (24 hours is the usual replay window)."""
    result = db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < before))
    return result.rowcount
