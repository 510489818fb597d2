"""亲情服务 proxy links (issue 12): asking to act for a relative tells nothing about whether
their ID number is registered, and gives nothing until the relative confirms it or a
station in their region verifies it. The first claimant cannot squat someone's identity.
"""
import time
from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.people.models import LegalBasis, Person
from tests.builders.applications import apply_self
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.people import (NOTICE, RESIDENCE, create_person, id_number, older_man_id,
                                   register_self)

RELATIVES = "/api/v1/people/me/relatives"
FLOOR = 0.3


def ask(client, token, number, *, name="刘大妈", relation="parent", facts=None,
        residence=RESIDENCE):
    body = {"name": name, "id_number": number, "residence_region_code": residence,
            "relation": relation, "consent": {"notice_version": NOTICE},
            "facts": facts or {}}
    started = time.perf_counter()
    response = client.post(RELATIVES, json=body, headers=auth(token))
    return response, time.perf_counter() - started


def unregistered_id(sequence="042"):
    return id_number("150102", date(1950, 2, 2), sequence)


def audit_actions(app):
    with app.app_context():
        return [(e.action, e.actor_type, e.actor_id, e.target_type, e.target_id)
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def stored_person(app, number):
    from app.people.services import index_of
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.id_number_index == index_of(number)))
        db.session.expunge_all()
        return person


@pytest.fixture()
def timed(fresh_app, monkeypatch):
    """The production time floor for identity answers (the test config turns it off)."""
    monkeypatch.setitem(fresh_app.config, "IDENTITY_ANSWER_FLOOR", FLOOR)


def test_a_squat_attempt_stays_pending_and_gives_the_attacker_nothing(client, fresh_app):
    victim = person_token(client, "zhangsan")
    me = register_self(client, victim, facts={"education": "senior"})
    attacker = person_token(client, "attacker")
    response, _ = ask(client, attacker, older_man_id(), name="张三",
                      facts={"dibao": True, "education": "none"})
    assert response.status_code == 202, response.get_json()
    link = response.get_json()
    assert link["status"] == "pending" and link["person_id"] is None
    # Nothing to read, change or apply for: the link is not in effect.
    assert client.get(RELATIVES, headers=auth(attacker)).get_json() == []
    patched = client.patch(f"{RELATIVES}/{me['id']}", json={"dibao": True}, headers=auth(attacker))
    assert patched.status_code == 404
    assert apply_self(client, attacker, person_id=me["id"], expect=404)["error"]["code"] \
        == "people.not_found"
    # The victim's record is untouched: the attacker's facts wait in the link.
    mine = client.get("/api/v1/people/me", headers=auth(victim)).get_json()
    assert mine["dibao"] is None and mine["education"] == "senior"
    with fresh_app.app_context():
        assert db.session.scalars(select(LegalBasis).where(
            LegalBasis.person_id == me["id"], LegalBasis.purpose == "proxy_service")).all() == []
    # The victim sees the request and declines it; it stays without effect.
    [incoming] = client.get("/api/v1/people/me/proxy-requests", headers=auth(victim)).get_json()
    assert incoming["id"] == link["id"] and incoming["relation"] == "parent"
    declined = client.post(f"/api/v1/people/me/proxy-requests/{link['id']}/decline",
                           headers=auth(victim))
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    [mine_out] = client.get(f"{RELATIVES}/requests", headers=auth(attacker)).get_json()
    assert mine_out["status"] == "declined" and mine_out["person_id"] is None
    assert client.get(RELATIVES, headers=auth(attacker)).get_json() == []
    assert client.get("/api/v1/people/me/proxy-requests", headers=auth(victim)).get_json() == []
    actions = [a[0] for a in audit_actions(fresh_app)]
    assert "person.proxy_requested" in actions and "person.proxy_declined" in actions


def test_registered_and_unregistered_ids_get_the_same_answer(client, fresh_app, timed):
    register_self(client, person_token(client, "zhangsan"))
    asker = person_token(client, "daughter")
    registered, took_registered = ask(client, asker, older_man_id())
    unregistered, took_unregistered = ask(client, asker, unregistered_id())
    assert registered.status_code == unregistered.status_code == 202
    one, other = registered.get_json(), unregistered.get_json()
    assert set(one) == set(other)
    assert {k: v for k, v in one.items() if k not in ("id", "requested_at")} \
        == {k: v for k, v in other.items() if k not in ("id", "requested_at")} \
        == {"status": "pending", "relation": "parent", "decided_at": None, "person_id": None}
    # Both wait for the floor; what differs underneath (a new record or not) does not show.
    assert FLOOR <= took_registered < FLOOR + 0.25 and FLOOR <= took_unregistered < FLOOR + 0.25
    assert abs(took_registered - took_unregistered) < 0.1
    # Asking again answers the same pending link, both ways.
    again, _ = ask(client, asker, unregistered_id())
    assert again.status_code == 202 and again.get_json()["id"] == other["id"]


def test_an_unvouched_record_is_claimed_by_the_real_person(client, fresh_app):
    squatter = person_token(client, "squatter")
    number = unregistered_id()
    response, _ = ask(client, squatter, number, name="冒名", facts={"dibao": True})
    assert response.status_code == 202
    assert stored_person(fresh_app, number).unvouched is True
    # The real person registers themselves: the record becomes theirs, with their own name
    # and without anything the squatter typed; the squatter's request still waits for them.
    owner = person_token(client, "realowner")
    mine = register_self(client, owner, name="刘桂兰", number=number, facts={})
    assert mine["name"] == "刘**" and mine["has_wechat"] is True and mine["unvouched"] is False
    assert mine["dibao"] is None
    [pending] = client.get("/api/v1/people/me/proxy-requests", headers=auth(owner)).get_json()
    assert pending["id"] == response.get_json()["id"]
    assert client.post(f"/api/v1/people/me/proxy-requests/{pending['id']}/decline",
                       headers=auth(owner)).status_code == 200
    assert client.get(RELATIVES, headers=auth(squatter)).get_json() == []
    assert "person.claimed" in [a[0] for a in audit_actions(fresh_app)]


def test_a_station_registers_a_person_over_an_unvouched_record(client, fresh_app):
    number = unregistered_id()
    ask(client, person_token(client, "squatter"), number, name="冒名")
    staff = staff_token(client, "station_xc")
    created = create_person(client, staff, name="刘桂兰", number=number, facts={})
    assert created["name"] == "刘**" and created["unvouched"] is False


def test_the_relative_confirms_and_only_then_the_link_works(client, fresh_app):
    relative = person_token(client, "zhangsan")
    me = register_self(client, relative)
    family = person_token(client, "daughter")
    response, _ = ask(client, family, older_man_id(), relation="child",
                      facts={"skills": ["育婴"]})
    link = response.get_json()
    stranger = person_token(client, "stranger")
    register_self(client, stranger, name="李四", number=older_man_id("071"))
    url = f"/api/v1/people/me/proxy-requests/{link['id']}"
    # Only the relative can answer it.
    assert client.post(f"{url}/confirm", json={"notice_version": NOTICE},
                       headers=auth(stranger)).status_code == 404
    assert client.post(f"{url}/confirm", json={"notice_version": NOTICE},
                       headers=auth(family)).status_code == 404  # no own record: 404 too
    confirmed = client.post(f"{url}/confirm", json={"notice_version": NOTICE},
                            headers=auth(relative))
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "active"
    twice = client.post(f"{url}/confirm", json={"notice_version": NOTICE}, headers=auth(relative))
    assert twice.status_code == 409 and error_code(twice) == "people.proxy_link_decided"
    assert client.post(f"{url}/decline", headers=auth(relative)).status_code == 409
    # Now the family member acts for the relative, and the facts they entered apply.
    assert [p["id"] for p in client.get(RELATIVES, headers=auth(family)).get_json()] == [me["id"]]
    [out] = client.get(f"{RELATIVES}/requests", headers=auth(family)).get_json()
    assert out["status"] == "active" and out["person_id"] == me["id"]
    mine = client.get("/api/v1/people/me", headers=auth(relative)).get_json()
    assert mine["skills"] == ["育婴"]
    with fresh_app.app_context():
        [basis] = db.session.scalars(select(LegalBasis).where(
            LegalBasis.person_id == me["id"], LegalBasis.purpose == "proxy_service")).all()
        assert basis.channel == "miniprogram" and basis.given_by == "self"
        assert basis.relation == "child"
    confirmations = [a for a in audit_actions(fresh_app) if a[0] == "person.proxy_confirmed"]
    assert len(confirmations) == 1 and confirmations[0][1] == "person"


def test_a_station_verifies_only_in_its_own_region_and_it_is_audited(client, fresh_app):
    family = person_token(client, "daughter")
    number = unregistered_id()
    response, _ = ask(client, family, number)
    link_id = response.get_json()["id"]
    person_id = stored_person(fresh_app, number).id
    body = {"notice_version": NOTICE, "channel": "station_paper"}
    verify = f"/api/v1/people/{person_id}/proxy-links/{link_id}/verify"
    elsewhere = staff_token(client, "station_hlr")  # Hulunbuir; the relative lives in Hohhot
    assert client.get(f"/api/v1/people/{person_id}/proxy-links",
                      headers=auth(elsewhere)).status_code == 404
    refused = client.post(verify, json=body, headers=auth(elsewhere))
    assert refused.status_code == 404 and error_code(refused) == "people.not_found"
    staff = staff_token(client, "station_xc")
    wrong_channel = client.post(verify, json={**body, "channel": "miniprogram"},
                                headers=auth(staff))
    assert wrong_channel.status_code == 422
    assert client.get(RELATIVES, headers=auth(family)).get_json() == []
    verified = client.post(verify, json=body, headers=auth(staff))
    assert verified.status_code == 200 and verified.get_json()["status"] == "active"
    assert verified.get_json()["decided_by"].startswith("staff:")
    assert stored_person(fresh_app, number).unvouched is False
    assert [p["id"] for p in client.get(RELATIVES, headers=auth(family)).get_json()] == [person_id]
    assert client.post(verify, json=body, headers=auth(staff)).status_code == 409
    verified_rows = [a for a in audit_actions(fresh_app) if a[0] == "person.proxy_verified"]
    assert len(verified_rows) == 1
    assert verified_rows[0][1] == "staff" and verified_rows[0][4] == str(link_id)


def test_staff_registration_answers_alike_in_and_out_of_scope(client, fresh_app, timed):
    number = older_man_id("051")
    home = staff_token(client, "station_xc")
    create_person(client, home, number=number)
    other = staff_token(client, "station_hlr")
    bodies = {}
    for token, residence in ((home, RESIDENCE), (other, "150702001001")):
        started = time.perf_counter()
        body = create_person(client, token, number=number, residence=residence, expect=409)
        bodies[residence] = (body, time.perf_counter() - started)
    (in_scope, t_in), (out_of_scope, t_out) = bodies.values()
    assert in_scope == out_of_scope == {"error": {
        "code": "people.duplicate_id_number", "details": {},
        "message": in_scope["error"]["message"]}}
    assert FLOOR <= t_in < FLOOR + 0.25 and FLOOR <= t_out < FLOOR + 0.25
    # A fresh registration takes as long.
    started = time.perf_counter()
    create_person(client, other, number=unregistered_id("091"), residence="150702001001")
    assert FLOOR <= time.perf_counter() - started < FLOOR + 0.25


def test_station_registrations_are_limited_per_staff_member(client, fresh_app, monkeypatch):
    monkeypatch.setitem(fresh_app.config, "RATELIMIT_PERSON_CREATE", "2/minute")
    home = staff_token(client, "station_xc")
    create_person(client, home, number=unregistered_id("011"))
    create_person(client, home, number=older_man_id("051"))
    limited = create_person(client, home, number=older_man_id("051"), expect=429)
    assert limited["error"]["code"] == "rate_limited"
    create_person(client, staff_token(client, "township_xc"), number=unregistered_id("021"))
