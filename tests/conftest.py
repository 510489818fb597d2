"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), and
the fake WeChat server as a real subprocess the app reaches over HTTP."""
import logging
import os
import re
from pathlib import Path

import pytest

from app import create_app
from config import normalize_database_url
from tests.support.database import prepare_database, reset_database
from tests.support.masking import MaskCheckingClient
from tests.support.pinned_clock import start_pinned_clock
from tests.support.servers import FakeWeChatControl, run_fake_wechat

APPID, SECRET = "wx-test-appid", "test-secret"

start_pinned_clock()  # TEST_CLOCK=HH:MM (make test-clock): the run starts at that Beijing hour

# Anything in a log that looks like an ID number, a phone or a token fails the run
# (SECURITY.md 5). Checked over every test's captured log records.
_LEAK = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|1\d{10})(?![0-9A-Za-z])|eyJ[\w-]{10,}\.")


def _database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalize_database_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def fake_wechat_url():
    with run_fake_wechat(APPID, SECRET) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def app(tmp_path_factory, fake_wechat_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_database_url(tmp_path_factory),
                     WECHAT_API_BASE=fake_wechat_url, WECHAT_APPID=APPID,
                     WECHAT_SECRET=SECRET,
                     EVIDENCE_DIR=str(tmp_path_factory.mktemp("evidence")),
                     AUDIT_CHECKPOINT_FILE=str(tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"))
    app.test_client_class = MaskCheckingClient
    prepare_database(app)
    return app


@pytest.fixture()
def fresh_app(app):
    """The app with the database back at its seeded state and rate limits cleared."""
    reset_database(app)
    # The database starts over, so do the audit checkpoints that anchor its chain.
    Path(app.config["AUDIT_CHECKPOINT_FILE"]).unlink(missing_ok=True)
    from app.extensions import limiter
    with app.app_context():  # counters live in the database (already reset) or in memory
        limiter.reset()
    app.extensions["view_cache"].clear()  # revisions repeat after a reset
    return app


@pytest.fixture()
def client(fresh_app):
    return fresh_app.test_client()


@pytest.fixture()
def db_session(fresh_app):
    """An app context for tests that call services directly."""
    from app.extensions import db
    with fresh_app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture()
def wechat(fake_wechat_url):
    control = FakeWeChatControl(fake_wechat_url)
    control.reset()
    return control


@pytest.fixture(autouse=True)
def no_personal_data_in_logs(caplog):
    caplog.set_level(logging.INFO)
    yield
    leaks = [r.getMessage() for r in caplog.records if _LEAK.search(r.getMessage())]
    assert not leaks, f"personal data or tokens in logs: {leaks[:3]}"


@pytest.fixture(autouse=True)
def response_check_stays_on(app):
    """The unmasked-data check covers every test: nothing may swap the client class."""
    assert app.test_client_class is MaskCheckingClient
    yield
    assert app.test_client_class is MaskCheckingClient, "a test switched the response check off"
