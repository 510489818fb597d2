"""After a hire: follow-ups opened by the daily job once, an ended job reopening job help,
the stability follow-up proposing the exit to the county, expiry assessments."""
import json
from datetime import timedelta

from sqlalchemy import func, select

from app.certification.models import Certification
from app.core.clock import local_today
from app.extensions import db
from app.tracking.models import FollowUp, Task
from app.wechat.models import PushMessage
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.people import older_man_id, register_self
from tests.builders.tracking import (BASE, days_later, get, hire_through_recommendation,
                                     post, run_daily)


def _follow_up(app, person_id, stage):
    with app.app_context():
        return db.session.scalar(select(FollowUp.id).where(FollowUp.person_id == person_id,
                                                           FollowUp.stage == stage))


def test_staff_hire_stability_follow_up_proposes_exit_and_county_decides(client, fresh_app):
    _, person_id = certified_seeker(client)
    today = local_today()
    bad = post(client, "station_xc", "/hires", {"person_id": person_id, "employer": "某物业公司",
               "job_title": "保洁员", "starts_on": (today + timedelta(days=3)).isoformat()},
               expect=422)
    assert bad["error"]["code"] == "tracking.hire_date"
    hire = post(client, "station_xc", "/hires", {"person_id": person_id, "employer": "某物业公司",
                "job_title": "保洁员", "starts_on": today.isoformat()}, expect=201)
    assert [f["stage"] for f in hire["follow_ups"]] == ["adaptation", "stability"]
    twice = post(client, "station_xc", "/hires", {"person_id": person_id, "employer": "某物业公司",
                 "job_title": "保洁员", "starts_on": today.isoformat()}, expect=409)
    assert twice["error"]["code"] == "tracking.already_employed"
    early = post(client, "station_xc", f"/follow-ups/{hire['follow_ups'][1]['id']}",
                 {"still_employed": True}, expect=409)
    assert early["error"]["code"] == "tracking.follow_up_not_due"
    with days_later(190):
        counts = run_daily(fresh_app)
        assert counts["follow_ups_opened"] == 2
        stability = _follow_up(fresh_app, person_id, "stability")
        post(client, "station_xc", f"/follow-ups/{stability}",
             {"still_employed": True, "difficulties": "无"})
        again = post(client, "station_xc", f"/follow-ups/{stability}",
                     {"still_employed": True}, expect=409)
        assert again["error"]["code"] == "tracking.follow_up_done"
        [proposal] = get(client, "county_xc", "/exit-proposals")["items"]
        assert proposal["reason"] == "employed" and proposal["person_id"] == person_id
        assert get(client, "station_hlr", "/exit-proposals")["items"] == []
        assert client.post(f"{BASE}/exit-proposals/{proposal['id']}/decide",
                           json={"accept": True}, headers=auth(staff_token(client, "station_xc"))
                           ).status_code == 403
        decided = post(client, "county_xc", f"/exit-proposals/{proposal['id']}/decide",
                       {"accept": True, "note": "稳定就业半年"})
        assert decided["status"] == "accepted"
        assert post(client, "county_xc", f"/exit-proposals/{proposal['id']}/decide",
                    {"accept": False}, expect=409)["error"]["code"] == "tracking.proposal_decided"
        with fresh_app.app_context():
            certification = db.session.scalar(select(Certification).where(
                Certification.person_id == person_id))
            assert (certification.status, certification.exit_reason) == ("exited", "employed")
        # The case closed with the certification.
        assert person_id not in {c["person"]["id"]
                                 for c in get(client, "station_xc", "/cases/mine")["items"]}


def test_a_follow_up_that_finds_the_job_ended_reopens_job_help(client, fresh_app):
    _, person_id = certified_seeker(client)
    hire_through_recommendation(client, auth(person_token(client)), person_id)
    with days_later(31):
        run_daily(fresh_app)
        token = person_token(client)
        adaptation = _follow_up(fresh_app, person_id, "adaptation")
        # Another person cannot answer it.
        other = person_token(client, "lisi")
        register_self(client, other, name="李四", number=older_man_id("041"))
        assert error_code(client.post(f"{BASE}/my/follow-ups/{adaptation}",
                                      json={"still_employed": True}, headers=auth(other))) \
            == "tracking.follow_up_not_found"
        answered = client.post(f"{BASE}/my/follow-ups/{adaptation}",
                               json={"still_employed": False, "difficulties": "工厂停工"},
                               headers=auth(token))
        assert answered.status_code == 200, answered.get_json()
        tasks = get(client, "station_xc", "/tasks", kind="job_help")["items"]
        assert [t["person_id"] for t in tasks] == [person_id]
        with fresh_app.app_context():
            assert db.session.scalar(select(FollowUp.status).where(
                FollowUp.person_id == person_id, FollowUp.stage == "stability")) == "void"
        assert run_daily(fresh_app)["follow_ups_opened"] == 0


def test_expiry_assessment_opens_once_and_tells_the_person(client, fresh_app):
    token, person_id = certified_seeker(client)
    today = local_today()
    benefit = client.post(f"/api/v1/people/{person_id}/benefits",
                          json={"policy": "public_welfare_post",
                                "start": (today - timedelta(days=300)).isoformat(),
                                "end": (today + timedelta(days=40)).isoformat()},
                          headers=auth(staff_token(client, "county_xc")))
    assert benefit.status_code == 201, benefit.get_json()
    end = today + timedelta(days=40)
    counts = run_daily(fresh_app)
    assert counts["assessments_opened"] == 1 and counts["expiry_notices"] == 1
    assert run_daily(fresh_app)["assessments_opened"] == 0
    [task] = get(client, "station_xc", "/tasks", kind="expiry_assessment")["items"]
    assert task["person_id"] == person_id
    post(client, "station_xc", f"/tasks/{task['id']}/complete",
         {"outcome": "已评估：转入市场就业，推荐物业岗位"})
    with fresh_app.app_context():
        # The push type, with the policy's name and its end date as WeChat shows them.
        [message] = db.session.scalars(select(PushMessage).where(
            PushMessage.dedupe_key.like("track:exp:%"))).all()
        assert message.kind == "policy_expiring"
        data = json.loads(message.payload)["data"]
        assert data["thing1"]["value"].startswith("公益性岗位安置") and \
            len(data["thing1"]["value"]) <= 20
        assert data["date2"]["value"] == f"{end.year}年{end.month}月{end.day}日"
        assert data["thing3"]["value"] == "服务站将联系您评估后续安排"
        assert db.session.scalar(select(func.count()).select_from(Task).where(
            Task.kind == "expiry_assessment")) == 1


def test_the_region_setting_decides_how_early_the_assessment_opens(client, fresh_app):
    _, person_id = certified_seeker(client)
    post(client, "county_xc", "/settings/150102", {"expiry_days": 30}, method="put")
    today = local_today()
    recorded = client.post(f"/api/v1/people/{person_id}/benefits",
                           json={"policy": "public_welfare_post",
                                 "start": (today - timedelta(days=300)).isoformat(),
                                 "end": (today + timedelta(days=40)).isoformat()},
                           headers=auth(staff_token(client, "county_xc")))
    assert recorded.status_code == 201, recorded.get_json()
    assert run_daily(fresh_app)["assessments_opened"] == 0  # 40 days out: not yet
    assert run_daily(fresh_app, today + timedelta(days=11))["assessments_opened"] == 1
    assert run_daily(fresh_app, today + timedelta(days=12))["assessments_opened"] == 0
