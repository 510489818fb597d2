"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), and
the fake WeChat server as a real subprocess the app reaches over HTTP."""
import logging
import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.accounts.access import REVEAL_ATTR
from config import normalize_database_url
from tests.support.database import prepare_database, reset_database
from tests.support.servers import FakeWeChatControl, run_fake_wechat

APPID, SECRET = "wx-test-appid", "test-secret"

# Anything in a log that looks like an ID number, a phone or a token fails the run
# (SECURITY.md 5). Checked over every test's captured log records.
_LEAK = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|1\d{10})(?![0-9A-Za-z])|eyJ[\w-]{10,}\.")


_PERSONAL = re.compile(rb"(?<![0-9A-Za-z])(\d{17}[\dXx]|1\d{10})(?![0-9A-Za-z])")


class MaskCheckingClient(FlaskClient):
    """Every response in the suite is checked for unmasked ID numbers and phones
    (SECURITY.md 2); only views marked as audited reveals may carry them."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        view = self.application.view_functions.get(_endpoint_of(self.application, response))
        if not getattr(view, REVEAL_ATTR, False) and not response.is_streamed:
            found = _PERSONAL.search(response.get_data())
            assert found is None, f"unmasked personal data in response: {found.group()[:4]}..."
        return response


def _endpoint_of(app, response):
    request = response.request
    try:
        endpoint, _ = app.url_map.bind("localhost").match(request.path, request.method)
    except Exception:  # noqa: BLE001 - 404/405 responses have no endpoint
        return None
    return endpoint


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
