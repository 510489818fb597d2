"""Deadlines per region in working days, overdue lists, escalation, the public notice."""
from datetime import date, timedelta

from app.certification import review
from app.certification.models import Application
from app.core.clock import local_today
from app.extensions import db
from tests.builders.applications import applicant, apply_self, step
from tests.builders.http import auth, error_code, staff_token

BASE = "/api/v1/certification"


def make_overdue(app, application_id, days=3):
    with app.app_context():
        application = db.session.get(Application, application_id)
        application.step_deadline = local_today() - timedelta(days=days)
        db.session.commit()


def test_region_settings_apply_to_the_subtree(client):
    county = staff_token(client, "county_xc")
    defaults = client.get(f"{BASE}/settings/150102001001", headers=auth(county)).get_json()
    assert (defaults["station_days"], defaults["township_days"], defaults["county_days"],
            defaults["notice_enabled"], defaults["region_code"]) == (2, 3, 3, False, None)
    changed = client.put(f"{BASE}/settings/150102", headers=auth(county),
                         json={"station_days": 5, "notice_enabled": True})
    assert changed.status_code == 200, changed.get_json()
    inherited = client.get(f"{BASE}/settings/150102001001", headers=auth(county)).get_json()
    assert inherited["station_days"] == 5 and inherited["region_code"] == "150102"
    assert inherited["notice_days"] == 3
    outside = client.put(f"{BASE}/settings/150702", headers=auth(county), json={"station_days": 1})
    assert outside.status_code == 404
    station = client.put(f"{BASE}/settings/150102001001",
                         headers=auth(staff_token(client, "station_xc")), json={"station_days": 1})
    assert station.status_code == 403


def test_deadline_counts_working_days(client, fresh_app):
    created = apply_self(client, applicant(client))
    with fresh_app.app_context():
        from app.core.calendar import current_calendar
        expected, _ = current_calendar().add_workdays(local_today(), 2)
    assert created["current_step"]["deadline"] == expected.isoformat()


def test_overdue_steps_are_listed_and_escalated_to_the_next_level(client, fresh_app):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    make_overdue(fresh_app, app_id)
    township = staff_token(client, "township_xc")
    overdue = client.get(f"{BASE}/overdue", headers=auth(township)).get_json()
    assert app_id in [a["id"] for a in overdue["items"]]
    assert all(a["current_step"]["overdue"] for a in overdue["items"])
    hlr = client.get(f"{BASE}/overdue", headers=auth(staff_token(client, "station_hlr")))
    assert app_id not in [a["id"] for a in hlr.get_json()["items"]]

    # Before escalation the township cannot act on the station's step; afterwards it can.
    step(client, "township_xc", app_id, "station-check", {"outcome": "pass"}, expect=403)
    assert client.post(f"{BASE}/overdue/escalate", headers=auth(township)).status_code == 403
    escalated = client.post(f"{BASE}/overdue/escalate", headers=auth(staff_token(client, "county_xc")))
    assert escalated.status_code == 200 and escalated.get_json()["escalated"] >= 1
    mine = client.get(f"{BASE}/my/applications/{app_id}", headers=auth(token)).get_json()
    assert mine["current_step"]["escalated"] is True
    assert mine["current_step"]["holder_level"] == "township"
    assert mine["current_step"]["holder"] == "海拉尔东路街道（演示）"
    assert [e["action"] for e in mine["events"]][-1] == "escalate"
    passed = step(client, "township_xc", app_id, "station-check", {"outcome": "pass"})
    assert passed["status"] == "township_review" and passed["current_step"]["escalated"] is False
    # Escalating again finds nothing new for this application.
    with fresh_app.app_context():
        assert review.escalate_overdue(local_today(), "150102") == 0


def test_public_notice_with_objection_before_certification(client, fresh_app):
    county = staff_token(client, "county_xc")
    client.put(f"{BASE}/settings/150102", headers=auth(county), json={"notice_enabled": True})
    app_id = apply_self(client, applicant(client))["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    noticed = step(client, "county_xc", app_id, "county-decision", {"outcome": "certify"})
    assert noticed["status"] == "public_notice" and noticed["notice"]["ends_on"]

    board = client.get(f"{BASE}/notices", query_string={"region_code": "150102"}).get_json()
    [entry] = board
    assert set(entry) == {"name", "gender", "age", "categories", "period", "station",
                          "station_phone"}
    assert entry["name"] == "张*" and entry["categories"] == ["大龄失业人员"]
    assert client.get(f"{BASE}/notices", query_string={"region_code": "150702"}).get_json() == []

    objection = client.post(f"{BASE}/applications/{app_id}/objections", headers=auth(
        staff_token(client, "station_xc")), json={"summary": "有人反映其已在外务工", "channel": "phone"})
    assert objection.status_code == 201
    early = client.post(f"{BASE}/applications/{app_id}/finalize", headers=auth(county))
    assert early.status_code == 409 and error_code(early) == "certification.notice_running"
    later = local_today() + timedelta(days=30)
    with fresh_app.app_context():
        application = db.session.get(Application, app_id)
        blocked = None
        try:
            review.finalize_notice(application, today=later)
        except Exception as exc:  # noqa: BLE001 - asserting the domain error below
            blocked = exc
        db.session.rollback()
    assert blocked.code == "certification.objections_pending"
    url = f"{BASE}/objections/{objection.get_json()['id']}/decision"
    assert client.post(url, headers=auth(staff_token(client, "station_xc")),
                       json={"upheld": False, "note": "核实无误"}).status_code == 403
    decided = client.post(url, headers=auth(county), json={"upheld": False, "note": "经核实不成立"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "dismissed"
    with fresh_app.app_context():
        assert review.finalize_due_notices(later) == 1
        db.session.commit()
        assert db.session.get(Application, app_id).status == "certified"


def test_upheld_objection_rejects(client):
    county = staff_token(client, "county_xc")
    client.put(f"{BASE}/settings/150102", headers=auth(county), json={"notice_enabled": True})
    app_id = apply_self(client, applicant(client))["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    step(client, "county_xc", app_id, "county-decision", {"outcome": "certify"})
    objection = client.post(f"{BASE}/applications/{app_id}/objections", headers=auth(county),
                            json={"summary": "已在企业就业", "channel": "in_person"}).get_json()
    decided = client.post(f"{BASE}/objections/{objection['id']}/decision", headers=auth(county),
                          json={"upheld": True, "note": "核实已就业"})
    assert decided.status_code == 200
    detail = client.get(f"{BASE}/applications/{app_id}", headers=auth(county)).get_json()
    assert detail["status"] == "rejected" and detail["reject_reason"] == "objection_upheld"


def test_holiday_schedule_is_loaded_by_an_administrator(client, fresh_app):
    admin = staff_token(client, "region_admin")
    before = client.get(f"{BASE}/calendar/2027", headers=auth(admin)).get_json()
    assert before["source"] == "fallback" and before["estimated"] is True
    schedule = {"holidays": ["2027-01-01", "2027-02-05", "2027-02-08"],
                "workdays": ["2027-02-06"], "source": "国务院办公厅通知（测试）"}
    assert client.put(f"{BASE}/calendar/2027", json=schedule,
                      headers=auth(staff_token(client, "county_xc"))).status_code == 403
    bad = client.put(f"{BASE}/calendar/2027", headers=auth(admin),
                     json={**schedule, "workdays": ["2027-02-09"]})
    assert bad.status_code == 422 and error_code(bad) == "calendar.invalid"
    loaded = client.put(f"{BASE}/calendar/2027", json=schedule, headers=auth(admin))
    assert loaded.status_code == 200 and loaded.get_json()["source"] == "loaded"
    with fresh_app.app_context():
        from app.core.calendar import current_calendar
        deadline, estimated = current_calendar().add_workdays(date(2027, 2, 4), 2)
    # Thu 4 Feb: Fri 5 off, Sat 6 worked, Mon 8 off, Tue 9 -> the 2nd working day.
    assert (deadline, estimated) == (date(2027, 2, 9), frozenset())
    assert client.get(f"{BASE}/calendar/1900", headers=auth(admin)).status_code == 404
