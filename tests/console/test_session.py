"""Console sign-in: the API's account checks, a server-side session behind an HttpOnly,
SameSite cookie, CSRF on every form, the idle and absolute limits, sign-out."""
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import AuthSession
from app.audit.models import AuditEntry
from app.core.clock import utcnow
from app.extensions import db
from tests.builders.console import console_login, csrf_of


def _cookie_header(response):
    return [v for k, v in response.headers.items() if k == "Set-Cookie" and "imjy_console" in v]


def test_sign_in_sets_a_locked_down_cookie_and_opens_today(client):
    token = csrf_of(client.get("/console/login"))
    response = client.post("/console/login", data={"csrf_token": token, "username": "station_xc",
                                                   "password": "Demo@2025"})
    assert response.status_code == 303 and response.headers["Location"] == "/console/"
    [cookie] = _cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/console/")
    assert page.status_code == 200 and "今日待办" in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_production_cookie_is_secure():
    from config import ProductionConfig
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_signed_out_visitors_are_sent_to_the_sign_in_page(client):
    response = client.get("/console/applications")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")


def test_a_wrong_password_gets_the_generic_answer_and_is_audited(client, fresh_app):
    console_login(client, "station_xc", password="Wrong#Pass1", expect=401)
    with fresh_app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "auth.staff_login").order_by(AuditEntry.seq.desc())).first()
        assert entry.result == "denied" and entry.details["reason"] == "bad_password"
    assert client.get("/console/").status_code == 302


def test_login_without_the_csrf_token_is_refused(client):
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "station_xc",
                                                   "password": "Demo@2025"})
    assert response.status_code == 403 and "页面已过期" in response.get_data(as_text=True)


def test_every_form_needs_the_session_csrf_token(client):
    console_login(client, "station_xc")
    forged = client.post("/console/logout", data={"csrf_token": "guessed"})
    assert forged.status_code == 403
    missing = client.post("/console/scan", data={"content": "P1.x", "purpose": "follow_up"})
    assert missing.status_code == 403
    assert client.get("/console/").status_code == 200  # still signed in


def test_sign_out_ends_the_session_on_the_server(client, fresh_app):
    csrf = console_login(client, "station_xc")
    stolen = client.get_cookie("imjy_console").value
    assert client.post("/console/logout", data={"csrf_token": csrf}).status_code == 303
    client.set_cookie("imjy_console", stolen)  # a copy of the cookie taken before sign-out
    assert client.get("/console/").status_code == 302
    with fresh_app.app_context():
        assert db.session.scalars(select(AuthSession.revoke_reason)).all()[-1] == "logout"


def test_idle_and_absolute_limits_end_the_session(client, fresh_app):
    console_login(client, "station_xc")
    with fresh_app.app_context():
        session = db.session.scalars(select(AuthSession).order_by(AuthSession.created_at.desc())).first()
        session.idle_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/console/").status_code == 302
    console_login(client, "station_xc")
    with fresh_app.app_context():
        session = db.session.scalars(select(AuthSession).order_by(AuthSession.created_at.desc())).first()
        session.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_activity_moves_the_idle_limit_but_never_past_the_absolute_one(client, fresh_app):
    console_login(client, "station_xc")
    with fresh_app.app_context():
        session = db.session.scalars(select(AuthSession).order_by(AuthSession.created_at.desc())).first()
        session.idle_expires_at = utcnow() + timedelta(seconds=30)
        session.expires_at = utcnow() + timedelta(seconds=600)
        db.session.commit()
        sid = session.id
    assert client.get("/console/").status_code == 200
    with fresh_app.app_context():
        session = db.session.get(AuthSession, sid)
        assert session.idle_expires_at == session.expires_at


def test_a_role_change_signs_the_console_out(client, fresh_app):
    console_login(client, "station_xc")
    with fresh_app.app_context():
        from app.accounts.models import StaffAccount
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        staff.token_version += 1
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_next_never_leaves_the_console(client):
    token = csrf_of(client.get("/console/login"))
    response = client.post("/console/login", data={
        "csrf_token": token, "username": "station_xc", "password": "Demo@2025",
        "next": "https://evil.example/console/"})
    assert response.headers["Location"] == "/console/"


def test_control_characters_in_a_form_are_refused_before_any_service(client):
    csrf = console_login(client, "station_xc")
    response = client.post("/console/scan", data={"csrf_token": csrf, "content": "P1.a\x00b",
                                                  "purpose": "follow_up"})
    assert response.status_code == 422 and "request.control_characters" in response.get_data(as_text=True)


def test_an_account_with_a_second_factor_needs_its_code_in_the_console_too(client):
    import pyotp
    from tests.builders.http import auth, staff_token
    token = staff_token(client, "station_xc")
    secret = client.post("/api/v1/auth/staff/totp/setup", headers=auth(token)).get_json()["secret"]
    totp = pyotp.TOTP(secret)
    assert client.post("/api/v1/auth/staff/totp/enable", json={"code": totp.now()},
                       headers=auth(token)).status_code == 204
    csrf = csrf_of(client.get("/console/login"))
    missing = client.post("/console/login", data={"csrf_token": csrf, "username": "station_xc",
                                                  "password": "Demo@2025"})
    assert missing.status_code == 401 and "请输入动态验证码" in missing.get_data(as_text=True)
    wrong = client.post("/console/login", data={"csrf_token": csrf, "username": "station_xc",
                                                "password": "Demo@2025", "totp_code": "000000"})
    assert wrong.status_code == 401
    step = totp.interval
    import time
    code = totp.at(int(time.time()) + step)  # the next step: the enabling code was used
    ok = client.post("/console/login", data={"csrf_token": csrf, "username": "station_xc",
                                             "password": "Demo@2025", "totp_code": code})
    assert ok.status_code == 303
