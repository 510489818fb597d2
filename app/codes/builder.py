"""The overview builder: renders a person's overview into the shared view cache as soon as
their data changes, so the person's first look after the change is a read, not a build.

`flask codes build-overviews` (one process; `make run` and `bench.run` start it) listens on
PostgreSQL's channel `person_changed` (a trigger sends the person's id when the revision of a
person with an account moves, migration viewfast_03) and builds each changed person's
overview exactly as a request would: the revision and the catalog in force are read first,
then the data, and the bytes are kept under the same key (person, revision, catalog, day,
language), so a view is never older than the revision it is kept under. A request whose key
is not there builds inline as before: the builder only saves work, and a missed notice
(builder down, restarted) costs speed, never freshness.

It runs at a low CPU priority (nice 19 by default): it uses the CPU the requests leave, and
on a saturated machine falls behind instead of slowing them. It needs PostgreSQL and a view
cache every worker reads (REDIS_URL); otherwise (the SQLite demo, a per-worker cache) it
says so and idles.
"""
import json
import logging
import os
import signal
import time

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select

from app.accounts.models import PersonAccount
from app.core.cache import RedisViewCache
from app.core.clock import local_today
from app.extensions import db
from app.people.models import Person

from .overview import state_columns
from .rendered import overview_key, render_overview

CHANNEL = "person_changed"
log = logging.getLogger(__name__)


def build_ahead(person_ids, today=None, stopping=lambda: False):
    """Render into the view cache the overview of each person (with an active account) whose
    current key is not there yet. Returns (built, already there)."""
    today = today or local_today()
    cache = current_app.extensions["view_cache"]
    seconds = current_app.config["VIEW_CACHE_SECONDS"]
    locale = get_locale()
    rows = db.session.execute(
        select(PersonAccount, *state_columns(today))
        .join(Person, Person.person_account_id == PersonAccount.id)
        .where(Person.id.in_(list(person_ids)), PersonAccount.active)).all()
    built = present = 0
    for row in rows:
        if stopping():
            break
        key = overview_key(row, today, locale)
        if cache.contains(key):
            present += 1
            continue
        cache.put(key, render_overview(row[0], today, row), seconds)
        built += 1
    db.session.rollback()  # read only; ends the snapshot before the next batch
    return built, present


def can_share(app):
    """Whether built views reach the request workers: PostgreSQL's channel to hear changes
    and a view cache all workers read."""
    with app.app_context():
        dialect = db.engine.dialect.name
    return dialect == "postgresql" and isinstance(app.extensions["view_cache"], RedisViewCache)


class Builder:
    def __init__(self, app, batch=20, status_file=None):
        self.app, self.batch, self.status_file = app, batch, status_file
        self.stopping = False
        self.pending = {}  # person id -> None, in the order heard
        self.built = self.present = 0
        self.cpu_at_start = 0.0

    @staticmethod
    def _cpu():
        times = os.times()
        return times.user + times.system

    def stop(self, *_):
        self.stopping = True

    def _status(self, idle):
        if not self.status_file:
            return
        status = {"pending": len(self.pending), "built": self.built, "present": self.present,
                  "cpu_s": round(self._cpu() - self.cpu_at_start, 3),  # since it listens
                  "idle": idle, "at": time.time()}
        tmp = f"{self.status_file}.tmp"
        with open(tmp, "w") as out:
            json.dump(status, out)
        os.replace(tmp, self.status_file)

    def _connect(self):
        import psycopg
        with self.app.app_context():
            url = db.engine.url.set(drivername="postgresql")
        conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def run(self):
        if not can_share(self.app):
            log.warning("overview builder idle: it needs PostgreSQL and REDIS_URL (views are "
                        "built on demand by each worker)")
            self._status(idle=True)
            while not self.stopping:
                time.sleep(0.5)
            return
        conn = self._connect()
        self.cpu_at_start = self._cpu()
        self._status(idle=True)
        try:
            while not self.stopping:
                wait = 0.05 if self.pending else 0.5
                for notice in conn.notifies(timeout=wait, stop_after=10 * self.batch):
                    if notice.payload.isdigit():
                        self.pending[int(notice.payload)] = None
                if not self.pending:
                    self._status(idle=True)
                    continue
                ids = list(self.pending)[:self.batch]
                with self.app.app_context():
                    try:
                        built, present = build_ahead(ids, stopping=lambda: self.stopping)
                    except Exception:  # a bad row must not stop the loop; requests build it
                        log.exception("overview builder: a batch failed")
                        db.session.rollback()
                        built, present = 0, 0
                    finally:
                        db.session.remove()
                for person_id in ids:
                    self.pending.pop(person_id, None)
                self.built += built
                self.present += present
                self._status(idle=False)
        finally:
            conn.close()


def run_builder(app, batch=20, status_file=None, niceness=19):
    if niceness:
        os.nice(niceness)
    builder = Builder(app, batch, status_file)
    previous = {sig: signal.signal(sig, builder.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        builder.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return builder
