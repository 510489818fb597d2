"""Pooled connections are pinged only after sitting idle (app.core.database), and one that
died meanwhile is replaced, not handed to a request."""
import pytest
from sqlalchemy import create_engine, text

from app.core.database import install_idle_ping


def _engine(app, idle_seconds):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    install_idle_ping(engine, idle_seconds)
    return engine


def _backend_pid(conn):
    return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("killing a server connection needs PostgreSQL")
    engine = _engine(app, idle_seconds=0)  # every checkout counts as after an idle spell
    try:
        with engine.connect() as conn:
            killed = _backend_pid(conn)
        with create_engine(app.config["SQLALCHEMY_DATABASE_URI"]).connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": killed}).scalar()
        with engine.connect() as conn:  # the ping finds it dead: a new connection, no error
            assert _backend_pid(conn) != killed
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_reused_without_a_ping(app):
    engine = _engine(app, idle_seconds=3600)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or original(dbapi_connection)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert pings == []
    finally:
        engine.dispose()


def test_an_idle_connection_is_pinged_once_per_checkout(app):
    engine = _engine(app, idle_seconds=0)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or original(dbapi_connection)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert len(pings) == 2  # the first checkout is a new connection: nothing to check
    finally:
        engine.dispose()
