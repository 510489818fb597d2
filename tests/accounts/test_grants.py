"""Issue 12, admin powers: nobody changes their own grant; a role that reads or decides on
persons (or the security admin role) takes effect only after a second security admin
approves it, exactly once; a security admin grants only within their own subtree."""
import threading

import pytest
from sqlalchemy import func, select

from app.accounts.models import StaffAccount, StaffGrantRequest
from app.accounts.roles import PERMISSIONS, Role, needs_second_approval
from app.audit.models import AuditEntry
from app.extensions import db
from tests.builders.http import approve_grant, auth, error_code, staff_login, staff_token
from tests.support.database import is_sqlite

STAFF = "/api/v1/staff"
GRANTS = "/api/v1/staff/grants"
APPLICATIONS = "/api/v1/certification/applications"  # application.read: reads persons
NEW = {"username": "new_region_admin", "display_name": "新管理", "password": "Good#Pass9",
       "role": "region_admin", "region_code": "150000"}


def _id(app, username):
    with app.app_context():
        return db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))


def _account(app, username):
    with app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        return None if staff is None else (staff.role, staff.region_code, staff.station_id)


def _audit(app, action, result="ok"):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.result == result)
            .order_by(AuditEntry.seq)).all()


def _login_status(client, username, password="Good#Pass9"):
    return client.post("/api/v1/auth/staff/login",
                       json={"username": username, "password": password}).status_code


def _decide(client, grant_id, verb, username):
    return client.post(f"{GRANTS}/{grant_id}/{verb}", headers=auth(staff_token(client, username)))


# --- nobody changes their own grant ------------------------------------------------------

def test_a_security_admin_cannot_make_themselves_a_caseworker(client, fresh_app):
    """The reported attack: own role → county_officer, log in again, reveal ID numbers."""
    pair = staff_login(client, "security_admin")
    response = client.patch(f"{STAFF}/{pair['staff']['id']}", json={"role": "county_officer"},
                            headers=auth(pair["access_token"]))
    assert response.status_code == 403 and error_code(response) == "staff.self_change"
    assert response.get_json()["error"]["message"] == "不能修改自己的角色、辖区、服务站或账号状态"
    again = staff_login(client, "security_admin")
    assert again["staff"]["role"] == "security_admin"
    assert client.get(APPLICATIONS, headers=auth(again["access_token"])).status_code == 403
    denied = _audit(fresh_app, "staff.update", "denied")
    assert [(e.actor_id, e.target_id, e.details) for e in denied] == [
        (str(pair["staff"]["id"]), str(pair["staff"]["id"]), {"reason": "staff.self_change"})]
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffGrantRequest)) == 0


@pytest.mark.parametrize("change", [{"role": "auditor"}, {"region_code": "150102"},
                                    {"region_code": "150702"}, {"station_id": 3},
                                    {"active": False}])
def test_nobody_changes_their_own_grant(client, fresh_app, change):
    before = _account(fresh_app, "security_admin")
    token = staff_token(client, "security_admin")
    response = client.patch(f"{STAFF}/{_id(fresh_app, 'security_admin')}", json=change,
                            headers=auth(token))
    assert response.status_code == 403 and error_code(response) == "staff.self_change"
    assert _account(fresh_app, "security_admin") == before
    assert client.get("/api/v1/auth/staff/me", headers=auth(token)).status_code == 200


# --- two-person rule -----------------------------------------------------------------------

def test_roles_that_read_persons_need_a_second_approval():
    readers = {role for role in Role if any(
        role in PERMISSIONS[p] for p in ("person.read", "person.reveal", "application.read",
                                         "application.county_decide", "evidence.read"))}
    assert readers and all(needs_second_approval(role) for role in readers)
    assert needs_second_approval(Role.SECURITY_ADMIN)
    assert not needs_second_approval(Role.AUDITOR) and not needs_second_approval(Role.TAX)


def test_a_created_region_admin_has_no_power_until_a_second_admin_approves(client, fresh_app):
    response = client.post(STAFF, json=NEW, headers=auth(staff_token(client, "security_admin")))
    assert response.status_code == 202
    grant = response.get_json()
    assert (grant["status"], grant["kind"], grant["role"], grant["staff_id"]) == \
        ("pending", "create", "region_admin", None)
    assert "password" not in str(grant) and "hash" not in str(grant)
    assert _account(fresh_app, "new_region_admin") is None
    assert _login_status(client, "new_region_admin") == 401

    pending = client.get(GRANTS, headers=auth(staff_token(client, "security_admin2")))
    assert [g["id"] for g in pending.get_json()] == [grant["id"]]
    approved = approve_grant(client, response)
    assert approved["status"] == "approved" and approved["staff_id"] == \
        _id(fresh_app, "new_region_admin")
    assert approved["decided_by"] == _id(fresh_app, "security_admin2")
    token = staff_login(client, "new_region_admin", "Good#Pass9")["access_token"]
    assert client.get(APPLICATIONS, headers=auth(token)).status_code == 200
    assert client.get(GRANTS, headers=auth(staff_token(client, "security_admin"))).get_json() == []
    with fresh_app.app_context():
        assert db.session.get(StaffGrantRequest, grant["id"]).password_hash is None
    assert [e.action for e in _audit(fresh_app, "staff.grant_requested")] == \
        ["staff.grant_requested"]
    created = _audit(fresh_app, "staff.created")
    assert created[-1].details["grant_request"] == grant["id"]
    assert created[-1].actor_id == str(_id(fresh_app, "security_admin2"))


def test_a_role_change_that_reads_persons_waits_for_approval(client, fresh_app):
    auditor = staff_login(client, "auditor")
    response = client.patch(f"{STAFF}/{auditor['staff']['id']}", json={"role": "county_officer",
                                                                       "region_code": "150102"},
                            headers=auth(staff_token(client, "security_admin")))
    assert response.status_code == 202 and response.get_json()["kind"] == "update"
    assert _account(fresh_app, "auditor") == ("auditor", "150000", None)
    assert client.get("/api/v1/auth/staff/me", headers=auth(auditor["access_token"])) \
        .status_code == 200  # nothing changed yet, so the session lives on
    approve_grant(client, response)
    assert _account(fresh_app, "auditor") == ("county_officer", "150102", None)
    assert client.get("/api/v1/auth/staff/me", headers=auth(auditor["access_token"])) \
        .status_code == 401
    assert client.get(APPLICATIONS, headers=auth(staff_token(client, "auditor"))).status_code \
        == 200


def test_taking_power_away_is_immediate(client, fresh_app):
    admin = staff_token(client, "security_admin")
    station = _id(fresh_app, "station_xc")
    off = client.patch(f"{STAFF}/{station}", json={"active": False}, headers=auth(admin))
    assert off.status_code == 200 and off.get_json()["active"] is False
    # Turning it back on restores a person-reading account: that needs approval.
    on = client.patch(f"{STAFF}/{station}", json={"active": True}, headers=auth(admin))
    assert on.status_code == 202
    demoted = client.patch(f"{STAFF}/{_id(fresh_app, 'county_xc')}", json={"role": "auditor"},
                           headers=auth(admin))
    assert demoted.status_code == 200 and demoted.get_json()["role"] == "auditor"
    plain = client.post(STAFF, headers=auth(admin), json={**NEW, "username": "new_auditor",
                                                          "role": "auditor"})
    assert plain.status_code == 201


def test_a_second_security_admin_also_needs_approval(client, fresh_app):
    """Else one admin would make a puppet admin and approve their own grants with it."""
    response = client.post(STAFF, headers=auth(staff_token(client, "security_admin")),
                           json={**NEW, "username": "puppet", "role": "security_admin"})
    assert response.status_code == 202
    assert _login_status(client, "puppet") == 401


def test_the_requester_cannot_approve_their_own_request(client, fresh_app):
    token = staff_token(client, "security_admin")
    grant = client.post(STAFF, json=NEW, headers=auth(token)).get_json()
    own = client.post(f"{GRANTS}/{grant['id']}/approve", headers=auth(token))
    assert own.status_code == 403 and error_code(own) == "staff.grant_own_request"
    assert "另一名安全管理员" in own.get_json()["error"]["message"]
    assert _account(fresh_app, "new_region_admin") is None
    with fresh_app.app_context():
        assert db.session.get(StaffGrantRequest, grant["id"]).status == "pending"
    assert _audit(fresh_app, "staff.grant_approve", "denied")[-1].details == \
        {"reason": "staff.grant_own_request"}


def test_two_admins_cannot_promote_each_other(client, fresh_app):
    """The target of a request cannot approve it either: with two admins, none can."""
    response = client.patch(f"{STAFF}/{_id(fresh_app, 'security_admin2')}",
                            json={"role": "region_admin"},
                            headers=auth(staff_token(client, "security_admin")))
    assert response.status_code == 202
    target = _decide(client, response.get_json()["id"], "approve", "security_admin2")
    assert target.status_code == 403 and error_code(target) == "staff.self_change"
    assert _account(fresh_app, "security_admin2")[0] == "security_admin"


def test_a_rejected_request_never_takes_effect(client, fresh_app):
    grant = client.post(STAFF, json=NEW, headers=auth(staff_token(client, "security_admin")))
    grant_id = grant.get_json()["id"]
    rejected = _decide(client, grant_id, "reject", "security_admin2")
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    late = _decide(client, grant_id, "approve", "security_admin2")
    assert late.status_code == 409 and error_code(late) == "staff.grant_decided"
    assert _account(fresh_app, "new_region_admin") is None
    assert len(_audit(fresh_app, "staff.grant_rejected")) == 1


def test_approving_twice_takes_effect_once(client, fresh_app):
    response = client.post(STAFF, json=NEW, headers=auth(staff_token(client, "security_admin")))
    approve_grant(client, response)
    again = _decide(client, response.get_json()["id"], "approve", "security_admin2")
    assert again.status_code == 409 and error_code(again) == "staff.grant_decided"
    reject = _decide(client, response.get_json()["id"], "reject", "security_admin2")
    assert reject.status_code == 409
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffAccount).where(
            StaffAccount.username == "new_region_admin")) == 1
    assert len(_audit(fresh_app, "staff.grant_approved")) == 1


def test_an_approved_role_change_bumps_tokens_once(client, fresh_app):
    station = _id(fresh_app, "station_xc")
    response = client.patch(f"{STAFF}/{station}", json={"role": "township_reviewer"},
                            headers=auth(staff_token(client, "security_admin")))
    with fresh_app.app_context():
        before = db.session.get(StaffAccount, station).token_version
    approve_grant(client, response)
    assert _decide(client, response.get_json()["id"], "approve", "security_admin2") \
        .status_code == 409
    with fresh_app.app_context():
        assert db.session.get(StaffAccount, station).token_version == before + 1
    assert [e.details["grant_request"] for e in _audit(fresh_app, "staff.updated")] == \
        [response.get_json()["id"]]


def _race(app, path, token, count):
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        client = app.test_client()
        barrier.wait()
        results[index] = client.post(path, headers=auth(token)).status_code

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_parallel_approvals_take_effect_once(client, fresh_app):
    if is_sqlite(fresh_app):
        pytest.skip("row-level locking is tested on PostgreSQL (TEST_DATABASE_URL)")
    grant = client.post(STAFF, json=NEW, headers=auth(staff_token(client, "security_admin")))
    results = _race(fresh_app, f"{GRANTS}/{grant.get_json()['id']}/approve",
                    staff_token(client, "security_admin2"), 10)
    assert sorted(results) == [200] + [409] * 9, results
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffAccount).where(
            StaffAccount.username == "new_region_admin")) == 1
    assert len(_audit(fresh_app, "staff.grant_approved")) == 1
    assert len(_audit(fresh_app, "staff.created")) == 1


# --- scope ---------------------------------------------------------------------------------

def _local_security_admin(client):
    """A security admin granted only 新城区 (150102), approved by the second admin."""
    approve_grant(client, client.post(STAFF, headers=auth(staff_token(client, "security_admin")),
                                      json={**NEW, "username": "sec_xc",
                                            "role": "security_admin", "region_code": "150102"}))
    return staff_login(client, "sec_xc", "Good#Pass9")["access_token"]


def test_a_security_admin_grants_only_within_their_subtree(client, fresh_app):
    local = _local_security_admin(client)
    outside = client.post(STAFF, headers=auth(local), json={**NEW, "region_code": "150702"})
    assert outside.status_code == 404 and error_code(outside) == "region.not_found"
    parent = client.post(STAFF, headers=auth(local), json={**NEW, "region_code": "150100"})
    assert parent.status_code == 404 and error_code(parent) == "region.not_found"
    move = client.patch(f"{STAFF}/{_id(fresh_app, 'station_xc')}",
                        json={"region_code": "150702001001"}, headers=auth(local))
    assert move.status_code == 404 and error_code(move) == "region.not_found"
    other = client.patch(f"{STAFF}/{_id(fresh_app, 'station_hlr')}",
                         json={"role": "county_officer"}, headers=auth(local))
    assert other.status_code == 404 and error_code(other) == "staff.not_found"
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffGrantRequest)
                                 .where(StaffGrantRequest.status == "pending")) == 0


def test_another_subtrees_requests_are_neither_listed_nor_decided(client, fresh_app):
    local = _local_security_admin(client)
    hlr = client.post(STAFF, headers=auth(staff_token(client, "security_admin")),
                      json={**NEW, "username": "hlr_admin", "role": "county_officer",
                            "region_code": "150702"}).get_json()
    assert hlr["id"] not in [g["id"] for g in client.get(GRANTS, headers=auth(local)).get_json()]
    for verb in ("approve", "reject"):
        response = client.post(f"{GRANTS}/{hlr['id']}/{verb}", headers=auth(local))
        assert response.status_code == 404 and error_code(response) == "staff.grant_not_found"
    # Moving an account of 新城区 out to 呼伦贝尔: the local admin may not decide that either.
    moved = client.patch(f"{STAFF}/{_id(fresh_app, 'county_xc')}", json={"region_code": "150702",
                                                                        "station_id": 4},
                         headers=auth(staff_token(client, "security_admin"))).get_json()
    assert client.post(f"{GRANTS}/{moved['id']}/approve", headers=auth(local)).status_code == 404
    assert _account(fresh_app, "county_xc")[1] == "150102"
    # The local admin's own request is seen by the admin above.
    mine = client.post(STAFF, headers=auth(local), json={**NEW, "username": "xc_officer",
                                                         "role": "county_officer",
                                                         "region_code": "150102"}).get_json()
    listed = client.get(GRANTS, headers=auth(staff_token(client, "security_admin2"))).get_json()
    assert mine["id"] in [g["id"] for g in listed]


def test_only_security_admins_see_or_decide_grants(client):
    grant = client.post(STAFF, json=NEW, headers=auth(staff_token(client, "security_admin")))
    for username in ("region_admin", "auditor", "county_xc"):
        token = staff_token(client, username)
        assert client.get(GRANTS, headers=auth(token)).status_code == 403
        assert client.post(f"{GRANTS}/{grant.get_json()['id']}/approve",
                           headers=auth(token)).status_code == 403
