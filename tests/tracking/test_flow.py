"""The issue's "Done when" flow: certified -> case with station_xc -> help request answered
(or escalated to the township) -> a visit -> a hire from a recommendation -> the adaptation
follow-up a month later -> coverage."""
from app.audit.models import AuditEntry
from app.extensions import db
from app.wechat.models import PushMessage
from sqlalchemy import select
from tests.builders.codes import certified_seeker, resolve
from tests.builders.http import auth, error_code, staff_token
from tests.builders.tracking import (BASE, days_later, get, hire_through_recommendation,
                                     post, run_daily)


def test_certified_person_gets_a_case_with_the_station_worker(client, fresh_app):
    token, person_id = certified_seeker(client)
    mine = get(client, "station_xc", "/cases/mine")
    [case] = [c for c in mine["items"] if c["person"]["id"] == person_id]
    assert case["staff"]["display_name"] == "王站员" and case["categories"] == ["older"]
    assert case["station"]["phone"] == "0471-6900001"
    own = client.get(f"{BASE}/my/case", headers=auth(token)).get_json()
    assert own["staff_name"] == "王站员" and own["station"]["phone"] == "0471-6900001"
    # Another league cannot see it: a case of another region answers like a missing one.
    assert error_code(client.get(f"{BASE}/cases/{case['id']}", headers=auth(
        staff_token(client, "station_hlr")))) == "tracking.case_not_found"
    detail = get(client, "township_xc", f"/cases/{case['id']}")
    assert detail["plan"]["version"] == "2026.1"
    with fresh_app.app_context():
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "tracking.case_opened")) is not None


def test_help_request_answered_in_time_and_escalated_when_missed(client, fresh_app):
    token, person_id = certified_seeker(client)
    asked = client.post(f"{BASE}/my/help-requests", json={"topic": "想找附近的保洁工作",
                                                          "detail": "腰不好，不能搬重物"},
                        headers=auth(token))
    assert asked.status_code == 201, asked.get_json()
    first = asked.get_json()
    tasks = get(client, "station_xc", "/tasks", kind="help_request")
    assert [t["id"] for t in tasks["items"]] == [first["id"]]
    assert tasks["items"][0]["detail"] == "腰不好，不能搬重物"
    done = post(client, "station_xc", f"/tasks/{first['id']}/complete",
                {"outcome": "已电话联系，推荐社区保洁岗位"})
    assert done["status"] == "done" and done["overdue"] is False
    again = client.post(f"{BASE}/tasks/{first['id']}/complete", json={"outcome": "x"},
                        headers=auth(staff_token(client, "station_xc")))
    assert again.status_code == 409 and error_code(again) == "tracking.task_done"

    second = client.post(f"{BASE}/my/help-requests", json={"topic": "咨询社保补贴"},
                         headers=auth(token)).get_json()
    with days_later(10):
        counts = run_daily(fresh_app)
        assert counts["requests_escalated"] == 1
        assert run_daily(fresh_app)["requests_escalated"] == 0  # once
        escalated = get(client, "township_xc", "/tasks", escalated="true")
        assert [t["id"] for t in escalated["items"]] == [second["id"]]
        assert escalated["items"][0]["escalated_to"] == "township"
        assert get(client, "station_hlr", "/tasks", escalated="true")["items"] == []
        post(client, "township_xc", f"/tasks/{second['id']}/complete", {"outcome": "街道已答复"})
        digest = get(client, "station_xc", "/digest")
        assert set(digest["counts"]) >= {"open", "overdue", "help_requests"}


def test_visit_hire_follow_up_and_coverage(client, fresh_app):
    token, person_id = certified_seeker(client)
    case = next(c for c in get(client, "station_xc", "/cases/mine")["items"]
                if c["person"]["id"] == person_id)
    today = case["opened_at"][:10]
    before = get(client, "township_xc", "/coverage", starts_on=today, ends_on=today)
    assert before["contacted"] == 0 and before["cases"] >= 1
    assert case["id"] in [c["id"] for c in before["uncontacted"]]
    contact = post(client, "station_xc", f"/cases/{case['id']}/contacts",
                   {"channel": "visit", "contacted_on": today, "outcome": "reached",
                    "next_step": "推荐仓储岗位", "next_step_days": 3}, expect=201)
    assert contact["task_id"]
    after = get(client, "township_xc", "/coverage", starts_on=today, ends_on=today)
    assert after["contacted"] == before["contacted"] + 1
    assert case["id"] not in [c["id"] for c in after["uncontacted"]]

    hire_through_recommendation(client, auth(token), person_id)
    with fresh_app.app_context():
        from app.tracking.models import FollowUp
        stages = sorted(f.stage for f in db.session.scalars(select(FollowUp)).all())
    assert stages == ["adaptation", "stability"]
    with days_later(32):
        counts = run_daily(fresh_app)
        assert counts["follow_ups_opened"] == 1 and counts["follow_up_reminders"] == 1
        twice = run_daily(fresh_app)
        assert twice["follow_ups_opened"] == 0 and twice["digests_written"] == 0
        tasks = get(client, "station_xc", "/tasks", kind="follow_up")["items"]
        assert len(tasks) == 1
        with fresh_app.app_context():
            assert db.session.scalar(select(PushMessage.kind).where(
                PushMessage.dedupe_key.like("track:fu:%"))) == "follow_up_reminder"
        from tests.builders.http import person_token
        fresh = person_token(client, "zhangsan")
        own = client.get(f"{BASE}/my/case", headers=auth(fresh)).get_json()
        follow_up_id = own["next_follow_up"]["id"]
        assert own["next_follow_up"]["status"] == "due"
        answered = client.post(f"{BASE}/my/follow-ups/{follow_up_id}",
                               json={"still_employed": True, "difficulties": "通勤较远"},
                               headers=auth(fresh))
        assert answered.status_code == 200, answered.get_json()
        assert get(client, "station_xc", "/tasks", kind="follow_up")["items"] == []


def test_overview_and_the_staff_scan_show_the_case_fresh(client, fresh_app):
    token, person_id = certified_seeker(client)
    first = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
    assert first["case"]["staff_name"] == "王站员"
    assert first["case"]["station"]["phone"] == "0471-6900001"
    assert first["case"]["open_requests"] == [] and first["case"]["next_follow_up"] is None
    client.post(f"{BASE}/my/help-requests", json={"topic": "咨询创业贷款"}, headers=auth(token))
    # The overview is cached by the person's data revision, which a new task bumps.
    again = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
    assert [r["title"] for r in again["case"]["open_requests"]] == ["咨询创业贷款"]
    assert again["eligible"] == first["eligible"]
    code = client.get("/api/v1/me/code", headers=auth(token)).get_json()
    scanned = resolve(client, staff_token(client, "station_xc"), code["content"]).get_json()
    assert scanned["view"] == "profile"
    assert scanned["profile"]["case"]["staff_name"] == "王站员"
    outside = resolve(client, staff_token(client, "station_hlr"), code["content"]).get_json()
    assert outside["view"] == "referral" and "profile" not in outside
