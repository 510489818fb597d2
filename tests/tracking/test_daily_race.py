"""Two daily jobs at once (a cron overlap, two hosts): the database keeps each thing once."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.core.clock import local_today
from app.extensions import db
from app.tracking.models import FollowUp, StaffDigest, Task
from app.wechat.models import PushMessage
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, staff_token
from tests.builders.tracking import days_later, hire_through_recommendation


def _run_in_thread(app, results, errors):
    from app.tracking.daily import run_daily
    try:
        with app.app_context():
            results.append(run_daily())
            db.session.commit()
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        with app.app_context():
            db.session.remove()


def test_two_daily_jobs_at_once_open_each_thing_once(client, fresh_app):
    token, person_id = certified_seeker(client)
    hire_through_recommendation(client, auth(token), person_id)
    today = local_today()
    client.post(f"/api/v1/people/{person_id}/benefits",
                json={"policy": "public_welfare_post",
                      "start": (today - timedelta(days=300)).isoformat(),
                      "end": (today + timedelta(days=70)).isoformat()},
                headers=auth(staff_token(client, "county_xc")))
    with days_later(32):
        results, errors = [], []
        threads = [threading.Thread(target=_run_in_thread, args=(fresh_app, results, errors))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        # The second run waits for the first (one run at a time), then opens nothing.
        assert len(results) == 2 and not errors, errors
        with fresh_app.app_context():
            def count(model, *where):
                return db.session.scalar(select(func.count()).select_from(model).where(*where))
            assert count(FollowUp, FollowUp.status == "due") == 1
            assert count(Task, Task.kind == "follow_up") == 1
            assert count(Task, Task.kind == "expiry_assessment") == 1
            assert count(PushMessage, PushMessage.dedupe_key.like("track:%")) == 2
            staff_ids = db.session.scalars(select(StaffDigest.staff_id)).all()
            assert len(staff_ids) == len(set(staff_ids)) >= 1
        assert sum(r["follow_ups_opened"] for r in results) == 1
        assert sum(r["assessments_opened"] for r in results) == 1
