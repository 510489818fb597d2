"""Subsidy claims through the real HTTP API: a certified job seeker in flexible employment
claims, staff check and approve, finance builds and reconciles batches."""
from app.core.clock import local_today
from app.core.months import add_months
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, staff_token
from tests.builders.people import OLDER_FACTS

FLEXIBLE = "social_insurance_subsidy_flexible"
ACCOUNT = "6217000010001234567"  # 19 digits, a bank card
FLEXIBLE_FACTS = {**OLDER_FACTS, "employment_status": "flexible"}


def months_back(count):
    """(first, last): the `count` months up to the current one (Beijing date)."""
    this = local_today().replace(day=1)
    return add_months(this, -(count - 1)), this


def flexible_seeker(client, login="zhangsan", **kwargs):
    """(token, person id): certified (older category), in flexible employment."""
    return certified_seeker(client, login, facts=kwargs.pop("facts", FLEXIBLE_FACTS), **kwargs)


def claim_body(months=3, policy=FLEXIBLE, **extra):
    first, last = months_back(months)
    return {"policy": policy, "month_from": first.isoformat(), "month_to": last.isoformat(),
            "account_number": ACCOUNT, "account_bank": "中国银行新城支行", **extra}


def claim_myself(client, token, expect=201, **body):
    response = client.post("/api/v1/money/my/claims", json=claim_body(**body), headers=auth(token))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def act(client, staff, claim_id, action, body=None, expect=200):
    response = client.post(f"/api/v1/money/claims/{claim_id}/{action}", json=body or {},
                           headers=auth(staff_token(client, staff)))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def approved_claim(client, login="zhangsan", months=3):
    """(token, person id, claim): claimed by the person, checked and approved."""
    token, person_id = flexible_seeker(client, login)
    claim = claim_myself(client, token, months=months)
    act(client, "station_xc", claim["id"], "check")
    return token, person_id, act(client, "county_xc", claim["id"], "approve")
