"""Staff accounts from the console: the security admin creates and changes accounts through
the API's services; a grant that reads persons waits for a second security admin (two-person
rule), who approves it once; nobody approves their own request or changes their own account;
every bad form keeps what was typed (never the password); other roles get 403."""
from sqlalchemy import select

from app.accounts.models import StaffAccount, StaffGrantRequest
from app.extensions import db
from tests.builders.console import console_login, console_post

NEW = {"username": "new_station", "display_name": "新站员", "password": "Good#Pass9",
       "role": "station_staff", "region_code": "150102001001"}


def _account(app, username):
    with app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        return None if staff is None else (staff.id, staff.role, staff.active)


def _grant_id(app):
    with app.app_context():
        return db.session.scalar(select(StaffGrantRequest.id).where(
            StaffGrantRequest.username == NEW["username"]))


def test_a_person_reading_account_waits_for_a_second_security_admin(client, fresh_app):
    csrf = console_login(client, "security_admin")
    assert "账号管理" in client.get("/console/").get_data(as_text=True)  # in the menu
    done = console_post(client, "/console/staff", csrf, **NEW)
    assert "done=requested" in done.headers["Location"]
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "须由另一名安全管理员批准" in page and "new_station" in page
    grant_id = _grant_id(fresh_app)
    assert f"批准 #{grant_id}" not in page and f"撤回 #{grant_id}" in page  # not one's own
    assert _account(fresh_app, "new_station") is None
    own = console_post(client, f"/console/staff/grants/{grant_id}/approve", csrf, expect=403)
    assert "staff.grant_own_request" in own.get_data(as_text=True)
    assert _account(fresh_app, "new_station") is None
    csrf = console_login(client, "security_admin2")
    assert f"批准 #{grant_id}" in client.get("/console/staff").get_data(as_text=True)
    console_post(client, f"/console/staff/grants/{grant_id}/approve", csrf)
    assert _account(fresh_app, "new_station")[1:] == ("station_staff", True)
    again = console_post(client, f"/console/staff/grants/{grant_id}/approve", csrf, expect=409)
    assert "staff.grant_decided" in again.get_data(as_text=True)


def test_taking_power_away_is_at_once_and_ones_own_account_is_refused(client, fresh_app):
    csrf = console_login(client, "security_admin")
    tax = console_post(client, "/console/staff", csrf, **{**NEW, "username": "tax_new",
                                                          "role": "tax", "region_code": "150102"})
    assert "done=saved" in tax.headers["Location"]  # a role that reads no persons
    assert _account(fresh_app, "tax_new")[1:] == ("tax", True)
    station_id = _account(fresh_app, "station_xc")[0]
    assert "station_xc" in client.get(f"/console/staff/{station_id}").get_data(as_text=True)
    console_post(client, f"/console/staff/{station_id}", csrf, active="0")
    assert _account(fresh_app, "station_xc")[2] is False
    own_id = _account(fresh_app, "security_admin")[0]
    own = console_post(client, f"/console/staff/{own_id}", csrf, expect=403, active="0")
    assert "staff.self_change" in own.get_data(as_text=True)
    assert _account(fresh_app, "security_admin")[2] is True


def test_bad_staff_forms_are_refused_with_a_reason_and_what_was_typed(client, fresh_app):
    csrf = console_login(client, "security_admin")
    cases = [
        ({"username": "a"}, 422, "console.staff_username", "用户名须为3至64位"),
        ({"display_name": ""}, 422, "console.staff_display_name", "请填写姓名"),
        ({"role": "king"}, 422, "console.staff_role", "请选择角色"),
        ({"region_code": "15"}, 422, "console.staff_region", "行政区划代码应为"),
        ({"station_id": "一号"}, 422, "console.staff_station", "服务站编号应为数字"),
        ({"password": "short"}, 422, "auth.weak_password", "密码至少8位"),
        ({"username": "station_xc"}, 409, "staff.username_taken", "用户名已被使用"),
        ({"region_code": "159999"}, 404, "region.not_found", ""),
    ]
    for change, status, code, message in cases:
        body = console_post(client, "/console/staff", csrf, expect=status,
                            **{**NEW, **change}).get_data(as_text=True)
        assert code in body and message in body, (change, body[:600])
        if "display_name" not in change:
            assert 'value="新站员"' in body  # what was typed is kept
        assert "Good#Pass9" not in body  # the password is never echoed back
    station_id = _account(fresh_app, "station_xc")[0]
    bad = console_post(client, f"/console/staff/{station_id}", csrf, expect=422,
                       role="king", region_code="150102").get_data(as_text=True)
    assert "console.staff_role" in bad and 'value="150102"' in bad
    assert client.get("/console/staff/999999").status_code == 404
    no_csrf = client.post("/console/staff", data=NEW)
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    with fresh_app.app_context():
        assert db.session.scalar(select(StaffGrantRequest.id)) is None


def test_other_roles_are_forbidden(client, fresh_app):
    for username in ("region_admin", "auditor", "station_xc"):
        csrf = console_login(client, username)
        assert "账号管理" not in client.get("/console/").get_data(as_text=True)
        assert client.get("/console/staff").status_code == 403
        refused = console_post(client, "/console/staff", csrf, expect=403, **NEW)
        assert "auth.forbidden" in refused.get_data(as_text=True)
    assert _account(fresh_app, "new_station") is None
