"""SECURITY.md 7, 8, 11, 12: staff passwords, lockout, TOTP, scoped account management."""
import time

import pyotp
import pytest
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.audit.models import AuditEntry
from app.extensions import db
from tests.builders.http import (DEMO_PASSWORD, approve_grant, auth, error_code, staff_login,
                                 staff_token)

LOGIN = "/api/v1/auth/staff/login"


def _login(client, username, password, **extra):
    return client.post(LOGIN, json={"username": username, "password": password, **extra})


def test_staff_login_returns_tokens_and_profile(client):
    body = staff_login(client, "station_xc")
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["staff"]["role"] == "station_staff"
    assert body["staff"]["role_label"] == "服务站工作人员"
    assert "password" not in body["staff"] and "password_hash" not in body["staff"]
    assert body["staff"]["last_login_at"].endswith("+08:00")


def test_wrong_password_and_unknown_user_look_the_same(client):
    wrong = _login(client, "station_xc", "Wrong@2025")
    unknown = _login(client, "nobody_here", "Wrong@2025")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_sixth_attempt_with_right_password_is_refused_until_lockout_ends(client, fresh_app):
    for _ in range(5):
        assert _login(client, "station_xc", "Wrong@2025").status_code == 401
    locked = _login(client, "station_xc", DEMO_PASSWORD)
    assert locked.status_code == 401 and error_code(locked) == "auth.invalid_credentials"
    with fresh_app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        # The lockout expires: move it into the past as time would.
        staff.locked_until = staff.locked_until.replace(year=2000)
        db.session.commit()
    assert _login(client, "station_xc", DEMO_PASSWORD).status_code == 200


def test_failed_logins_are_audited_without_the_password(client, fresh_app):
    _login(client, "station_xc", "Wrong@2025")
    with fresh_app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "auth.staff_login").order_by(AuditEntry.seq.desc())).first()
        assert entry.result == "denied" and entry.details == {"reason": "bad_password"}
        assert "Wrong@2025" not in str(entry.chain_fields())


def _create(client, token, **overrides):
    body = {"username": "newstaff", "display_name": "新同事", "password": "Good#Pass9",
            "role": "station_staff", "region_code": "150102001001", **overrides}
    return client.post("/api/v1/staff", json=body, headers=auth(token))


@pytest.mark.parametrize("password,problem", [
    ("Sh0rt!", "too_short"), ("alllowercase", "too_few_classes"),
    ("NewStaff#2025", "contains_username")])
def test_password_policy(client, password, problem):
    response = _create(client, staff_token(client, "security_admin"), password=password)
    assert response.status_code == 422 and error_code(response) == "auth.weak_password"
    assert problem in response.get_json()["error"]["details"]["problems"]


def test_security_admin_creates_staff_who_can_log_in(client):
    # station_staff reads persons: it takes effect once a second security admin approves.
    approve_grant(client, _create(client, staff_token(client, "security_admin")))
    assert staff_login(client, "newstaff", "Good#Pass9")["staff"]["region_code"] == "150102001001"
    duplicate = _create(client, staff_token(client, "security_admin"))
    assert duplicate.status_code == 409 and error_code(duplicate) == "staff.username_taken"


@pytest.mark.parametrize("role", ["station_staff", "county_officer", "region_admin", "auditor"])
def test_only_the_security_admin_manages_accounts(client, role):
    username = {"station_staff": "station_xc", "county_officer": "county_xc",
                "region_admin": "region_admin", "auditor": "auditor"}[role]
    response = _create(client, staff_token(client, username))
    assert response.status_code == 403 and error_code(response) == "auth.forbidden"


def test_client_cannot_set_protected_fields(client):
    response = _create(client, staff_token(client, "security_admin"), token_version=99,
                       active=True)
    assert response.status_code == 422


def _local_security_admin(client):
    """A security admin granted only 新城区 (150102)."""
    approve_grant(client, _create(client, staff_token(client, "security_admin"),
                                  username="sec_xc", role="security_admin",
                                  region_code="150102"))
    return staff_login(client, "sec_xc", "Good#Pass9")["access_token"]


def _staff_id(fresh_app, username):
    with fresh_app.app_context():
        return db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))


@pytest.mark.parametrize("target,visible", [
    ("station_xc", True),     # child region
    ("county_xc", True),      # same region
    ("city_hhht", False),     # parent region
    ("station_hlr", False),   # another league
])
def test_account_management_is_scoped_to_the_region_subtree(client, fresh_app, target, visible):
    token = _local_security_admin(client)
    response = client.patch(f"/api/v1/staff/{_staff_id(fresh_app, target)}",
                            json={"active": True}, headers=auth(token))
    assert response.status_code == (200 if visible else 404)
    listed = {s["username"] for s in client.get("/api/v1/staff", headers=auth(token)).get_json()}
    assert (target in listed) is visible


def test_cannot_grant_a_region_outside_ones_own(client):
    token = _local_security_admin(client)
    response = _create(client, token, username="outsider", region_code="150702")
    assert response.status_code == 404 and error_code(response) == "region.not_found"


def test_station_must_lie_in_the_granted_region(client):
    response = _create(client, staff_token(client, "security_admin"), station_id=4)  # 海拉尔区
    assert response.status_code == 422 and error_code(response) == "staff.station_invalid"


def test_page_size_is_capped(client):
    response = client.get("/api/v1/staff?per_page=1000",
                          headers=auth(staff_token(client, "security_admin")))
    assert response.status_code == 422


def test_totp_second_factor(client):
    token = staff_token(client, "county_xc")
    setup = client.post("/api/v1/auth/staff/totp/setup", headers=auth(token)).get_json()
    totp = pyotp.TOTP(setup["secret"])
    wrong_code = str((int(totp.now()) + 500000) % 1000000).zfill(6)
    wrong = client.post("/api/v1/auth/staff/totp/enable", json={"code": wrong_code},
                        headers=auth(token))
    assert wrong.status_code == 422 and error_code(wrong) == "auth.totp_invalid"
    assert client.post("/api/v1/auth/staff/totp/enable", json={"code": totp.now()},
                       headers=auth(token)).status_code == 204
    without = _login(client, "county_xc", DEMO_PASSWORD)
    assert without.status_code == 401 and error_code(without) == "auth.totp_required"
    # The code used to enable cannot be replayed; the next time step's code works.
    replay = _login(client, "county_xc", DEMO_PASSWORD, totp_code=totp.now())
    assert replay.status_code == 401
    next_code = totp.at(time.time() + 30)
    assert _login(client, "county_xc", DEMO_PASSWORD, totp_code=next_code).status_code == 200


def test_password_change_signs_out_everywhere(client):
    pair = staff_login(client, "station_xc")
    response = client.post("/api/v1/auth/staff/password", headers=auth(pair["access_token"]),
                           json={"old_password": DEMO_PASSWORD, "new_password": "Fresh#Pass42"})
    assert response.status_code == 204
    assert client.get("/api/v1/auth/staff/me", headers=auth(pair["access_token"])).status_code == 401
    assert staff_login(client, "station_xc", "Fresh#Pass42")["staff"]["username"] == "station_xc"


def test_login_is_rate_limited(client, fresh_app):
    limit = int(fresh_app.config["RATELIMIT_LOGIN"].split("/")[0])
    codes = [_login(client, f"user{i}", "Wrong@2025").status_code for i in range(limit + 1)]
    assert codes[-1] == 429 and set(codes[:-1]) == {401}
