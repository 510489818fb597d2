"""Twenty identical requests at once against the real app under gunicorn (several workers
and threads; SQLite by default, PostgreSQL with TEST_DATABASE_URL): exactly one effect in
the database, every other answer a stable 409 or the replayed first answer, never a 500,
never a duplicate row or audit entry. One test per kind of guard:

- check-then-insert backed by the database (benefit periods never overlap),
- an Idempotency-Key claimed atomically (the same request replays, never acts twice),
- a guarded state change (UPDATE ... WHERE still running: ending a benefit),
- compare-and-set on a version (rotating a printed card),
- a unique constraint behind a Python check (registering one ID number at a station),
- a read-modify-write under a row lock (replacing a household: all succeed, in turn),
- a get-or-create upsert (a region's settings: all succeed on one row).
"""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.certification.models import RegionSettings
from app.codes.models import PersonalCode, RetiredPrintedToken
from app.core.clock import local_today
from app.extensions import db
from app.people.models import Household, HouseholdMember, Person
from app.policies.models import Benefit
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.people import NOTICE, RESIDENCE, older_man_id, register_self
from tests.support.race import BURST, error_codes, fire, run_app_server, statuses

POLICY = "social_insurance_subsidy_flexible"


@pytest.fixture()
def server(fresh_app):
    with run_app_server(fresh_app) as base_url:
        yield base_url


def count(app, model, *where):
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def audits(app, action):
    return count(app, AuditEntry, AuditEntry.action == action)


def person_named(app, name):
    with app.app_context():
        try:
            return next(p.id for p in db.session.scalars(select(Person)) if p.name == name)
        finally:
            db.session.remove()


def assert_one_effect(answers, ok_status, losers):
    """Exactly one `ok_status`, every other answer one of the `losers` codes; no 5xx."""
    got = statuses(answers)
    assert not [s for s in got if s >= 500], got
    assert got.get(ok_status) == 1, (got, error_codes(answers))
    assert set(error_codes(answers)) <= set(losers), error_codes(answers)
    assert sum(got.values()) == BURST


def test_one_benefit_from_twenty_identical_records(fresh_app, client, server):
    person_id = person_named(fresh_app, "张丽")
    token = staff_token(client, "county_xc")
    body = {"policy": POLICY, "start": local_today().isoformat()}
    answers = fire(server, "POST", f"/api/v1/people/{person_id}/benefits", json=body,
                   headers=auth(token))
    assert_one_effect(answers, 201, {"policies.benefit_overlap"})
    assert count(fresh_app, Benefit, Benefit.person_id == person_id) == 1
    assert audits(fresh_app, "policy.benefit_recorded") == 1


def test_an_overlapping_period_is_refused_by_the_database_itself(fresh_app, client):
    """Past the Python check (a hand-written INSERT), the database still refuses it."""
    person_id = person_named(fresh_app, "张丽")
    token = staff_token(client, "county_xc")
    first = client.post(f"/api/v1/people/{person_id}/benefits", headers=auth(token),
                        json={"policy": POLICY, "start": local_today().isoformat()})
    assert first.status_code == 201
    from sqlalchemy.exc import IntegrityError

    from app.core.conflicts import conflict_for
    with fresh_app.app_context():
        row = db.session.get(Benefit, first.get_json()["id"])
        copy = Benefit(**{c.name: getattr(row, c.name) for c in Benefit.__table__.columns
                          if c.name != "id"})
        db.session.add(copy)
        with pytest.raises(IntegrityError) as caught:
            db.session.flush()
        db.session.rollback()
        assert conflict_for(caught.value).code == "policies.benefit_overlap"
        db.session.remove()


def test_one_shared_idempotency_key_acts_once_and_replays(fresh_app, client, server):
    person_id = person_named(fresh_app, "张丽")
    token = staff_token(client, "county_xc")
    body = {"policy": POLICY, "start": local_today().isoformat()}
    headers = {**auth(token), "Idempotency-Key": "race-benefit-0001"}
    answers = fire(server, "POST", f"/api/v1/people/{person_id}/benefits", json=body,
                   headers=headers)
    got = statuses(answers)
    assert set(got) <= {201, 409}, (got, error_codes(answers))
    assert set(error_codes(answers)) <= {"idempotency.in_progress"}, error_codes(answers)
    made = [a for a in answers if a[0] == 201 and "Idempotent-Replayed" not in a[2]]
    assert len(made) == 1
    ids = {b["id"] for s, b, _ in answers if s == 201}
    assert ids == {made[0][1]["id"]}  # every replay is the first answer
    assert count(fresh_app, Benefit, Benefit.person_id == person_id) == 1
    assert audits(fresh_app, "policy.benefit_recorded") == 1
    # Afterwards the key replays the stored answer; nothing runs again.
    again = fire(server, "POST", f"/api/v1/people/{person_id}/benefits", count=2, json=body,
                 headers=headers)
    assert [(s, h.get("Idempotent-Replayed"), b["id"]) for s, b, h in again] == \
        [(201, "true", made[0][1]["id"])] * 2


def test_one_end_from_twenty_identical_ends(fresh_app, client, server):
    person_id = person_named(fresh_app, "张丽")
    token = staff_token(client, "county_xc")
    today = local_today()
    made = client.post(f"/api/v1/people/{person_id}/benefits", headers=auth(token),
                       json={"policy": POLICY, "start": today.isoformat()})
    assert made.status_code == 201, made.get_json()
    benefit_id = made.get_json()["id"]
    answers = fire(server, "POST", f"/api/v1/benefits/{benefit_id}/end",
                   json={"end": today.isoformat(), "reason": "employed"}, headers=auth(token))
    assert_one_effect(answers, 200, {"policies.benefit_ended"})
    assert audits(fresh_app, "policy.benefit_ended") == 1


def test_one_rotation_from_twenty_identical_rotations(fresh_app, client, wechat):
    _, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"/api/v1/people/{person_id}/code/rotate",
                       json={"version": 1}, headers=auth(staff))
    assert_one_effect(answers, 200, {"code.state_changed"})
    assert [b["printed_version"] for s, b, _ in answers if s == 200] == [2]
    assert count(fresh_app, PersonalCode, PersonalCode.person_id == person_id,
                 PersonalCode.printed_version == 2) == 1
    assert count(fresh_app, RetiredPrintedToken) == 1
    assert audits(fresh_app, "code.rotated") == 1
    # Without a version the check is against the version read by the request itself.
    later = client.post(f"/api/v1/people/{person_id}/code/rotate", headers=auth(staff))
    assert later.status_code == 200 and later.get_json()["printed_version"] == 3
    stale = client.post(f"/api/v1/people/{person_id}/code/rotate", json={"version": 2},
                        headers=auth(staff))
    assert stale.status_code == 409 and error_code(stale) == "code.state_changed"


def test_one_person_from_twenty_identical_registrations(fresh_app, client, server):
    token = staff_token(client, "station_xc")
    body = {"name": "赵六", "id_number": older_man_id("077"), "residence_region_code": RESIDENCE,
            "consent": {"notice_version": NOTICE, "channel": "station_paper"}}
    people, created = count(fresh_app, Person), audits(fresh_app, "person.created")
    answers = fire(server, "POST", "/api/v1/people", json=body, headers=auth(token))
    assert_one_effect(answers, 201, {"people.duplicate_id_number"})
    assert count(fresh_app, Person) == people + 1
    assert audits(fresh_app, "person.created") == created + 1


def test_twenty_household_replacements_leave_one_household(fresh_app, client, wechat):
    """A read-modify-write under the person's row lock: every PUT succeeds, in turn."""
    token = person_token(client, "zhangsan")
    register_self(client, token)
    spouse = {"name": "李梅", "relation": "spouse", "birth_date": "1972-03-01", "gender": "female",
              "employment_status": "unemployed", "registered_unemployed": True,
              "able_to_work": True, "willing_to_work": True}
    households, members = count(fresh_app, Household), count(fresh_app, HouseholdMember)
    with run_app_server(fresh_app) as server:
        answers = fire(server, "PUT", "/api/v1/people/me/household", headers=auth(token),
                       json={"registered_size": 2, "business_income": False, "members": [spouse]})
    assert statuses(answers) == {200: BURST}, error_codes(answers)
    assert count(fresh_app, Household) == households + 1
    assert count(fresh_app, HouseholdMember) == members + 2  # self and spouse, once


def test_twenty_settings_puts_leave_one_row(fresh_app, client, server):
    """A get-or-create under ON CONFLICT DO NOTHING: every PUT succeeds on the one row."""
    answers = fire(server, "PUT", "/api/v1/certification/settings/150102",
                   headers=auth(staff_token(client, "county_xc")), json={"station_days": 5})
    assert statuses(answers) == {200: BURST}, error_codes(answers)
    assert count(fresh_app, RegionSettings, RegionSettings.region_code == "150102") == 1
