"""Contact coverage per campaign round (一轮联系对接) for a station, township and county
subtree, bad rounds refused, and cases of a worker who left handed on by the daily job."""
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.core.clock import local_today, utcnow
from app.extensions import db
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, staff_token
from tests.builders.tracking import BASE, get, post, run_daily


def _campaign(client):
    now = utcnow()
    response = client.post("/api/v1/push/campaigns", headers=auth(staff_token(client, "county_xc")),
                           json={"title": "春风行动", "kind": "campaign_invitation",
                                 "values": {"campaign": "春风行动专场招聘会",
                                            "starts_at": "2027-02-20 09:00",
                                            "location": "新城区人力资源市场"},
                                 "region_code": "150102", "person_status": "certified",
                                 "not_before": (now - timedelta(minutes=1)).isoformat(),
                                 "not_after": (now + timedelta(days=7)).isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_coverage_of_a_campaign_round_at_every_level(client, fresh_app):
    _, me = certified_seeker(client)
    campaign = _campaign(client)
    levels = {user: get(client, user, "/coverage", campaign_id=campaign)
              for user in ("station_xc", "township_xc", "county_xc")}
    assert {c["round"] for c in levels.values()} == {"春风行动"}
    assert all(me in [u["person"]["id"] for u in c["uncontacted"]] for c in levels.values())
    assert levels["county_xc"]["children"][0]["region_code"] == "150102001"
    case_id = next(c["id"] for c in get(client, "station_xc", "/cases/mine")["items"]
                   if c["person"]["id"] == me)
    post(client, "station_xc", f"/cases/{case_id}/contacts",
         {"channel": "phone", "contacted_on": local_today().isoformat(), "outcome": "reached"},
         expect=201)
    after = get(client, "county_xc", "/coverage", campaign_id=campaign)
    assert after["contacted"] == levels["county_xc"]["contacted"] + 1
    assert after["share"] > (levels["county_xc"]["share"] or 0)
    assert me not in [u["person"]["id"] for u in after["uncontacted"]]
    # Another league's staff see neither the campaign nor the subtree.
    hidden = client.get(f"{BASE}/coverage", query_string={"campaign_id": campaign},
                        headers=auth(staff_token(client, "station_hlr")))
    assert hidden.status_code == 404 and error_code(hidden) == "campaign.not_found"


def test_a_round_must_be_named_and_make_sense(client, fresh_app):
    token = auth(staff_token(client, "township_xc"))
    today = local_today()
    for params in ({}, {"starts_on": today.isoformat()},
                   {"starts_on": today.isoformat(), "ends_on": (today - timedelta(days=1)).isoformat()}):
        response = client.get(f"{BASE}/coverage", query_string=params, headers=token)
        assert response.status_code == 422 and error_code(response) == "tracking.round_required"
    for params in ({"campaign_id": 0}, {"starts_on": "yesterday", "ends_on": "today"},
                   {"region_code": "15"}):
        assert client.get(f"{BASE}/coverage", query_string=params, headers=token
                          ).status_code == 422
    outside = client.get(f"{BASE}/coverage", headers=token, query_string={
        "region_code": "150702", "starts_on": today.isoformat(), "ends_on": today.isoformat()})
    assert outside.status_code == 404 and error_code(outside) == "region.not_found"


def test_the_daily_job_hands_on_the_cases_of_a_worker_who_left(client, fresh_app):
    _, me = certified_seeker(client)
    with fresh_app.app_context():
        first = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        second = StaffAccount(username="station_xc2", display_name="新站员", role="station_staff",
                              region_code=first.region_code, station_id=first.station_id,
                              password_hash=first.password_hash, active=True, token_version=1,
                              failed_logins=0)
        db.session.add(second)
        first.active = False
        db.session.commit()
        second_id = second.id
    counts = run_daily(fresh_app)
    assert counts["cases_reassigned"] >= 1
    assert run_daily(fresh_app)["cases_reassigned"] == 0
    mine = get(client, "station_xc2", "/cases/mine")["items"]
    assert me in [c["person"]["id"] for c in mine]
    assert all(c["staff"]["id"] == second_id for c in mine)
