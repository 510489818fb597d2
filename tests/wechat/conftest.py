"""Push fixtures: the fake SMS gateway (a real subprocess), templates registered at the fake
WeChat, person accounts that subscribed, and a worker wired like `flask push worker`."""
import pytest
from sqlalchemy import select

from app.wechat.models import PushAttempt, PushMessage, PushSubscription
from app.wechat.worker import build_worker
from fakes.wechat import demo_openid
from tests.builders.http import auth, person_login
from tests.conftest import APPID
from tests.support.servers import FakeSmsControl, run_fake_sms

PHONE = "13800000001"  # demo phone for SMS tests; never logged


@pytest.fixture(scope="session")
def fake_sms_url():
    with run_fake_sms() as base_url:
        yield base_url


@pytest.fixture()
def sms(fresh_app, fake_sms_url, monkeypatch):
    """The fake SMS gateway, reset, with the app pointed at it."""
    monkeypatch.setitem(fresh_app.config, "SMS_API_BASE", fake_sms_url)
    control = FakeSmsControl(fake_sms_url)
    control.reset()
    return control


@pytest.fixture()
def catalog(fresh_app):
    return fresh_app.extensions["push_catalog"]


@pytest.fixture()
def templates(wechat, catalog):
    """Every catalog template registered at the fake WeChat (as in the WeChat console)."""
    for kind in catalog.kinds.values():
        wechat.register_template(kind.template_id, kind.wechat_fields())
    return catalog


class Person:
    def __init__(self, client, wechat, name):
        self.client, self.wechat, self.name = client, wechat, name
        login = person_login(client, name)
        self.token = login["access_token"]
        self.account_id = login["account"]["account_id"]
        self.openid = demo_openid(APPID, name)

    @property
    def headers(self):
        return auth(self.token)

    def subscribe(self, template_id, count=1, at_wechat=None):
        """Tap "allow" `count` times: WeChat grants it and the mini-program reports it."""
        self.wechat.grant_subscription(self.openid, template_id,
                                       count if at_wechat is None else at_wechat)
        for _ in range(count):
            response = self.client.post("/api/v1/push/subscriptions", headers=self.headers,
                                        json={"result": {"errMsg": "requestSubscribeMessage:ok",
                                                         template_id: "accept"}})
            assert response.status_code == 200, response.get_json()

    def bind_phone(self, phone=PHONE):
        response = self.client.post("/api/v1/auth/wechat/phone", headers=self.headers, json={
            "code": f"demo-phone-{phone}", "privacy_notice_version": "2025-01"})
        assert response.status_code == 200, response.get_json()


@pytest.fixture()
def person(client, wechat, templates):
    return Person(client, wechat, "zhangsan")


@pytest.fixture()
def make_person(client, wechat, templates):
    return lambda name: Person(client, wechat, name)


@pytest.fixture()
def worker(fresh_app, db_session):
    """A worker like `flask push worker` builds, inside an app context."""
    def build(**settings):
        built = build_worker(fresh_app)
        if settings:
            from dataclasses import replace
            built.settings = replace(built.settings, **settings)
        return built
    return build


def message(db_session, message_id):
    db_session.expire_all()
    return db_session.get(PushMessage, message_id)


def attempts(db_session, message_id):
    return db_session.scalars(select(PushAttempt).where(PushAttempt.message_id == message_id)
                              .order_by(PushAttempt.id)).all()


def quota(db_session, account_id, template_id):
    db_session.expire_all()
    row = db_session.scalar(select(PushSubscription).where(
        PushSubscription.person_account_id == account_id,
        PushSubscription.template_id == template_id))
    return row.quota if row else 0


@pytest.fixture(scope="session")
def redis_url():
    """A private redis-server on a free loopback port (skipped when Redis is not installed)."""
    import shutil
    import subprocess
    import time

    import redis

    from tests.support.servers import free_port
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.skip("redis-server did not start")
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(5)
