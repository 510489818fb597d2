"""Concurrent decisions on PostgreSQL (the reference database): exactly one wins."""
import threading

import pytest

from app.certification.models import ApplicationEvent, Certification
from app.extensions import db
from tests.builders.applications import COMMITMENT, applicant, apply_self, step
from tests.builders.http import auth, staff_token
from tests.support.database import is_sqlite

THREADS = 10


@pytest.fixture()
def postgres_only(fresh_app):
    if is_sqlite(fresh_app):
        pytest.skip("row-level locking is tested on PostgreSQL (TEST_DATABASE_URL)")


def race(app, path, bodies, token):
    """POST each body from its own thread and client, all released at the same moment."""
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def worker(index, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers=auth(token))
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=worker, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_county_decisions_one_wins(postgres_only, client, fresh_app):
    app_id = apply_self(client, applicant(client))["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    token = staff_token(client, "county_xc")
    bodies = [{"outcome": "certify"} if i % 2 else
              {"outcome": "reject", "reason": "conditions_not_met", "note": "并发"}
              for i in range(THREADS)]
    results = race(fresh_app, f"/api/v1/certification/applications/{app_id}/county-decision",
                   bodies, token)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (THREADS - 1), results
    codes = {body["error"]["code"] for status, body in results if status == 409}
    assert codes <= {"certification.state_changed", "certification.invalid_transition"}
    with fresh_app.app_context():
        decisions = db.session.scalar(db.select(db.func.count()).select_from(ApplicationEvent)
                                      .where(ApplicationEvent.application_id == app_id,
                                             ApplicationEvent.action.in_(
                                                 ["county_certify", "county_reject"])))
        certifications = db.session.scalar(db.select(db.func.count()).select_from(Certification)
                                           .where(Certification.application_id == app_id))
    winner = next(body for status, body in results if status == 200)
    assert decisions == 1
    assert certifications == (1 if winner["status"] == "certified" else 0)


def test_concurrent_station_submissions_leave_one_open_application(postgres_only, client,
                                                                     fresh_app):
    token = applicant(client)
    results = race(fresh_app, "/api/v1/certification/my/applications",
                   [{"commitment": COMMITMENT}] * THREADS, token)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    assert {body["error"]["code"] for status, body in results if status == 409} == \
        {"certification.duplicate_open"}


INJECT = [
    "CREATE SEQUENCE inject_40001",
    """CREATE FUNCTION inject_40001() RETURNS trigger AS $$
       BEGIN
         IF nextval('inject_40001') = 1 THEN  -- sequences ignore rollback: fires once
           RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER inject_40001 BEFORE UPDATE ON cert_applications
       FOR EACH ROW EXECUTE FUNCTION inject_40001()""",
]
REMOVE = ["DROP TRIGGER IF EXISTS inject_40001 ON cert_applications",
          "DROP FUNCTION IF EXISTS inject_40001()", "DROP SEQUENCE IF EXISTS inject_40001"]


def _run(app, statements):
    with app.app_context(), db.engine.begin() as conn:
        for statement in statements:
            conn.execute(db.text(statement))


def test_a_serialization_failure_is_retried_and_the_effect_happens_once(postgres_only, client,
                                                                         fresh_app, caplog):
    app_id = apply_self(client, applicant(client))["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    _run(fresh_app, INJECT)
    try:
        decided = step(client, "county_xc", app_id, "county-decision", {"outcome": "certify"})
    finally:
        _run(fresh_app, REMOVE)
    assert decided["status"] == "certified"
    assert any("retried after sqlstate 40001" in r.getMessage() for r in caplog.records)
    with fresh_app.app_context():
        from app.audit.models import AuditEntry
        events = db.session.scalars(db.select(ApplicationEvent.action).where(
            ApplicationEvent.application_id == app_id)).all()
        audits = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "certification.county_certify",
            AuditEntry.target_id == str(app_id)))
        certifications = db.session.scalar(db.select(db.func.count()).select_from(Certification)
                                           .where(Certification.application_id == app_id))
    assert events.count("county_certify") == 1 and audits == 1 and certifications == 1


def test_only_serialization_failures_and_deadlocks_are_retryable():
    from types import SimpleNamespace
    from app.core.concurrency import is_retryable
    assert is_retryable(SimpleNamespace(orig=SimpleNamespace(sqlstate="40001")))
    assert is_retryable(SimpleNamespace(orig=SimpleNamespace(sqlstate="40P01")))
    assert not is_retryable(SimpleNamespace(orig=SimpleNamespace(sqlstate="23505")))
    assert not is_retryable(ValueError("no database error"))
