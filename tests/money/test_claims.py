"""Claims and their approval through the HTTP API: eligibility and amount from the catalog,
the steps, a second person for every approval releasing money, no month paid twice."""
from sqlalchemy import func, select

from app.extensions import db
from app.money.models import Claim, ClaimLine
from app.policies.models import Benefit
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.money import (ACCOUNT, FLEXIBLE, act, approved_claim, claim_body,
                                  claim_myself, flexible_seeker)
from tests.builders.people import register_self


def test_a_person_claims_three_months_and_the_amount_is_the_catalogs(client):
    token, person_id = flexible_seeker(client)
    claim = claim_myself(client, token, months=3)
    assert claim["status"] == "submitted" and claim["current_step"] == "station_check"
    assert claim["steps"] == ["station_check", "county_approve"]
    assert claim["periods"] == 3
    assert claim["amount_fen"] == 3 * 48000 and claim["amount"] == "1440.00"  # 480 yuan a month
    assert claim["catalog_version"] == "2025.2"
    assert claim["eligibility"]["status"] == "eligible" and claim["eligibility"]["reasons"]
    assert claim["account"] == "****4567" and ACCOUNT not in str(claim)
    assert claim["step_due_on"] is not None
    assert claim["lines"] == []  # nothing is owed before approval


def test_checked_and_approved_claims_owe_one_line_per_month(client, fresh_app):
    _, person_id, claim = approved_claim(client)
    assert claim["status"] == "approved" and claim["current_step"] is None
    assert [line["status"] for line in claim["lines"]] == ["payable"] * 3
    assert sum(line["amount_fen"] for line in claim["lines"]) == claim["amount_fen"]
    assert [e["action"] for e in claim["events"]] == ["submit", "checked", "approved"]
    with fresh_app.app_context():
        benefit = db.session.scalar(select(Benefit).where(Benefit.person_id == person_id,
                                                          Benefit.policy == FLEXIBLE))
        assert benefit is not None and benefit.source == "claim"  # counts on the 3-year clock


def test_a_month_already_claimed_cannot_be_claimed_again(client):
    token, _, claim = approved_claim(client)
    again = client.post("/api/v1/money/my/claims", json=claim_body(months=1), headers=auth(token))
    assert again.status_code == 409 and error_code(again) == "money.period_claimed"


def test_a_person_not_eligible_is_told_why(client):
    token = person_token(client)
    register_self(client, token)  # registered, not certified, not in flexible employment
    response = client.post("/api/v1/money/my/claims", json=claim_body(), headers=auth(token))
    assert response.status_code == 422 and error_code(response) == "money.not_eligible"
    assert response.get_json()["error"]["details"]["eligibility"]["failing"]


def test_bad_input_is_refused_and_nothing_is_stored(client, fresh_app):
    token, _ = flexible_seeker(client)
    cases = [
        (claim_body(policy="tax_relief_self_employment"), 422),  # pays no money
        (claim_body(account_number="12ab"), 422),
        (claim_body(months=13), 422),
        ({**claim_body(), "amount_fen": 1}, 422),  # amounts are never client-written
        ({**claim_body(), "status": "approved"}, 422),
        ({**claim_body(), "month_to": "2020-01-01"}, 422),  # ends before it starts
        ({**claim_body(), "month_to": "2999-01-01"}, 422),  # a month not yet come
    ]
    for body, status in cases:
        response = client.post("/api/v1/money/my/claims", json=body, headers=auth(token))
        assert response.status_code == status, (body, response.get_json())
        assert response.get_json()["error"]["code"]
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == 0


def test_the_enterer_can_never_approve(client):
    _, person_id = flexible_seeker(client)
    county = staff_token(client, "county_xc")
    entered = client.post("/api/v1/money/claims", headers=auth(county), json={
        **claim_body(), "person_id": person_id, "consent_channel": "station_paper"})
    assert entered.status_code == 201, entered.get_json()
    claim_id = entered.get_json()["id"]
    act(client, "station_xc", claim_id, "check")
    refused = client.post(f"/api/v1/money/claims/{claim_id}/approve", json={}, headers=auth(county))
    assert refused.status_code == 403 and error_code(refused) == "money.second_person_required"


def test_the_checker_can_never_check_what_they_entered(client):
    _, person_id = flexible_seeker(client)
    station = staff_token(client, "station_xc")
    entered = client.post("/api/v1/money/claims", headers=auth(station), json={
        **claim_body(), "person_id": person_id, "consent_channel": "station_electronic"})
    assert entered.status_code == 201, entered.get_json()
    response = client.post(f"/api/v1/money/claims/{entered.get_json()['id']}/check", json={},
                           headers=auth(station))
    assert response.status_code == 403 and error_code(response) == "money.second_person_required"
    act(client, "township_xc", entered.get_json()["id"], "check")  # a second person may


def test_the_database_refuses_an_approver_who_entered_the_claim(client, fresh_app):
    """The attack past the Python check: the approver set to the enterer in SQL."""
    import pytest
    from sqlalchemy.exc import IntegrityError
    _, person_id = flexible_seeker(client)
    county = staff_token(client, "county_xc")
    claim_id = client.post("/api/v1/money/claims", headers=auth(county), json={
        **claim_body(), "person_id": person_id, "consent_channel": "station_paper"}).get_json()["id"]
    with fresh_app.app_context():
        claim = db.session.get(Claim, claim_id)
        claim.approved_by_staff_id = claim.entered_by_staff_id
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_staff_entry_needs_the_claimants_consent(client):
    _, person_id = flexible_seeker(client)
    response = client.post("/api/v1/money/claims", headers=auth(staff_token(client, "station_xc")),
                           json={**claim_body(), "person_id": person_id})
    assert response.status_code == 422


def test_another_regions_staff_see_nothing(client):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    other = staff_token(client, "station_hlr")
    assert client.get(f"/api/v1/money/claims/{claim['id']}", headers=auth(other)).status_code == 404
    checked = client.post(f"/api/v1/money/claims/{claim['id']}/check", json={}, headers=auth(other))
    assert checked.status_code == 404 and error_code(checked) == "money.claim_not_found"
    listed = client.get("/api/v1/money/claims", headers=auth(other)).get_json()
    assert listed["total"] == 0


def test_return_with_a_reason_then_resubmit_then_refuse(client):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    no_reason = client.post(f"/api/v1/money/claims/{claim['id']}/return", json={},
                            headers=auth(staff_token(client, "station_xc")))
    assert no_reason.status_code == 422
    returned = act(client, "station_xc", claim["id"], "return", {"note": "缴费凭证不清晰"})
    assert returned["status"] == "returned" and returned["last_note"] == "缴费凭证不清晰"
    resubmitted = client.post(f"/api/v1/money/my/claims/{claim['id']}/resubmit",
                              json={"account_number": "6217000010009999888"}, headers=auth(token))
    assert resubmitted.status_code == 200 and resubmitted.get_json()["account"] == "****9888"
    act(client, "station_xc", claim["id"], "check")
    refused = act(client, "county_xc", claim["id"], "refuse", {"note": "未按规定缴纳社会保险费"})
    assert refused["status"] == "refused" and refused["lines"] == []
    again = client.post(f"/api/v1/money/claims/{claim['id']}/approve", json={},
                        headers=auth(staff_token(client, "county_xc")))
    assert again.status_code == 409 and error_code(again) == "money.claim_state"


def test_finance_confirms_where_the_region_asks(client, fresh_app):
    fresh_app.config["MONEY_FINANCE_CONFIRM_REGIONS"] = ("150102",)
    try:
        token, _ = flexible_seeker(client)
        claim = claim_myself(client, token)
        assert claim["steps"][-1] == "finance_confirm"
        act(client, "station_xc", claim["id"], "check")
        approved = act(client, "county_xc", claim["id"], "approve")
        assert {line["status"] for line in approved["lines"]} == {"held"}
        confirmed = act(client, "finance_xc", claim["id"], "confirm")
        assert confirmed["status"] == "confirmed"
        assert {line["status"] for line in confirmed["lines"]} == {"payable"}
    finally:
        fresh_app.config["MONEY_FINANCE_CONFIRM_REGIONS"] = ()


def test_the_person_sees_their_own_claims(client):
    token, _, claim = approved_claim(client)
    mine = client.get("/api/v1/money/my", headers=auth(token)).get_json()
    assert [c["id"] for c in mine["claims"]] == [claim["id"]]
    other = person_token(client, "lisi")
    assert client.get("/api/v1/money/my", headers=auth(other)).get_json()["claims"] == []
    resubmit = client.post(f"/api/v1/money/my/claims/{claim['id']}/resubmit", json={},
                           headers=auth(other))
    assert resubmit.status_code == 404


def test_no_line_is_written_twice_for_a_month(client, fresh_app):
    _, person_id, claim = approved_claim(client, months=2)
    with fresh_app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ClaimLine)
                                  .where(ClaimLine.person_id == person_id))
        assert count == 2


def test_the_three_year_pool_is_enforced_at_approval(client, fresh_app):
    """A man of 50 (far from retirement) whose pool fills up between claim and approval:
    the approval refuses the months past the 36-month cap."""
    from datetime import date

    from app.core.clock import local_today
    from app.core.months import add_months
    from tests.builders.people import id_number
    token, person_id = flexible_seeker(client, number=id_number("150102", date(1976, 3, 1), "031"))
    claim = claim_myself(client, token, months=3)
    act(client, "station_xc", claim["id"], "check")
    county = staff_token(client, "county_xc")
    first_of_month = local_today().replace(day=1)
    # 34 months of a public-welfare post, ended just before the claimed months: 2 are left.
    recorded = client.post(f"/api/v1/people/{person_id}/benefits", headers=auth(county), json={
        "policy": "public_welfare_post", "start": add_months(first_of_month, -36).isoformat(),
        "end": add_months(first_of_month, -2).isoformat()})
    assert recorded.status_code == 201, recorded.get_json()
    refused = client.post(f"/api/v1/money/claims/{claim['id']}/approve", json={}, headers=auth(county))
    assert refused.status_code == 422 and error_code(refused) == "money.clock_exhausted"
    assert len(refused.get_json()["error"]["details"]["payable_months"]) < 3
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClaimLine)) == 0


def test_the_overview_shows_claims_in_progress_and_stays_fresh(client):
    token, _ = flexible_seeker(client)
    assert client.get("/api/v1/me/overview", headers=auth(token)).get_json()["claims"] == []
    claim = claim_myself(client, token)
    shown = client.get("/api/v1/me/overview", headers=auth(token)).get_json()["claims"]
    assert [(c["id"], c["status"], c["current_step"]) for c in shown] == \
        [(claim["id"], "submitted", "station_check")]
    act(client, "station_xc", claim["id"], "check")
    shown = client.get("/api/v1/me/overview", headers=auth(token)).get_json()["claims"]
    assert shown[0]["status"] == "checked"  # the cached overview followed the step
