"""Subsidy claims through the real HTTP API: a certified job seeker in flexible employment
claims, uploads the materials, staff check and approve, finance builds and reconciles
batches."""
from io import BytesIO

from PIL import Image

from app.money.payrules import MATERIALS
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


def jpeg_bytes():
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def upload_material(client, claim_id, kind, token=None, expect=201, data=None,
                    name="receipt.jpg", content_type="image/jpeg", staff="station_xc"):
    """A material of a claim uploaded at the station (or by the person, given their
    token)."""
    path = f"/api/v1/money/claims/{claim_id}/evidence"
    if token is not None:
        path = f"/api/v1/money/my/claims/{claim_id}/evidence"
    response = client.post(path, headers=auth(token or staff_token(client, staff)),
                           data={"kind": kind, "file": (BytesIO(data or jpeg_bytes()), name,
                                                        content_type)},
                           content_type="multipart/form-data")
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def upload_materials(client, claim):
    """Every material the claim's policy asks for, uploaded at the station."""
    for kind in MATERIALS[claim["policy"]]:
        if kind not in {e["kind"] for e in claim.get("evidence", [])}:
            upload_material(client, claim["id"], kind)


def act(client, staff, claim_id, action, body=None, expect=200, policy=FLEXIBLE):
    """One step of a claim; before the station check its materials are uploaded (a test
    of missing materials posts the check itself)."""
    if action == "check" and expect == 200:
        upload_materials(client, {"id": claim_id, "policy": policy})
    response = client.post(f"/api/v1/money/claims/{claim_id}/{action}", json=body or {},
                           headers=auth(staff_token(client, staff)))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def approved_claim(client, login="zhangsan", months=3, **kwargs):
    """(token, person id, claim): claimed by the person, checked and approved. Another
    login needs another ID number (`number=older_man_id("041")`)."""
    token, person_id = flexible_seeker(client, login, **kwargs)
    claim = claim_myself(client, token, months=months)
    act(client, "station_xc", claim["id"], "check")
    return token, person_id, act(client, "county_xc", claim["id"], "approve")


def demo_fund(client, token=None):
    """The seeded 新城区 employment fund as finance sees it."""
    token = token or staff_token(client, "finance_xc")
    funds = client.get("/api/v1/money/funds", headers=auth(token)).get_json()
    return next(f for f in funds if f["region_code"] == "150102")


def build(client, expect=201, region_code="150102", token=None):
    response = client.post("/api/v1/money/batches", headers=auth(token or staff_token(client, "finance_xc")),
                           json={"region_code": region_code, "fund_source": "employment_fund",
                                 "payee_type": "person"})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def return_file(rows):
    """A bank return file: rows of (payment id, status, amount text, reason)."""
    lines = ["payment_id,status,amount,bank_ref,reason"]
    lines += [f"{pid},{status},{amount},BR{pid},{reason}" for pid, status, amount, reason in rows]
    return "\n".join(lines) + "\n"
