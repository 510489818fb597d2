"""A cache of rendered views (JSON bytes), shared by the workers when Redis is configured.

Nothing here decides what is fresh. Callers put every input that can change into the key
(for a person's views: the person's data revision, bumped by database triggers, the
catalog version, the day and the language) and the time-to-live bounds what the key cannot
name (new vacancies, a renamed station). A restore of the database to an older state must
be followed by `flask cache clear` (or a Redis FLUSH): revisions would otherwise repeat.

- Redis (REDIS_URL): values are sealed with the field cipher, since they hold a person's
  data; a Redis that fails is a miss, never a failed request.
- Otherwise: a bounded in-process LRU per worker.
"""
import hashlib
import logging
import time
from collections import OrderedDict
from threading import Lock

import click
import redis
from flask import current_app
from flask.cli import AppGroup

from app.core.crypto import DecryptionError

log = logging.getLogger(__name__)


def cache_key(*parts):
    """A short key from the parts (ids, revisions, dates, locale), never from personal data."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class MemoryViewCache:
    def __init__(self, max_entries):
        self.max_entries = max_entries
        self._items = OrderedDict()  # key -> (expires at, bytes)
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def contains(self, key):
        return self.get(key) is not None

    def put(self, key, value, seconds):
        with self._lock:
            self._items[key] = (time.monotonic() + seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


class RedisViewCache:
    def __init__(self, url, cipher, prefix="view:"):
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.cipher, self.prefix = cipher, prefix

    def get(self, key):
        try:
            blob = self.client.get(self.prefix + key)
            return None if blob is None else self.cipher.open_bytes(blob)
        except (redis.RedisError, DecryptionError) as exc:
            log.warning("view cache read failed: %s", type(exc).__name__)
            return None

    def contains(self, key):
        try:
            return bool(self.client.exists(self.prefix + key))
        except redis.RedisError:
            return False

    def put(self, key, value, seconds):
        try:
            self.client.set(self.prefix + key, self.cipher.seal_bytes(value), ex=int(seconds))
        except redis.RedisError as exc:
            log.warning("view cache write failed: %s", type(exc).__name__)

    def clear(self):
        for key in self.client.scan_iter(self.prefix + "*", count=1000):
            self.client.delete(key)


class DisabledViewCache:
    def get(self, key):
        return None

    def contains(self, key):
        return False

    def put(self, key, value, seconds):
        pass

    def clear(self):
        pass


def build_view_cache(config, cipher):
    if not config["VIEW_CACHE_SECONDS"]:
        return DisabledViewCache()
    if config.get("REDIS_URL"):
        return RedisViewCache(config["REDIS_URL"], cipher)
    return MemoryViewCache(config["VIEW_CACHE_ENTRIES"])


cache_cli = AppGroup("cache", help="The view cache.")


@cache_cli.command("clear")
def clear_command():
    """Forget every cached view (after restoring the database from a backup)."""
    current_app.extensions["view_cache"].clear()
    click.echo("view cache cleared")
