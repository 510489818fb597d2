"""Rate-limit counters shared by every worker process, without Redis.

Flask-Limiter counts in a `limits` storage. The in-process memory storage counts per
gunicorn worker, so N workers let N times the configured limit through. The service
therefore counts in Redis when REDIS_URL is set, and otherwise in the database through
DatabaseStorage below, registered for the `limits` library under the scheme `sqldb://`.

Each hit is one statement on its own short transaction (never the request's session, so a
request that rolls back still counts):

    INSERT ... ON CONFLICT (key) DO UPDATE SET count = count + n (or n in a new window)
    RETURNING count

PostgreSQL locks the row for the update and SQLite serialises writers, so concurrent hits
from any number of processes see distinct counts and exactly `limit` of them pass
(fixed-window strategy, Flask-Limiter's default). Expired rows are deleted now and then.
The rate-limit headers of a response are read from the row the request's own hit returned
(kept on flask.g for that request), not with a second statement.
"""
import hashlib
import itertools
import time

from flask import g, has_app_context, has_request_context
from limits.storage import Storage
from sqlalchemy import BigInteger, Integer, String, case, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.concurrency import dialect_insert
from app.core.database import db

SCHEME = "sqldb"
KEY_LENGTH = 200
CLEANUP_EVERY = 500  # hits per process between deletions of expired rows


class RateLimitCounter(db.Model):
    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at_ms: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix time, ms


def _now_ms():
    return int(time.time() * 1000)


def _stored_key(key):
    """Limiter keys hold the endpoint and caller; long ones are hashed to fit the column."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _upsert(conn, key, amount, now_ms, expires_ms):
    table = RateLimitCounter.__table__
    stmt = dialect_insert(conn, table).values(key=key, count=amount, expires_at_ms=expires_ms)
    expired = table.c.expires_at_ms <= now_ms
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
        "count": case((expired, amount), else_=table.c.count + amount),
        "expires_at_ms": case((expired, expires_ms), else_=table.c.expires_at_ms)})
    return stmt.returning(table.c.count, table.c.expires_at_ms)


class DatabaseStorage(Storage):
    """A `limits` storage in the `rate_limit_counters` table, for the fixed-window strategy
    (Flask-Limiter's default, the one this service uses). It counts in the current app's
    database (`db.engine`), so it is used inside an app context, as Flask-Limiter does."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._hits = itertools.count(1)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _engine(self):
        if not has_app_context():
            raise RuntimeError("the sqldb rate-limit storage needs an app context")
        return db.engine

    def incr(self, key, expiry, amount=1):
        now = _now_ms()
        with self._engine().begin() as conn:
            row = conn.execute(_upsert(conn, _stored_key(key), amount, now,
                                       now + int(expiry * 1000))).one()
            if next(self._hits) % CLEANUP_EVERY == 0:
                conn.execute(delete(RateLimitCounter)
                             .where(RateLimitCounter.expires_at_ms <= now))
        if has_request_context():
            g.setdefault("_rate_limit_rows", {})[key] = row
        return row.count

    def _row(self, key):
        """The counter as this request's own hit left it (the rate-limit headers ask right
        after the hit: no second statement for them), else as stored now."""
        seen = g.get("_rate_limit_rows", {}).get(key) if has_request_context() else None
        if seen is not None:
            return seen
        with self._engine().connect() as conn:
            return conn.execute(select(RateLimitCounter.count, RateLimitCounter.expires_at_ms)
                                .where(RateLimitCounter.key == _stored_key(key))).first()

    def get(self, key):
        row = self._row(key)
        return row.count if row is not None and row.expires_at_ms > _now_ms() else 0

    def get_expiry(self, key):
        row = self._row(key)
        if row is None or row.expires_at_ms <= _now_ms():
            return time.time()
        return row.expires_at_ms / 1000

    def check(self):
        try:
            with self._engine().connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def _forget(self, key=None):
        if not has_request_context():
            return
        seen = g.get("_rate_limit_rows", {})
        if key is None:
            seen.clear()
        else:
            seen.pop(key, None)

    def reset(self):
        self._forget()
        with self._engine().begin() as conn:
            return conn.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key):
        self._forget(key)
        with self._engine().begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == _stored_key(key)))


def storage_uri(config):
    """Where rate limits are counted: RATELIMIT_STORAGE_URI if set, else Redis when
    REDIS_URL is set, else the database (shared by every worker either way)."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or f"{SCHEME}://"


def configure_limiter_storage(app):
    """Before limiter.init_app: count in Redis or the database, never per process."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
