"""The database handle every model and query uses, created unbound and bound in create_app()
(app.extensions re-exports it beside the other extensions). It lives in core because core's
own models and queries need it, and core imports nothing from above itself."""
import sqlite3

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
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
