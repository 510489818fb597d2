"""A case moves with the person's residence when it changes (the people area announces the
move; tracking hands the case to the new station's worker at once), keeping its history;
the move is scoped like a registration and every bad input has its code."""
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.audit.models import AuditEntry
from app.extensions import db
from app.tracking.models import Case, CaseHandOver, FollowUp, Task
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import register_self
from tests.builders.tracking import (BASE, days_later, get, hire_through_recommendation, post,
                                     run_daily)

HLR = "150702001001"  # 团结社区, served by station_hlr's doorstep station


def _move(client, staff, person_id, body, expect=200):
    response = client.post(f"/api/v1/people/{person_id}/residence", json=body,
                           headers=auth(staff_token(client, staff)))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _staff_id(app, username):
    with app.app_context():
        return db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))


def _case(app, person_id):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.person_id == person_id))
        db.session.expunge(case)
        return case


def test_a_recorded_move_hands_the_case_to_the_new_station_at_once(client, fresh_app):
    token, person_id = certified_seeker(client)
    asked = client.post(f"{BASE}/my/help-requests", json={"topic": "想找工作"},
                        headers=auth(token))
    assert asked.status_code == 201
    hire_through_recommendation(client, auth(token), person_id)
    before = _case(fresh_app, person_id)
    xc, hlr = _staff_id(fresh_app, "station_xc"), _staff_id(fresh_app, "station_hlr")
    assert before.staff_id == xc

    moved = _move(client, "region_admin", person_id,
                  {"residence_region_code": HLR, "residence_since": "2026-01-01"})
    assert moved["residence_region_code"] == HLR

    # No daily run in between: the new station's worker has the case, its open tasks and
    # the follow-ups still to come; station_xc no longer sees it.
    after = _case(fresh_app, person_id)
    assert (after.id, after.region_code, after.staff_id) == (before.id, HLR, hlr)
    assert after.station_id != before.station_id
    mine = get(client, "station_hlr", "/cases/mine")["items"]
    assert [c["person"]["id"] for c in mine] == [person_id]
    assert person_id not in {c["person"]["id"] for c in get(client, "station_xc",
                                                           "/cases/mine")["items"]}
    assert [t["kind"] for t in get(client, "station_hlr", "/tasks")["items"]] == ["help_request"]
    assert get(client, "station_xc", "/tasks")["total"] == 0
    assert client.get(f"{BASE}/cases/{after.id}", headers=auth(staff_token(
        client, "station_xc"))).status_code == 404
    with fresh_app.app_context():
        regions = set(db.session.scalars(select(FollowUp.region_code).where(
            FollowUp.person_id == person_id)))
        assert regions == {HLR}
        assert db.session.scalar(select(AuditEntry.details).where(
            AuditEntry.action == "tracking.case_moved"))["why"] == "residence_changed"

    # The history stays with the case, for the new station to read.
    detail = get(client, "station_hlr", f"/cases/{after.id}")
    [handover] = detail["history"]
    assert handover["why"] == "residence_changed"
    assert (handover["from_region_code"], handover["to_region_code"]) == ("150102001001", HLR)
    assert (handover["from_staff_id"], handover["to_staff_id"]) == (xc, hlr)

    # The adaptation follow-up, due a month later, is the new station's to record.
    with days_later(32):
        assert run_daily(fresh_app)["follow_ups_opened"] == 1
        assert run_daily(fresh_app)["cases_moved"] == 0  # nothing left for the safety net
        assert len(get(client, "station_hlr", "/tasks", kind="follow_up")["items"]) == 1
        with fresh_app.app_context():
            follow_up_id = db.session.scalar(select(FollowUp.id).where(
                FollowUp.person_id == person_id, FollowUp.status == "due"))
        answered = post(client, "station_hlr", f"/follow-ups/{follow_up_id}",
                        {"still_employed": True, "difficulties": None})
        assert answered["status"] == "done"


def test_the_person_moving_in_the_mini_program_moves_the_case_too(client, fresh_app):
    token, person_id = certified_seeker(client)
    register_self(client, token, residence=HLR)
    assert _case(fresh_app, person_id).staff_id == _staff_id(fresh_app, "station_hlr")
    # Saving the profile again without a move hands nothing over.
    register_self(client, token, residence=HLR)
    with fresh_app.app_context():
        assert len(db.session.scalars(select(CaseHandOver)).all()) == 1


def test_reassignment_and_balancing_are_kept_in_the_history(client, fresh_app):
    _, person_id = certified_seeker(client)
    case = _case(fresh_app, person_id)
    with fresh_app.app_context():
        first = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        second = StaffAccount(username="station_xc2", display_name="新站员", role="station_staff",
                              region_code=first.region_code, station_id=first.station_id,
                              password_hash=first.password_hash, active=True, token_version=1,
                              failed_logins=0)
        db.session.add(second)
        db.session.commit()
        second_id, first_id = second.id, first.id
    post(client, "township_xc", f"/cases/{case.id}/assign", {"staff_id": second_id})
    history = get(client, "township_xc", f"/cases/{case.id}")["history"]
    assert [(h["why"], h["from_staff_id"], h["to_staff_id"]) for h in history] == [
        ("assigned", first_id, second_id)]


def test_a_move_is_scoped_like_a_registration(client, fresh_app):
    _, person_id = certified_seeker(client)
    before = _case(fresh_app, person_id)
    # The county cannot send a person into another county's subtree (its answer is that of a
    # region that does not exist), nor touch a person of another region.
    refused = client.post(f"/api/v1/people/{person_id}/residence",
                          json={"residence_region_code": HLR},
                          headers=auth(staff_token(client, "county_xc")))
    assert refused.status_code == 404 and error_code(refused) == "region.not_found"
    other = client.post(f"/api/v1/people/{person_id}/residence",
                        json={"residence_region_code": HLR},
                        headers=auth(staff_token(client, "station_hlr")))
    assert other.status_code == 404 and error_code(other) == "people.not_found"
    # A person token or an auditor cannot record moves.
    assert client.post(f"/api/v1/people/{person_id}/residence",
                       json={"residence_region_code": HLR}).status_code == 401
    assert client.post(f"/api/v1/people/{person_id}/residence",
                       json={"residence_region_code": HLR},
                       headers=auth(staff_token(client, "auditor"))).status_code == 403
    after = _case(fresh_app, person_id)
    assert (after.region_code, after.staff_id) == (before.region_code, before.staff_id)


def test_bad_moves_get_their_codes(client, fresh_app):
    _, person_id = certified_seeker(client)
    cases = [({"residence_region_code": "abc"}, 422, "request.invalid"),
             ({}, 422, "request.invalid"),
             ({"residence_region_code": HLR, "extra": 1}, 422, "request.invalid"),
             ({"residence_region_code": "110101"}, 422, "people.residence_outside_inner_mongolia"),
             ({"residence_region_code": "150799999999"}, 422, "people.residence_unknown"),
             ({"residence_region_code": "150102001001"}, 409, "people.residence_unchanged"),
             ({"residence_region_code": HLR, "residence_since": "2999-01-01"}, 422,
              "people.residence_since_future")]
    for body, status, code in cases:
        response = client.post(f"/api/v1/people/{person_id}/residence", json=body,
                               headers=auth(staff_token(client, "region_admin")))
        assert response.status_code == status, (body, response.get_json())
        assert error_code(response) == code, (body, response.get_json())
        assert response.get_json()["error"]["message"], body
    with fresh_app.app_context():
        assert db.session.scalars(select(CaseHandOver)).all() == []
        assert db.session.scalar(select(Task.region_code).limit(1)) in (None, "150102001001")


def test_a_worker_deactivated_hands_their_cases_over_at_once(client, fresh_app):
    token, person_id = certified_seeker(client)
    client.post(f"{BASE}/my/help-requests", json={"topic": "想找工作"}, headers=auth(token))
    case = _case(fresh_app, person_id)
    with fresh_app.app_context():
        first = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        second = StaffAccount(username="station_xc2", display_name="新站员", role="station_staff",
                              region_code=first.region_code, station_id=first.station_id,
                              password_hash=first.password_hash, active=True, token_version=1,
                              failed_logins=0)
        db.session.add(second)
        db.session.commit()
        first_id, second_id = first.id, second.id
    deactivated = client.patch(f"/api/v1/staff/{first_id}", json={"active": False},
                               headers=auth(staff_token(client, "security_admin")))
    assert deactivated.status_code == 200, deactivated.get_json()
    # No daily run: the worker still there has the case and its open request.
    after = _case(fresh_app, person_id)
    assert after.staff_id == second_id
    with fresh_app.app_context():
        assert set(db.session.scalars(select(Task.staff_id).where(
            Task.case_id == case.id, Task.status == "open"))) == {second_id}
    history = get(client, "township_xc", f"/cases/{case.id}")["history"]
    assert [(h["why"], h["from_staff_id"], h["to_staff_id"]) for h in history] == [
        ("worker_left", first_id, second_id)]
    assert run_daily(fresh_app)["cases_reassigned"] == 0
