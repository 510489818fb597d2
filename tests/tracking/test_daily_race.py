"""Daily jobs at once (a cron overlap, several hosts, twenty in the test): the database keeps
each thing once: follow-ups, assessments, the persons' notices and the staff digests."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.core.clock import local_today
from app.extensions import db
from app.tracking.models import FollowUp, StaffDigest, Task
from app.wechat.models import PushMessage
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, person_token, staff_token
from tests.support.race import BURST
from tests.builders.tracking import days_later, hire_through_recommendation


def _run_in_thread(app, results, errors, barrier):
    from app.tracking.daily import run_daily
    try:
        with app.app_context():
            barrier.wait(30)  # released together
            results.append(run_daily())
            db.session.commit()
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        with app.app_context():
            db.session.remove()


def test_twenty_daily_jobs_at_once_open_and_tell_each_thing_once(client, fresh_app):
    token, person_id = certified_seeker(client)
    hire_through_recommendation(client, auth(token), person_id)
    code = client.post("/api/v1/tracking/digest/link-code", headers=auth(staff_token(
        client, "station_xc"))).get_json()["code"]
    assert client.post("/api/v1/tracking/my/staff-link", json={"code": code}, headers=auth(
        person_token(client, "wang_station"))).status_code == 200
    today = local_today()
    client.post(f"/api/v1/people/{person_id}/benefits",
                json={"policy": "public_welfare_post",
                      "start": (today - timedelta(days=300)).isoformat(),
                      "end": (today + timedelta(days=70)).isoformat()},
                headers=auth(staff_token(client, "county_xc")))
    with days_later(32):
        results, errors, barrier = [], [], threading.Barrier(BURST)
        threads = [threading.Thread(target=_run_in_thread,
                                    args=(fresh_app, results, errors, barrier))
                   for _ in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        # Each run waits for the one before (one run at a time), then opens nothing.
        assert len(results) == BURST and not errors, errors
        with fresh_app.app_context():
            def count(model, *where):
                return db.session.scalar(select(func.count()).select_from(model).where(*where))
            assert count(FollowUp, FollowUp.status == "due") == 1
            assert count(Task, Task.kind == "follow_up") == 1
            assert count(Task, Task.kind == "expiry_assessment") == 1
            assert count(PushMessage, PushMessage.dedupe_key.like("track:%")) == 3
            assert count(PushMessage, PushMessage.kind == "policy_expiring") == 1
            assert count(PushMessage, PushMessage.kind == "follow_up_reminder") == 1
            assert count(PushMessage, PushMessage.kind == "staff_daily_digest") == 1
            staff_ids = db.session.scalars(select(StaffDigest.staff_id)).all()
            assert len(staff_ids) == len(set(staff_ids)) >= 1
        assert sum(r["follow_ups_opened"] for r in results) == 1
        assert sum(r["assessments_opened"] for r in results) == 1
        assert sum(r["expiry_notices"] for r in results) == 1
        assert sum(r["digests_pushed"] for r in results) == 1
