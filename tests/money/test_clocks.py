"""The extension to retirement and the exit at retirement, enforced at approval: a person
who first enjoyed a social-insurance subsidy within 5 years of retirement keeps it to
retirement past the 3-year pool; no month from retirement on is paid."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.core.clock import local_today
from app.core.months import add_months, months_between
from app.extensions import db
from app.money.models import ClaimLine
from app.people.models import Person
from app.policies.retirement import candidate_groups
from tests.builders.http import auth, error_code, staff_token
from tests.builders.money import act, claim_myself, flexible_seeker
from tests.builders.people import id_number

MALE = candidate_groups("male")[0]


def _used_34_months(client, person_id):
    """34 months of a public-welfare post, ended just before the claimed months."""
    first_of_month = local_today().replace(day=1)
    start = add_months(first_of_month, -36)
    recorded = client.post(f"/api/v1/people/{person_id}/benefits",
                           headers=auth(staff_token(client, "county_xc")), json={
                               "policy": "public_welfare_post", "start": start.isoformat(),
                               "end": add_months(first_of_month, -2).isoformat()})
    assert recorded.status_code == 201, recorded.get_json()
    return start


def test_near_retirement_the_subsidy_runs_past_the_pool_to_retirement(client, fresh_app):
    born = date(local_today().year - 59, 6, 1)  # 59 or 58: of working age
    token, person_id = flexible_seeker(client, number=id_number("150102", born, "031"))
    claim = claim_myself(client, token, months=3)
    act(client, "station_xc", claim["id"], "check")
    start = _used_34_months(client, person_id)
    retirement = MALE.retirement_date(born)
    assert months_between(start, retirement) <= 60  # first enjoyed within 5 years of it
    approved = act(client, "county_xc", claim["id"], "approve")
    assert len(approved["lines"]) == 3  # 34 + 3 months: past the 36-month pool, still paid


def test_months_from_retirement_on_are_refused_at_approval(client, fresh_app):
    born = date(local_today().year - 59, 6, 1)
    token, person_id = flexible_seeker(client, number=id_number("150102", born, "033"))
    claim = claim_myself(client, token, months=3)
    act(client, "station_xc", claim["id"], "check")
    # The birth date is corrected after the claim: the person retired in the middle of the
    # claim's second month (the statutory date for the corrected birth date).
    second = add_months(local_today().replace(day=1), -1)
    corrected = next(d for d in (date(1958, 1, 1) + timedelta(days=n) for n in range(6000))
                     if second < MALE.retirement_date(d) < add_months(second, 1))
    with fresh_app.app_context():
        db.session.get(Person, person_id).birth_date = corrected
        db.session.commit()
        db.session.remove()
    refused = client.post(f"/api/v1/money/claims/{claim['id']}/approve", json={},
                          headers=auth(staff_token(client, "county_xc")))
    assert refused.status_code == 422 and error_code(refused) == "money.clock_exhausted"
    assert refused.get_json()["error"]["details"]["payable_months"] == [
        add_months(second, -1).isoformat()[:7], second.isoformat()[:7]]
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClaimLine)) == 0
