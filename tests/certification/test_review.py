"""Bad input and the less travelled paths of the review: each a clear 4xx, nothing half-saved."""
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.core.clock import local_today
from app.audit.models import AuditEntry
from app.certification.models import Application, ApplicationEvent
from app.extensions import db
from tests.builders.applications import COMMITMENT, applicant, apply_self, step
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.people import (NOTICE, OLDER_FACTS, create_person, id_number, register_self,
                                   verify_at_station)

BASE = "/api/v1/certification"


def counts(app, application_id):
    with app.app_context():
        events = db.session.scalar(db.select(db.func.count()).select_from(ApplicationEvent)
                                   .where(ApplicationEvent.application_id == application_id))
        audits = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.target_type == "application",
            AuditEntry.target_id == str(application_id)))
        status = db.session.get(Application, application_id).status
    return events, audits, status


def station_entry(client, staff="station_xc", **person):
    token = staff_token(client, staff)
    created = create_person(client, token, **person)
    response = client.post(f"{BASE}/applications", headers=auth(token),
                           json={"person_id": created["id"], "commitment": COMMITMENT})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_forbidden_transitions_change_nothing(client, fresh_app):
    app_id = apply_self(client, applicant(client))["id"]
    before = counts(fresh_app, app_id)
    refused = step(client, "county_xc", app_id, "county-decision", {"outcome": "certify"},
                   expect=409)
    assert refused["error"]["code"] == "certification.invalid_transition"
    refused = step(client, "township_xc", app_id, "township-review", {"outcome": "pass"},
                   expect=409)
    assert refused["error"]["code"] == "certification.invalid_transition"
    wrong_level = step(client, "township_xc", app_id, "station-check", {"outcome": "pass"},
                       expect=403)
    assert wrong_level["error"]["code"] == "certification.not_your_step"
    assert counts(fresh_app, app_id) == before


def test_whoever_entered_an_application_cannot_approve_it(client, fresh_app):
    entered = station_entry(client)
    assert entered["channel"] == "station" and entered["commitment"]["channel"] == "paper"
    assert entered["station"]["name"].endswith("家门口就业服务站")
    checklist = client.get(f"{BASE}/applications/{entered['id']}/assessment",
                           headers=auth(staff_token(client, "township_xc"))).get_json()
    assert checklist["application_evidence"] == [
        {"kind": "commitment_paper", "label": "签字的承诺书（纸质）", "provided": False}]
    before = counts(fresh_app, entered["id"])
    for path, body in (("accept", {}), ("station-check", {"outcome": "pass"})):
        refused = step(client, "station_xc", entered["id"], path, body, expect=403)
        assert refused["error"]["code"] == "certification.maker_checker"
    assert counts(fresh_app, entered["id"]) == before


def test_a_reviewer_outside_the_region_gets_404(client):
    app_id = apply_self(client, applicant(client))["id"]
    for staff, path, body in (("station_hlr", "station-check", {"outcome": "pass"}),
                              ("station_hlr", "accept", {})):
        response = step(client, staff, app_id, path, body, expect=404)
        assert response["error"]["code"] == "certification.not_found"
    hidden = client.get(f"{BASE}/applications/{app_id}",
                        headers=auth(staff_token(client, "station_hlr")))
    assert hidden.status_code == 404
    listed = client.get(f"{BASE}/applications", headers=auth(staff_token(client, "station_hlr")))
    assert app_id not in [a["id"] for a in listed.get_json()["items"]]
    other_region = client.get(f"{BASE}/applications", query_string={"region_code": "150102"},
                              headers=auth(staff_token(client, "station_hlr")))
    assert other_region.status_code == 404
    # Another job seeker cannot see it either.
    stranger = client.get(f"{BASE}/my/applications/{app_id}",
                          headers=auth(person_token(client, "stranger")))
    assert stranger.status_code == 404


def test_one_open_application_per_person_is_enforced_by_the_database(client, fresh_app):
    app_id = apply_self(client, applicant(client))["id"]
    with fresh_app.app_context():
        original = db.session.get(Application, app_id)
        copy = Application(**{c.name: getattr(original, c.name)
                              for c in Application.__table__.columns if c.name != "id"})
        db.session.add(copy)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # A closed application does not block a new one.
        copy = Application(**{c.name: getattr(original, c.name)
                              for c in Application.__table__.columns if c.name != "id"})
        copy.status = "rejected"
        db.session.add(copy)
        db.session.flush()
        db.session.rollback()


def test_return_resubmit_and_reject_with_reason(client):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    no_note = step(client, "township_xc", app_id, "township-review", {"outcome": "return"},
                   expect=422)
    assert no_note["error"]["code"] == "certification.note_required"
    returned = step(client, "township_xc", app_id, "township-review",
                    {"outcome": "return", "note": "请补充社保缴费记录"})
    assert returned["status"] == "returned" and returned["last_note"] == "请补充社保缴费记录"
    assert returned["current_step"]["level"] == "applicant"
    again = client.post(f"{BASE}/my/applications/{app_id}/resubmit", json={"note": "已补充"},
                        headers=auth(token))
    assert again.status_code == 200 and again.get_json()["status"] == "submitted"
    assert again.get_json()["resubmissions"] == 1
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    unknown = step(client, "county_xc", app_id, "county-decision",
                   {"outcome": "reject", "reason": "dislike", "note": "x"}, expect=422)
    assert unknown["error"]["code"] == "certification.reason_unknown"
    rejected = step(client, "county_xc", app_id, "county-decision",
                    {"outcome": "reject", "reason": "conditions_not_met", "note": "社保不足一年"})
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "conditions_not_met"
    # A closed application leaves room for a new one.
    assert apply_self(client, token)["status"] == "submitted"


def test_county_cannot_certify_a_category_the_facts_do_not_support(client):
    app_id = apply_self(client, applicant(client))["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    refused = step(client, "county_xc", app_id, "county-decision",
                   {"outcome": "certify", "categories": ["graduate"]}, expect=422)
    assert refused["error"]["code"] == "certification.category_not_supported"


def test_submission_refusals(client):
    token = person_token(client, "zhangsan")
    missing = client.post(f"{BASE}/my/applications", json={"commitment": COMMITMENT},
                          headers=auth(token))
    assert missing.status_code == 404 and error_code(missing) == "people.profile_missing"
    register_self(client, token, facts={**OLDER_FACTS, "registered_unemployed": False})
    nothing = apply_self(client, token, expect=422)
    assert nothing["error"]["code"] == "certification.no_category"
    token2 = applicant(client, "lisi", number=id_number("150102", date(1966, 1, 1), "011"),
                       name="李四")
    unsigned = client.post(f"{BASE}/my/applications", headers=auth(token2),
                           json={"commitment": {"accepted": False, "version": NOTICE}})
    assert error_code(unsigned) == "certification.commitment_required"
    old = client.post(f"{BASE}/my/applications", headers=auth(token2),
                      json={"commitment": {"accepted": True, "version": "2019-01"}})
    assert error_code(old) == "certification.commitment_outdated"
    far = client.post(f"{BASE}/my/applications", headers=auth(token2),
                      json={"commitment": COMMITMENT, "station_id": 4})
    assert error_code(far) == "certification.station_not_serving"
    sneaky = client.post(f"{BASE}/my/applications", headers=auth(token2),
                         json={"commitment": COMMITMENT, "status": "certified"})
    assert sneaky.status_code == 422
    coarse = applicant(client, "wangwu", number=id_number("150102", date(1967, 1, 1), "031"),
                       name="王五", residence="150102")
    assert apply_self(client, coarse, expect=422)["error"]["code"] == "certification.no_station"


def test_family_member_applies_for_a_relative(client):
    family = person_token(client, "daughter")
    body = {"name": "刘大妈", "id_number": id_number("150102", date(1974, 2, 2), "042"),
            "residence_region_code": "150102001001", "relation": "parent",
            "consent": {"notice_version": NOTICE}, "facts": OLDER_FACTS}
    link = client.post("/api/v1/people/me/relatives", json=body, headers=auth(family))
    relative_id = verify_at_station(client, body["id_number"], link.get_json()["id"])["id"]
    created = apply_self(client, family, person_id=relative_id)
    assert created["channel"] == "proxy" and created["person"]["id"] == relative_id
    assert [a["id"] for a in client.get(f"{BASE}/my/applications", headers=auth(family))
            .get_json()] == [created["id"]]
    stranger = person_token(client, "stranger")
    response = apply_self(client, stranger, person_id=relative_id, expect=404)
    assert response["error"]["code"] == "people.not_found"


def test_exit_and_reapplication_keep_history(client):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    step(client, "county_xc", app_id, "county-decision", {"outcome": "certify"})
    again = apply_self(client, token, expect=409)
    assert again["error"]["code"] == "certification.already_certified"
    county = staff_token(client, "county_xc")
    [cert] = client.get(f"{BASE}/my/certifications", headers=auth(token)).get_json()
    url = f"{BASE}/certifications/{cert['id']}/exit"
    bad = client.post(url, json={"reason": "bored", "exited_on": local_today().isoformat()},
                      headers=auth(county))
    assert error_code(bad) == "certification.exit_reason_unknown"
    future = client.post(url, headers=auth(county), json={
        "reason": "employed", "exited_on": (local_today() + timedelta(days=30)).isoformat()})
    assert error_code(future) == "certification.exit_date"
    assert client.post(url, headers=auth(staff_token(client, "station_xc")),
                       json={"reason": "employed", "exited_on": local_today().isoformat()}
                       ).status_code == 403
    done = client.post(url, headers=auth(county),
                       json={"reason": "employed", "exited_on": local_today().isoformat()})
    assert done.status_code == 200 and done.get_json()["exit_reason"] == "employed"
    twice = client.post(url, headers=auth(county),
                        json={"reason": "employed", "exited_on": local_today().isoformat()})
    assert twice.status_code == 409
    second = apply_self(client, token)
    assert second["status"] == "submitted"
    history = client.get(f"{BASE}/my/applications", headers=auth(token)).get_json()
    assert [a["status"] for a in history] == ["submitted", "certified"]
    assert [c["status"] for c in client.get(f"{BASE}/my/certifications", headers=auth(token))
            .get_json()] == ["exited"]


def test_staff_lists_filter_and_cap_the_page(client):
    apply_self(client, applicant(client))
    county = staff_token(client, "county_xc")
    page = client.get(f"{BASE}/applications", headers=auth(county),
                      query_string={"status": "submitted", "per_page": 1}).get_json()
    assert page["per_page"] == 1 and len(page["items"]) == 1 and page["total"] >= 2
    older = client.get(f"{BASE}/applications", headers=auth(county),
                       query_string={"category": "older", "channel": "self"}).get_json()
    assert older["total"] == 1
    assert client.get(f"{BASE}/applications", headers=auth(county),
                      query_string={"per_page": 500}).status_code == 422
    assert client.get(f"{BASE}/applications", headers=auth(staff_token(client, "auditor"))
                      ).status_code == 403


def test_demo_data_is_in_place(client):
    county = staff_token(client, "county_xc")
    items = client.get(f"{BASE}/applications", headers=auth(county)).get_json()["items"]
    assert sorted(a["status"] for a in items) == ["certified", "county_decision", "submitted",
                                                  "township_review"]
    hlr = client.get(f"{BASE}/applications", headers=auth(staff_token(client, "station_hlr")))
    assert [a["status"] for a in hlr.get_json()["items"]] == ["station_check"]
