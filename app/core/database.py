"""The database handle every model and query uses, created unbound and bound in create_app()
(app.extensions re-exports it beside the other extensions). It lives in core because core's
own models and queries need it, and core imports nothing from above itself."""
import sqlite3
import time

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import Engine

# Stable constraint names so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite allows one writer at a time. A writer that finds the database locked waits this long
# (the busy handler) instead of failing at once, so concurrent requests of several gunicorn
# workers queue; the audit chain's head claim (app.audit.services) relies on it.
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_busy_timeout(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


# A pooled connection is pinged (one round trip) before use only when it sat idle at least
# this long. pool_pre_ping pinged on every checkout: every request, and again for each
# rate-limit hit (its own short transaction), although a connection used a moment ago is
# known good. One that idled (a quiet night, a database restart) is still checked and
# replaced when dead; a restart within the last seconds of use fails the one statement that
# finds it, and SQLAlchemy then drops the pool's other connections.
PING_AFTER_IDLE_SECONDS = 2.0


def install_idle_ping(engine, idle_seconds=PING_AFTER_IDLE_SECONDS):
    def checked_in(_dbapi_connection, record):
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    def checkout(dbapi_connection, record, _proxy):
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # connected just now, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any driver error: the pool retries with a new connection
            raise exc.DisconnectionError("idle connection failed its ping") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checkout)


def commit_keeping_loaded():
    """Commit without expiring what the session holds, for a view that then answers from
    the rows it has just written: a plain commit expires them, and writing the answer read
    each back (one SELECT per object). Values the database sets by itself (trigger-bumped
    columns) are not seen afterwards: the answer must not include any."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
