"""The staff scan reads the code, the person, the live certification, the scope and what
the profile shows in one statement (app.codes.scan): the person it builds must give
build_facts exactly what the ORM person gives, household, benefits and all."""
from datetime import timedelta

from sqlalchemy import event

from app.audit.services import verify_audit_chain
from app.codes.scan import ScannedPerson, scan_row
from app.core.clock import local_today
from app.extensions import db
from app.people.facts import build_facts
from app.people.models import Person
from tests.builders.codes import certified_seeker, resolve
from tests.builders.http import auth, staff_token
from tests.builders.people import NOTICE


def _with_household_and_benefit(client, token, person_id):
    spouse = {"name": "李梅", "relation": "spouse", "birth_date": "1972-03-01",
              "gender": "female", "employment_status": "unemployed",
              "registered_unemployed": True, "able_to_work": True, "willing_to_work": True}
    child = {"name": "张小", "relation": "child", "birth_date": "2016-05-01", "gender": "male",
             "employment_status": "student", "registered_unemployed": False,
             "able_to_work": False, "willing_to_work": False,
             "guardian": {"name": "张三", "relation": "parent", "notice_version": NOTICE}}
    saved = client.put("/api/v1/people/me/household", headers=auth(token), json={
        "registered_size": 3, "business_income": False, "members": [spouse, child]})
    assert saved.status_code == 200, saved.get_json()
    started = (local_today() - timedelta(days=40)).isoformat()
    benefit = client.post(f"/api/v1/people/{person_id}/benefits",
                          headers=auth(staff_token(client, "county_xc")),
                          json={"policy": "public_welfare_post", "start": started})
    assert benefit.status_code in (200, 201), benefit.get_json()


def test_the_scan_row_gives_build_facts_what_the_orm_person_gives(client, fresh_app):
    token, person_id = certified_seeker(client)
    _with_household_and_benefit(client, token, person_id)
    today = local_today()
    with fresh_app.app_context():
        scanned = ScannedPerson(scan_row("person", person_id, None, today))
        facts = build_facts(scanned, today)
        assert facts == build_facts(db.session.get(Person, person_id), today)
        assert facts["household_size"] == 3 and facts["zero_employment_household"] is True
        assert [b["policy"] for b in facts["benefits"]] == ["public_welfare_post"]
        assert facts["certified"] and facts["categories"] == ["older"]


def test_an_in_scope_scan_is_a_few_statements_and_chained(client, fresh_app):
    token, person_id = certified_seeker(client)
    card = client.get("/api/v1/me/code", headers=auth(token)).get_json()["content"]
    station = staff_token(client, "station_xc")
    resolve(client, station, card)  # the rate limiter's counters exist from here on
    with fresh_app.app_context():
        engine = db.engine
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", note)
    try:
        answer = resolve(client, station, card)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert answer.status_code == 200 and answer.get_json()["view"] == "profile"
    profile = answer.get_json()["profile"]
    assert profile["person_id"] == person_id and profile["recommendations"]
    # The session, the scan row (with the open case the person has since certified), the
    # audit head's claim and the entry (two on SQLite, where the head's new hash is a
    # statement of its own); besides, the limiter's counters (in the database without Redis).
    ours = [s for s in seen if "rate_limit_counters" not in s]
    assert len(ours) <= 5, ours
    assert profile["case"] is not None
    with fresh_app.app_context():
        assert verify_audit_chain() == []


def test_the_scan_row_gives_the_open_case_as_the_case_view_does(client, fresh_app):
    from app.tracking.mine import case_view_of
    from app.tracking.schemas import MyCaseSchema
    from tests.builders.tracking import hire_through_recommendation
    token, person_id = certified_seeker(client)
    asked = client.post("/api/v1/tracking/my/help-requests", json={"topic": "想找离家近的工作"},
                        headers={**auth(token), "Idempotency-Key": "scan-case-1"})
    assert asked.status_code == 201, asked.get_json()
    hire_through_recommendation(client, auth(token), person_id)
    with fresh_app.test_request_context():
        case = ScannedPerson(scan_row("person", person_id, None, local_today())).case
        expected = MyCaseSchema().dump(case_view_of(person_id))
        assert MyCaseSchema().dump(case) == expected
        assert expected["open_requests"] and expected["next_follow_up"] and expected["needs"]
