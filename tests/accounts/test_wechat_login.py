"""Job-seeker login through the fake WeChat server (a real subprocess), SECURITY.md 10."""
import pytest
from sqlalchemy import func, select, text

from app.accounts.models import PersonAccount
from app.extensions import db
from tests.builders.http import auth, error_code, person_login

LOGIN = "/api/v1/auth/wechat/login"
PHONE = "/api/v1/auth/wechat/phone"


def _accounts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PersonAccount))


def test_demo_login_creates_then_finds_the_account(client, wechat):
    first = person_login(client, "zhangsan")
    second = person_login(client, "zhangsan")
    assert first["new_account"] is True and second["new_account"] is False
    assert first["account"]["account_id"] == second["account"]["account_id"]
    assert "session_key" not in str(first) and "openid" not in first["account"]
    assert "person" not in first  # an account is not a person: no id that could be mistaken


def test_registered_code_works_once(client, wechat, fresh_app):
    wechat.register_code("wx-code-1", "oTestOpenid000000000000001")
    assert client.post(LOGIN, json={"code": "wx-code-1"}).status_code == 200
    reused = client.post(LOGIN, json={"code": "wx-code-1"})
    assert reused.status_code == 400 and error_code(reused) == "auth.wechat.code_used"


def test_invalid_code(client, wechat, fresh_app):
    response = client.post(LOGIN, json={"code": "not-a-real-code"})
    assert response.status_code == 400 and error_code(response) == "auth.wechat.code_invalid"
    assert _accounts(fresh_app) == 0


@pytest.mark.parametrize("fault,status,code", [
    (-1, 503, "wechat.busy"), (45011, 503, "wechat.busy"),
    ("http_500", 502, "wechat.unavailable"), (40226, 403, "auth.wechat.user_blocked")])
def test_wechat_failures_are_clear_and_write_nothing(client, wechat, fresh_app, fault, status,
                                                     code):
    wechat.inject_fault("sns/jscode2session", fault)
    response = client.post(LOGIN, json={"code": "demo-lisi"})
    assert response.status_code == status and error_code(response) == code
    assert response.get_json()["error"]["message"]
    assert _accounts(fresh_app) == 0


def test_wechat_timeout_is_502(client, wechat, fresh_app):
    wechat.inject_fault("sns/jscode2session", f"delay:{fresh_app.config['WECHAT_TIMEOUT'] + 1}")
    response = client.post(LOGIN, json={"code": "demo-lisi"})
    assert response.status_code == 502 and error_code(response) == "wechat.unavailable"
    assert _accounts(fresh_app) == 0


def test_session_key_is_never_stored(client, wechat, fresh_app):
    person_login(client, "zhangsan")
    with fresh_app.app_context():
        columns = [c.name for c in PersonAccount.__table__.columns]
        assert not any("session" in name for name in columns)


def test_phone_binding_stores_encrypted_and_answers_masked(client, wechat, fresh_app):
    token = person_login(client)["access_token"]
    response = client.post(PHONE, headers=auth(token), json={
        "code": "demo-phone-13800000001", "privacy_notice_version": "2025-01"})
    assert response.status_code == 200
    assert response.get_json()["phone"] == "138****0001"
    with fresh_app.app_context():
        raw = db.session.execute(text("SELECT phone, phone_index FROM person_accounts")).one()
        assert "13800000001" not in raw.phone and raw.phone.startswith("v1.")
        account = db.session.scalar(select(PersonAccount))
        assert account.phone == "13800000001" and account.privacy_accepted_at is not None


def test_phone_binding_requires_the_current_privacy_notice(client, wechat, fresh_app):
    token = person_login(client)["access_token"]
    response = client.post(PHONE, headers=auth(token), json={
        "code": "demo-phone-13800000001", "privacy_notice_version": "2019-01"})
    assert response.status_code == 422 and error_code(response) == "auth.privacy_notice_outdated"
    with fresh_app.app_context():
        assert db.session.scalar(select(PersonAccount.phone)) is None


def test_invalid_phone_code(client, wechat):
    token = person_login(client)["access_token"]
    response = client.post(PHONE, headers=auth(token), json={
        "code": "bogus", "privacy_notice_version": "2025-01"})
    assert response.status_code == 400 and error_code(response) == "auth.phone.code_invalid"


def test_phone_binding_needs_a_person_token(client, wechat):
    response = client.post(PHONE, json={"code": "demo-phone-13800000001",
                                        "privacy_notice_version": "2025-01"})
    assert response.status_code == 401
