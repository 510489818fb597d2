"""The guaranteed-loan interest subsidy: one claim per loan quarter, the subsidy the share
of the interest paid above the borrower's rate (LPR minus 1.5 points, catalog 2025.2), in
fen; overdue or extended loans get none; a quarter is never paid twice."""
from decimal import ROUND_HALF_UP, Decimal

from app.core.clock import local_today
from app.core.months import add_months
from app.money.payrules import quarter_start
from tests.builders.http import auth, error_code
from tests.builders.money import act, flexible_seeker
from tests.builders.people import OLDER_FACTS

LOAN = "startup_guaranteed_loan"
STARTER_FACTS = {**OLDER_FACTS, "employment_status": "flexible", "wants": ["job", "startup"]}


def last_quarter():
    return add_months(quarter_start(local_today()), -3)


def loan_claim(client, token, expect=201, **loan):
    body = {"policy": LOAN, "month_from": last_quarter().isoformat(),
            "account_number": "6217000010001234567", "account_bank": "中国银行新城支行",
            "loan": {"principal": "100000.00", "annual_rate": "3.45", "interest_paid": "862.50",
                     "bank_loan_no": "DB2026-0001", **loan}}
    response = client.post("/api/v1/money/my/claims", json=body, headers=auth(token))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_a_loan_quarter_is_subsidised_above_the_borrowers_rate(client):
    token, _ = flexible_seeker(client, facts=STARTER_FACTS)
    claim = loan_claim(client, token)
    # 862.50 yuan × (3.45 − (3.0 − 1.5)) / 3.45, in fen, half up.
    expected = int((Decimal(86250) * Decimal("1.95") / Decimal("3.45"))
                   .quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    assert claim["amount_fen"] == expected == 48750
    assert claim["periods"] == 1 and claim["month_from"] == last_quarter().isoformat()
    assert claim["loan"]["annual_rate"] == "3.45" and claim["catalog_version"] == "2025.2"
    act(client, "station_xc", claim["id"], "check", policy=LOAN)
    approved = act(client, "county_xc", claim["id"], "approve")
    assert [(line["period"], line["amount_fen"]) for line in approved["lines"]] == [
        (last_quarter().isoformat(), 48750)]
    again = loan_claim(client, token, expect=409)
    assert again["error"]["code"] == "money.period_claimed"


def test_a_loan_above_the_ceiling_is_subsidised_up_to_it(client):
    token, _ = flexible_seeker(client, facts=STARTER_FACTS)
    claim = loan_claim(client, token, principal="400000.00", interest_paid="3450.00")
    # Half the loan is above the 200,000 yuan ceiling: half the subsidy.
    assert claim["amount_fen"] == int(Decimal(345000) * Decimal("1.95") / Decimal("3.45") / 2)


def test_loans_the_policy_does_not_subsidise_are_refused_and_nothing_is_stored(client):
    token, _ = flexible_seeker(client, facts=STARTER_FACTS)
    cases = [({"overdue": True}, 422, "money.loan_not_subsidised"),
             ({"extended": True}, 422, "money.loan_not_subsidised"),
             ({"annual_rate": "1.2", "interest_paid": "250.00"}, 422, "money.no_interest_subsidy"),
             ({"interest_paid": "9000.00"}, 422, "money.interest_implausible"),
             ({"interest_paid": "0"}, 422, "money.nothing_due"),
             ({"principal": "-5"}, 422, "request.invalid"),
             ({"annual_rate": "3,45"}, 422, "request.invalid"),
             ({"interest_paid": 862.5}, 422, "request.invalid")]
    for loan, status, code in cases:
        answer = loan_claim(client, token, expect=status, **loan)
        assert answer["error"]["code"] == code, loan
    no_loan = client.post("/api/v1/money/my/claims", headers=auth(token), json={
        "policy": LOAN, "month_from": last_quarter().isoformat(),
        "account_number": "6217000010001234567", "account_bank": "中国银行新城支行"})
    assert no_loan.status_code == 422 and error_code(no_loan) == "money.loan_required"
    future = client.post("/api/v1/money/my/claims", headers=auth(token), json={
        "policy": LOAN, "month_from": add_months(local_today(), 3).isoformat(),
        "account_number": "6217000010001234567", "account_bank": "中国银行新城支行",
        "loan": {"principal": "1000", "annual_rate": "3.45", "interest_paid": "1"}})
    assert future.status_code == 422 and error_code(future) == "money.months_future"
    mine = client.get("/api/v1/money/my", headers=auth(token)).get_json()
    assert mine["claims"] == []


def test_a_loan_is_only_for_the_loan_interest_subsidy(client):
    token, _ = flexible_seeker(client)
    response = client.post("/api/v1/money/my/claims", headers=auth(token), json={
        "policy": "social_insurance_subsidy_flexible", "month_from": local_today().isoformat(),
        "month_to": local_today().isoformat(), "account_number": "6217000010001234567",
        "account_bank": "中国银行新城支行",
        "loan": {"principal": "1000", "annual_rate": "3.45", "interest_paid": "1"}})
    assert response.status_code == 422 and error_code(response) == "money.loan_not_allowed"


def test_a_catalog_without_the_amounts_refuses_rather_than_guessing(db_session):
    """Catalog 2025.1 (still in force for dates before 2026-12-01) sets none of these
    amounts: a claim priced by it is refused with a stable code, never a 500."""
    import pytest

    from app.money.claims import _amounts
    from app.money.payrules import PAY_RULES, RuleError
    from app.policies.catalog import shipped_catalog
    old = shipped_catalog("2025.1")
    period = [last_quarter()]
    loan = {"principal": "1000", "annual_rate": "3.45", "interest_paid": "1"}
    for policy, given in (("startup_guaranteed_loan", loan),
                          ("social_insurance_subsidy_flexible", None),
                          ("one_time_startup_subsidy", None)):
        with pytest.raises(RuleError) as refused:
            _amounts(old, PAY_RULES[policy], policy, "150102001001", period, given)
        assert refused.value.code == "money.amount_unset", policy
