"""Twenty identical requests at once against the real app under gunicorn (PostgreSQL with
TEST_DATABASE_URL): exactly one effect, every other answer a stable 409, never a 500."""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.core.clock import local_today
from app.extensions import db
from app.tracking.models import Hire, Task
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, person_token, staff_token
from tests.support.race import BURST, error_codes, fire, run_app_server, statuses

BASE = "/api/v1/tracking"


def count(app, model, *where):
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def one_effect(answers, ok_status, losers):
    got = statuses(answers)
    assert not [s for s in got if s >= 500], got
    assert got.get(ok_status) == 1, (got, error_codes(answers))
    assert set(error_codes(answers)) <= set(losers), error_codes(answers)
    assert sum(got.values()) == BURST


@pytest.fixture()
def seeker(client):
    return certified_seeker(client)


def test_twenty_hires_of_one_person_record_one(fresh_app, client, seeker):
    _, person_id = seeker
    token = staff_token(client, "station_xc")
    body = {"person_id": person_id, "employer": "某物业公司", "job_title": "保洁员",
            "starts_on": local_today().isoformat()}
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"{BASE}/hires", json=body, headers=auth(token))
    one_effect(answers, 201, {"tracking.already_employed"})
    assert count(fresh_app, Hire, Hire.person_id == person_id) == 1
    assert count(fresh_app, AuditEntry, AuditEntry.action == "tracking.hire_recorded") == 1


def test_twenty_answers_to_one_help_request_complete_it_once(fresh_app, client, seeker):
    token, _ = seeker
    task = client.post(f"{BASE}/my/help-requests", json={"topic": "想参加技能培训"},
                       headers=auth(token)).get_json()
    staff = staff_token(client, "station_xc")
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"{BASE}/tasks/{task['id']}/complete",
                       json={"outcome": "已答复"}, headers=auth(staff))
    one_effect(answers, 200, {"tracking.task_done", "tracking.state_changed"})
    assert count(fresh_app, Task, Task.id == task["id"], Task.status == "done") == 1
    assert count(fresh_app, AuditEntry, AuditEntry.action == "tracking.task_completed") == 1


def test_twenty_redemptions_of_one_link_code_link_once(fresh_app, client):
    from app.tracking.models import StaffDigestLink
    code = client.post(f"{BASE}/digest/link-code", headers=auth(staff_token(
        client, "station_xc"))).get_json()["code"]
    person = auth(person_token(client, "wang_station"))
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"{BASE}/my/staff-link", json={"code": code},
                       headers=person)
    one_effect(answers, 200, {"tracking.link_code_invalid"})
    assert count(fresh_app, StaffDigestLink,
                 StaffDigestLink.person_account_id.is_not(None)) == 1
    assert count(fresh_app, AuditEntry, AuditEntry.action == "tracking.digest_linked") == 1


def test_twenty_identical_moves_hand_the_case_over_once(fresh_app, client, seeker):
    from app.tracking.models import Case, CaseHandOver
    _, person_id = seeker
    token = staff_token(client, "region_admin")
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"/api/v1/people/{person_id}/residence",
                       json={"residence_region_code": "150702001001"}, headers=auth(token))
    one_effect(answers, 200, {"people.residence_unchanged"})
    assert count(fresh_app, CaseHandOver) == 1
    assert count(fresh_app, Case, Case.person_id == person_id,
                 Case.region_code == "150702001001") == 1
    assert count(fresh_app, AuditEntry, AuditEntry.action == "tracking.case_moved") == 1
