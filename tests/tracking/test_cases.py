"""Cases: one open case per person (a database rule), responsibility, balancing, moving with
the residence, priority marking, needs, and the lists' filters and bad input."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import StaffAccount
from app.extensions import db
from app.people.models import Person
from app.tracking.cases import open_case
from app.tracking.models import Case
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, staff_token
from tests.builders.tracking import BASE, get, post, run_daily


def _second_worker(app, username="station_xc2"):
    """Another worker at station_xc's station, created directly (accounts are not tested here)."""
    with app.app_context():
        first = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        worker = StaffAccount(username=username, display_name="新站员", role="station_staff",
                              region_code=first.region_code, station_id=first.station_id,
                              password_hash=first.password_hash, active=True, token_version=1,
                              failed_logins=0)
        db.session.add(worker)
        db.session.commit()
        return worker.id


def test_one_open_case_per_person_is_a_database_rule(client, fresh_app):
    _, person_id = certified_seeker(client)
    with fresh_app.app_context():
        person = db.session.get(Person, person_id)
        first = db.session.scalar(select(Case).where(Case.person_id == person_id))
        assert open_case(person, "certified", ["disabled"]).id == first.id  # returns, merges
        assert first.categories == ["disabled", "older"]
        db.session.add(Case(person_id=person_id, region_code=first.region_code, status="open",
                            opened_reason="certified", categories=[], needs=[]))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert run_daily(fresh_app)["cases_opened"] == 0


def _people(page):
    return {c["person"]["id"] for c in page["items"]}


def test_lists_filter_and_refuse_bad_input(client, fresh_app):
    _, me = certified_seeker(client)
    token = auth(staff_token(client, "station_xc"))
    for params in ({"per_page": 1000}, {"page": 0}, {"need": "magic"}, {"category": "x"},
                   {"priority": "maybe"}, {"due_by": "tomorrow"}, {"region_code": "abc"},
                   {"station_id": 2**40}):
        response = client.get(f"{BASE}/cases", headers=token, query_string=params)
        assert response.status_code == 422, params
    everyone = get(client, "station_xc", "/cases/mine")
    assert me in _people(everyone) and everyone["total"] == len(everyone["items"])
    assert me in _people(get(client, "station_xc", "/cases/mine", need="job"))
    assert me not in _people(get(client, "station_xc", "/cases/mine", need="startup"))
    older = get(client, "station_xc", "/cases/mine", category="older")
    assert me in _people(older) and all("older" in c["categories"] for c in older["items"])
    assert me not in _people(get(client, "station_xc", "/cases/mine", category="disabled"))
    assert get(client, "station_xc", "/cases/mine", priority="true")["total"] == 0
    assert me in _people(get(client, "county_xc", "/cases"))
    assert get(client, "station_hlr", "/cases")["total"] == 0
    paged = get(client, "station_xc", "/cases/mine", per_page=1)
    assert len(paged["items"]) == 1 and paged["total"] == everyone["total"]
    outside = client.get(f"{BASE}/cases", headers=token, query_string={"region_code": "150702"})
    assert outside.status_code == 404 and error_code(outside) == "region.not_found"
    # A person's token is no staff token; an auditor reads no cases.
    assert client.get(f"{BASE}/cases/mine").status_code == 401
    assert client.get(f"{BASE}/cases", headers=auth(staff_token(client, "auditor"))
                      ).status_code == 403


def _case_of(client, person_id):
    page = get(client, "station_xc", "/cases/mine")
    return next(c["id"] for c in page["items"] if c["person"]["id"] == person_id)


def test_priority_needs_and_bad_bodies(client, fresh_app):
    _, me = certified_seeker(client)
    case_id = _case_of(client, me)
    refused = post(client, "station_xc", f"/cases/{case_id}/priority", {"priority": True},
                   expect=422)
    assert refused["error"]["code"] == "tracking.priority_reason_required"
    marked = post(client, "station_xc", f"/cases/{case_id}/priority",
                  {"priority": True, "reason": "近期家庭变故，情绪低落"})
    assert marked["priority"] is True
    assert _people(get(client, "station_xc", "/cases/mine", priority="true")) == {me}
    unknown = post(client, "station_xc", f"/cases/{case_id}/needs", {"needs": ["flying"]},
                   expect=422, method="put")
    assert unknown["error"]["code"] == "tracking.need_unknown"
    needs = post(client, "station_xc", f"/cases/{case_id}/needs",
                 {"needs": ["training", "job"]}, method="put")
    assert needs["needs"] == ["job", "training"]
    plan = get(client, "station_xc", f"/cases/{case_id}")["plan"]
    assert [n["code"] for n in plan["needs"]] == ["job", "training"]
    assert "推荐培训机构和课程" in plan["needs"][1]["steps"]
    for body in ({"channel": "fax", "contacted_on": "2026-01-01", "outcome": "reached"},
                 {"channel": "visit", "outcome": "reached"},
                 {"channel": "visit", "contacted_on": "2999-01-01", "outcome": "reached"},
                 {"channel": "visit", "contacted_on": "2026-01-01", "outcome": "reached",
                  "next_step": "再联系"},
                 {"channel": "visit", "contacted_on": "2026-01-01", "outcome": "reached",
                  "extra": 1}):
        response = client.post(f"{BASE}/cases/{case_id}/contacts", json=body,
                               headers=auth(staff_token(client, "station_xc")))
        assert response.status_code == 422, body
    assert get(client, "station_xc", f"/cases/{case_id}")["contacts"] == []


def test_reassign_and_balance_a_station(client, fresh_app):
    _, me = certified_seeker(client, "zhangsan")
    case_id = _case_of(client, me)
    second = _second_worker(fresh_app)
    # Station staff may not reassign; the township may, to a worker of the case's station.
    assert client.post(f"{BASE}/cases/{case_id}/assign", json={"staff_id": second},
                       headers=auth(staff_token(client, "station_xc"))).status_code == 403
    with fresh_app.app_context():
        hlr = db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == "station_hlr"))
        township = db.session.scalar(select(StaffAccount.id).where(
            StaffAccount.username == "township_xc"))
    assert post(client, "township_xc", f"/cases/{case_id}/assign", {"staff_id": hlr},
                expect=404)["error"]["code"] == "staff.not_found"
    assert post(client, "township_xc", f"/cases/{case_id}/assign", {"staff_id": township},
                expect=422)["error"]["code"] == "tracking.not_station_worker"
    moved = post(client, "township_xc", f"/cases/{case_id}/assign", {"staff_id": second})
    assert moved["staff"]["id"] == second
    # The worker leaves: balancing hands their cases to those still there.
    with fresh_app.app_context():
        db.session.get(StaffAccount, second).active = False
        station_id = db.session.get(Case, case_id).station_id
        db.session.commit()
    result = post(client, "township_xc", f"/stations/{station_id}/balance")
    assert result["moved"] == 1 and result["per_staff"][0]["cases"] == result["cases"]
    assert me in _people(get(client, "station_xc", "/cases/mine"))
    assert client.post(f"{BASE}/stations/{station_id}/balance",
                       headers=auth(staff_token(client, "station_hlr"))).status_code == 403


def test_a_case_moves_with_the_residence(client, fresh_app):
    _, person_id = certified_seeker(client)
    me = person_id
    with fresh_app.app_context():
        db.session.get(Person, person_id).residence_region_code = "150702001001"
        db.session.commit()
    assert run_daily(fresh_app)["cases_moved"] == 1
    assert me not in _people(get(client, "station_xc", "/cases/mine"))
    moved = get(client, "station_hlr", "/cases/mine")["items"]
    assert [c["person"]["id"] for c in moved] == [person_id]
    assert moved[0]["staff"]["display_name"] == "巴特尔"
    assert run_daily(fresh_app)["cases_moved"] == 0
