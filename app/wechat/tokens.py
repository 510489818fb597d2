"""The WeChat access token, cached once for every process (web workers, push workers).

The gateway (app.core.wechat) fetches it in one place, from cgi-bin/stable_token, and keeps
it in a wechatpy session storage:
- Redis (wechatpy's RedisStorage) when REDIS_URL is configured;
- otherwise the `wechat_tokens` table, through DatabaseStorage below.
Either way the storage is wrapped in EarlyExpiry, so a token is dropped from the cache
REFRESH_MARGIN seconds before WeChat would expire it and the next call fetches a fresh one;
in its last 5 minutes the stable-token endpoint hands out the next token, so callers never
meet an expired one. Fetches by several processes at once are harmless: without
force_refresh the stable-token endpoint returns the same token to all of them.

EarlyExpiry also keeps what it read in process memory for MEMO_SECONDS, so the push worker
does not ask Redis for the token before every message. MEMO_SECONDS is well below
REFRESH_MARGIN: a remembered token has at least REFRESH_MARGIN - MEMO_SECONDS seconds of
WeChat validity left when it is last used. A token WeChat rejects anyway (40001/42001) is
refreshed once by the gateway, which stores the new one here (memory included).
"""
import logging
import time
from datetime import timedelta

from sqlalchemy import delete, select

from app.core.clock import utcnow
from app.extensions import db

from .models import WeChatToken
from .sqlutil import upsert

log = logging.getLogger(__name__)

REFRESH_MARGIN = 300  # seconds before WeChat's expiry that we stop using a token
MEMO_SECONDS = 60  # how long a token read from the storage is kept in process memory
MIN_TTL = 60
DEFAULT_TTL = 7200


class EarlyExpiry:
    """Any wechatpy storage, with every TTL shortened by `margin` seconds, and what it
    holds remembered in memory for up to `memo_seconds` (see the module docstring)."""

    def __init__(self, inner, margin=REFRESH_MARGIN, memo_seconds=MEMO_SECONDS,
                 clock=time.monotonic):
        if memo_seconds >= margin:
            raise ValueError("memo_seconds must be below the refresh margin")
        self.inner = inner
        self.margin = margin
        self.memo_seconds = memo_seconds
        self.clock = clock
        self._memo = {}  # key -> (value, clock() deadline)

    def get(self, key, default=None):
        memo = self._memo.get(key)
        if memo is not None and memo[1] > self.clock():
            return memo[0]
        value = self.inner.get(key, None)
        if value is None:
            return default
        self._memo[key] = (value, self.clock() + self.memo_seconds)
        return value

    def set(self, key, value, ttl=None):
        ttl = max(MIN_TTL, int(ttl or DEFAULT_TTL) - self.margin)
        self._memo.pop(key, None)
        self.inner.set(key, value, ttl)
        if value is not None:
            self._memo[key] = (value, self.clock() + min(self.memo_seconds, ttl))

    def delete(self, key):
        self._memo.pop(key, None)
        self.inner.delete(key)


class DatabaseStorage:
    """wechatpy session storage in the `wechat_tokens` table (values encrypted at rest).

    It reads and writes on its own short connection, never through the caller's session:
    a token fetched during a request that later rolls back stays cached, and caching a
    token never commits the caller's half-done work. A copy is kept in memory until it
    expires, so the hot path (the push worker) does not query for every message. Database
    trouble only costs an extra token fetch: it is logged and otherwise ignored.
    """

    def __init__(self):
        self._local = {}  # key -> (value, expires_at as time.time())

    def get(self, key, default=None):
        cached = self._local.get(key)
        if cached and cached[1] > time.time():
            return cached[0]
        try:
            with db.engine.connect() as conn:
                row = conn.execute(select(WeChatToken.value, WeChatToken.expires_at)
                                   .where(WeChatToken.key == key)).first()
        except Exception as exc:  # noqa: BLE001 - a cache miss, not a failure
            log.warning("wechat token cache read failed: %s", type(exc).__name__)
            return default
        if row is None or row.expires_at <= utcnow():
            return default
        self._local[key] = (row.value, row.expires_at.timestamp())
        return row.value

    def set(self, key, value, ttl=None):
        if value is None:
            return
        expires_at = utcnow() + timedelta(seconds=int(ttl or DEFAULT_TTL))
        self._local[key] = (value, expires_at.timestamp())
        try:
            with db.engine.begin() as conn:
                conn.execute(upsert(conn, WeChatToken.__table__,
                                    {"key": key, "value": value, "expires_at": expires_at,
                                     "updated_at": utcnow()},
                                    ["key"], ["value", "expires_at", "updated_at"]))
        except Exception as exc:  # noqa: BLE001 - the token still works from memory
            log.warning("wechat token cache write failed: %s", type(exc).__name__)

    def delete(self, key):
        self._local.pop(key, None)
        try:
            with db.engine.begin() as conn:
                conn.execute(delete(WeChatToken).where(WeChatToken.key == key))
        except Exception as exc:  # noqa: BLE001
            log.warning("wechat token cache delete failed: %s", type(exc).__name__)


class LazyRedisStorage:
    """wechatpy's RedisStorage, built at its first use: importing wechatpy costs a process
    about 16 MB, which a web worker that never calls WeChat need not carry."""

    def __init__(self, url):
        self.url = url
        self._storage = None

    def _inner(self):
        if self._storage is None:
            import redis
            from wechatpy.session.redisstorage import RedisStorage
            self._storage = RedisStorage(redis.Redis.from_url(self.url), prefix="wechatpy")
        return self._storage

    def get(self, key, default=None):
        return self._inner().get(key, default)

    def set(self, key, value, ttl=None):
        return self._inner().set(key, value, ttl)

    def delete(self, key):
        return self._inner().delete(key)


def build_token_storage(config):
    """Redis when REDIS_URL is set, else the database; both refreshed before expiry."""
    if config.get("REDIS_URL"):
        inner = LazyRedisStorage(config["REDIS_URL"])
    else:
        inner = DatabaseStorage()
    return EarlyExpiry(inner)
