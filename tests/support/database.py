"""A clean, migrated database for every test, on SQLite or PostgreSQL.

The schema is made once per run by the Alembic migrations (never create_all), so every run
also proves the migrations upgrade an empty database. Each test then starts from the state
right after `upgrade` + demo seed: SQLite copies a template file, PostgreSQL truncates the
tables and reloads the reference rows.
"""
import shutil
from pathlib import Path

import flask_migrate
from sqlalchemy import text

from app.extensions import db
from app.seed import seed_demo

REFERENCE_TABLES = ("alembic_version",)


def is_sqlite(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def sqlite_path(app):
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def drop_everything(app):
    """Leave an empty database behind, whatever an earlier run left there."""
    if is_sqlite(app):
        db.engine.dispose()
        sqlite_path(app).unlink(missing_ok=True)
        return
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def prepare_database(app):
    """Migrate an empty database and seed the demo data; keep a template for resets."""
    with app.app_context():
        drop_everything(app)
        flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        seed_demo()
        db.session.remove()
        if is_sqlite(app):
            db.engine.dispose()
            shutil.copyfile(sqlite_path(app), _template(app))
        else:
            _snapshot_postgres()


def _template(app):
    return sqlite_path(app).with_suffix(".template")


_SNAPSHOT = {}


def _tables():
    return [t.name for t in db.metadata.sorted_tables]


def _snapshot_postgres():
    """Remember every row present after migrate + seed (reference data, demo staff)."""
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            _SNAPSHOT[table.name] = [dict(r._mapping) for r in conn.execute(table.select())]


def reset_database(app):
    with app.app_context():
        db.session.remove()
        if is_sqlite(app):
            db.engine.dispose()
            shutil.copyfile(_template(app), sqlite_path(app))
            return
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(_tables()) + " RESTART IDENTITY CASCADE"))
            for table in db.metadata.sorted_tables:
                if _SNAPSHOT.get(table.name):
                    conn.execute(table.insert(), _SNAPSHOT[table.name])
            _sync_sequences(conn)


def _sync_sequences(conn):
    """After inserting snapshot rows with explicit ids, move serial sequences past them."""
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int \
                and _SNAPSHOT.get(table.name):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"(SELECT MAX({pk[0].name}) FROM {table.name}))"))
