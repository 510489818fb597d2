"""Conditional updates: the state change happens only if the row is still in the state the
caller saw (SECURITY.md 22). Of two concurrent callers exactly one gets True.

On PostgreSQL the second UPDATE waits for the first transaction's row lock and then finds
the condition false, so no SELECT ... FOR UPDATE is needed.
"""
import logging
import random
import time
from functools import wraps

from sqlalchemy import event, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value

from app.core.database import db

log = logging.getLogger(__name__)


def guarded_update(instance, expected, changes):
    """UPDATE instance's row SET changes WHERE its key and every `expected` column match.

    `expected` maps column names to the value seen (None means IS NULL). On success the
    instance is given the new values without an extra SELECT; returns whether it won.
    """
    mapper = inspect(instance).mapper
    model = mapper.class_
    criteria = [column == value for column, value in
                zip(mapper.primary_key, mapper.primary_key_from_instance(instance))]
    for name, value in expected.items():
        column = getattr(model, name)
        criteria.append(column.is_(None) if value is None else column == value)
    result = db.session.execute(update(model).where(*criteria).values(**changes)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for name, value in changes.items():
        set_committed_value(instance, name, value)
    # No flush sees this change: listeners that act at commit (the statistics' rollups)
    # find the row here.
    db.session.info.setdefault("touched", []).append(instance)
    return True


def lock_row(model, key):
    """SELECT ... FOR UPDATE of one row by primary key: later writers of the same row (or of
    anything the caller decides under this lock) wait until this transaction ends. On
    SQLite, where FOR UPDATE does not exist, writers are serialized by the database lock."""
    mapper = inspect(model)
    db.session.execute(select(*mapper.primary_key).where(mapper.primary_key[0] == key)
                       .with_for_update())


def lock(instance):
    """Lock an instance's row (SELECT ... FOR UPDATE) and see it as committed now: a
    read-modify-write of the row, or of rows hanging off it, then runs one at a time.
    Pending changes are flushed first, so the refresh keeps them."""
    db.session.flush()
    db.session.refresh(instance, with_for_update=True)
    return instance


def get_or_insert(model, values):
    """The row with `values`' primary key, inserted from `values` when missing, and locked.

    A get-then-add lets two concurrent callers both add (one then fails on the key); here
    the insert is `ON CONFLICT DO NOTHING`, so both end up updating the one row in turn."""
    table = model.__table__
    keys = [c.name for c in table.primary_key.columns]
    db.session.execute(dialect_insert(db.session.get_bind(), table).values(**values)
                       .on_conflict_do_nothing(index_elements=keys))
    return db.session.scalar(
        select(model).filter_by(**{k: values[k] for k in keys}).with_for_update()
        .execution_options(populate_existing=True))


# PostgreSQL serialization failure and deadlock: the transaction was rolled back and can
# simply run again (SECURITY.md 24).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
ATTEMPTS = 3


def is_retryable(exc):
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retrying(view):
    """Run a state-changing view again, a bounded number of times, after a serialization
    failure or deadlock. Place it under @idempotent: one key claim covers every attempt."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return view(*args, **kwargs)
            except DBAPIError as exc:
                if not is_retryable(exc) or attempt == ATTEMPTS:
                    raise
                db.session.rollback()
                log.warning("transaction retried after sqlstate %s (attempt %d of %d)",
                            exc.orig.sqlstate, attempt, ATTEMPTS)
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")
    return wrapper


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(bind, table):
    """The dialect's INSERT (it has on_conflict_do_nothing / on_conflict_do_update), for an
    atomic claim or upsert in one statement on PostgreSQL and SQLite alike."""
    name = bind.dialect.name
    if name not in _INSERTS:
        raise RuntimeError(f"unsupported database dialect {name}")
    return _INSERTS[name](table)


# ---------------------------------------------------------------- SQLite

def _sqlite_lock_for_update(conn, clauseelement, *_args):
    """SQLite has no FOR UPDATE, and pysqlite starts a transaction only at the first write,
    so a locking read there reads outside any transaction and locks nothing (two requests
    then both read the audit head, or both pass a check). Here a locking read first takes
    the database's write lock (BEGIN IMMEDIATE) unless this connection already writes:
    every later writer waits for the commit (app.core.database sets the busy timeout), as a
    row lock makes it wait on PostgreSQL."""
    if conn.dialect.name != "sqlite" or getattr(clauseelement, "_for_update_arg", None) is None:
        return
    driver = conn.connection.driver_connection
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def install_sqlite_locking():
    """Make SELECT ... FOR UPDATE mean a lock on SQLite too (idempotent)."""
    if not event.contains(Engine, "before_execute", _sqlite_lock_for_update):
        event.listen(Engine, "before_execute", _sqlite_lock_for_update)
