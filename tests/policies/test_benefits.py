"""Benefit records over HTTP: recorded and ended by county staff (audited, scoped), their
due dates from the clock engine, and the expiry list (default 60 days, paged, scoped)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.months import add_months
from app.core.clock import local_today
from app.extensions import db
from app.people.models import Person
from app.policies.models import Benefit
from tests.builders.http import auth, error_code, staff_token

EXPIRING = "/api/v1/benefits/expiring"


@pytest.fixture()
def ids(fresh_app):
    with fresh_app.app_context():
        return {p.name: p.id for p in db.session.scalars(select(Person))}


def record(client, person_id, who="county_xc", **body):
    return client.post(f"/api/v1/people/{person_id}/benefits", json=body,
                       headers=auth(staff_token(client, who)))


def actions(app, action):
    with app.app_context():
        return [e.details for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def test_record_a_capped_benefit_and_end_it(client, fresh_app, ids):
    today = local_today()
    start = add_months(today, -35)
    response = record(client, ids["张丽"], policy="social_insurance_subsidy_flexible",
                      start=start.isoformat())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # Far from retirement: the 3-year pool cap applies, so it is due 36 months after start.
    assert body["due_on"] == add_months(start, 36).isoformat()
    assert body["region_code"] == "150102001001" and body["catalog_version"] == "2025.2"
    assert body["approved_by"].startswith("staff:") and body["source"] == "station"
    [details] = actions(fresh_app, "policy.benefit_recorded")
    assert details["policy"] == "social_insurance_subsidy_flexible"
    assert details["person_id"] == ids["张丽"] and "name" not in details
    # It now shows on the expiry list of the station and is enjoyed in the person's view.
    listed = client.get(EXPIRING, headers=auth(staff_token(client, "station_xc"))).get_json()
    assert body["id"] in [i["benefit"]["id"] for i in listed["items"]]
    view = client.get(f"/api/v1/people/{ids['张丽']}/policies",
                      headers=auth(staff_token(client, "station_xc"))).get_json()
    result = next(r for r in view["results"] if r["policy"] == "social_insurance_subsidy_flexible")
    assert result["enjoying"] is True and result["clocks"][0]["rule"] == "cap"

    end = today - timedelta(days=1)
    response = client.post(f"/api/v1/benefits/{body['id']}/end",
                           json={"end": end.isoformat(), "reason": "employed"},
                           headers=auth(staff_token(client, "county_xc")))
    assert response.status_code == 200, response.get_json()
    ended = response.get_json()
    assert ended["end"] == end.isoformat() and ended["due_on"] == end.isoformat()
    assert ended["end_reason"] == "employed"
    assert actions(fresh_app, "policy.benefit_ended")[0]["reason"] == "employed"
    again = client.post(f"/api/v1/benefits/{body['id']}/end",
                        json={"end": end.isoformat(), "reason": "employed"},
                        headers=auth(staff_token(client, "county_xc")))
    assert again.status_code == 409 and error_code(again) == "policies.benefit_ended"


def test_a_second_benefit_in_the_pool_shortens_the_first(client, ids):
    today = local_today()
    first = record(client, ids["张丽"], policy="social_insurance_subsidy_flexible",
                   start=add_months(today, -24).isoformat(),
                   end=add_months(today, -12).isoformat()).get_json()
    assert first["due_on"] == add_months(today, -12).isoformat()
    second = record(client, ids["张丽"], policy="public_welfare_post",
                    start=add_months(today, -6).isoformat()).get_json()
    # 12 months used before: 24 left in the 36-month pool.
    assert second["due_on"] == add_months(add_months(today, -6), 24).isoformat()


def test_bad_records_are_refused(client, ids):
    today = local_today().isoformat()
    response = record(client, ids["张丽"], policy="no_such_policy", start=today)
    assert response.status_code == 422 and error_code(response) == "policies.benefit_unknown_policy"
    response = record(client, ids["张丽"], policy="public_welfare_post", start=today,
                      end="2000-01-01")
    assert response.status_code == 422 and error_code(response) == "policies.benefit_dates"
    response = record(client, ids["张丽"], policy="public_welfare_post", start=today, extra=1)
    assert response.status_code == 422
    assert record(client, ids["张丽"], policy="public_welfare_post", start=today).status_code == 201
    response = record(client, ids["张丽"], policy="public_welfare_post", start=today)
    assert response.status_code == 409 and error_code(response) == "policies.benefit_overlap"
    # The one already running for 王建国 since the seed overlaps too.
    response = record(client, ids["王建国"], policy="unemployment_insurance_benefit", start=today)
    assert response.status_code == 409


def test_only_county_staff_record_and_only_in_their_subtree(client, fresh_app, ids):
    today = local_today().isoformat()
    response = record(client, ids["张丽"], who="station_xc", policy="public_welfare_post",
                      start=today)
    assert response.status_code == 403
    response = record(client, ids["巴特"], who="county_xc", policy="public_welfare_post",
                      start=today)
    assert response.status_code == 404 and error_code(response) == "people.not_found"
    with fresh_app.app_context():
        row = Benefit(person_id=ids["巴特"], policy="public_welfare_post",
                      starts_on=date(2025, 3, 1), region_code="150702001001", source="import",
                      catalog_version="2025.1", approved_by="system:test",
                      due_on=local_today() + timedelta(days=5))
        db.session.add(row)
        db.session.commit()
        other = row.id
    response = client.post(f"/api/v1/benefits/{other}/end",
                           json={"end": today, "reason": "other"},
                           headers=auth(staff_token(client, "city_hhht")))
    assert response.status_code == 404 and error_code(response) == "policies.benefit_not_found"
    assert actions(fresh_app, "policy.benefit_ended") == []
    # The other league's list shows it; Hohhot's does not.
    hlr = client.get(EXPIRING, headers=auth(staff_token(client, "station_hlr"))).get_json()
    assert [i["benefit"]["id"] for i in hlr["items"]] == [other]
    hhht = client.get(EXPIRING, headers=auth(staff_token(client, "city_hhht"))).get_json()
    assert other not in [i["benefit"]["id"] for i in hhht["items"]]


def test_expiring_list_window_and_paging(client, ids):
    token = auth(staff_token(client, "township_xc"))
    body = client.get(EXPIRING, headers=token).get_json()
    assert body["days"] == 60 and body["total"] == 1
    [item] = body["items"]
    # 李秀英's unemployment insurance: 12 months from 11 months ago.
    assert item["person"]["id"] == ids["李秀英"] and item["person"]["name"] == "李**"
    assert item["policy_name"] == "失业保险金"
    due = add_months(local_today(), 1)
    assert item["benefit"]["due_on"] == due.isoformat()
    assert item["days_left"] == (due - local_today()).days
    assert client.get(EXPIRING, query_string={"days": 10}, headers=token).get_json()["total"] == 0
    today = local_today()
    record(client, ids["张丽"], policy="social_insurance_subsidy_flexible",
           start=add_months(today, -35).isoformat())
    page = client.get(EXPIRING, query_string={"per_page": 1, "page": 2}, headers=token).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
    for bad in ({"days": 0}, {"days": 400}, {"per_page": 1000}):
        assert client.get(EXPIRING, query_string=bad, headers=token).status_code == 422
    assert client.get(EXPIRING, headers=auth(staff_token(client, "auditor"))).status_code == 403


def test_due_dates_follow_changed_facts(client, fresh_app, ids):
    """Fewer contribution months give a shorter unemployment insurance benefit: the daily
    refresh moves 王建国's due date from 24 to 12 months after the start."""
    start = add_months(local_today(), -5)
    with fresh_app.app_context():
        person = db.session.get(Person, ids["王建国"])
        [row] = person.benefits
        assert row.due_on == add_months(start, 24)
        person.social_insurance_months = 30
        db.session.commit()
    result = fresh_app.test_cli_runner().invoke(args=["policies", "refresh-due"])
    assert "1 changed" in result.output, result.output
    with fresh_app.app_context():
        [row] = db.session.get(Person, ids["王建国"]).benefits
        assert row.due_on == add_months(start, 12)
    assert actions(fresh_app, "policy.benefit_due_refreshed") == [{"persons": 2, "changed": 1}]
