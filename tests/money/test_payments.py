"""Funds, batches, exports and reconciliation through the HTTP API."""
import csv
import io

from openpyxl import load_workbook

from app.core.clock import local_today
from app.core.months import add_months
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import older_man_id
from tests.builders.money import (ACCOUNT, approved_claim, build, demo_fund, return_file)

SEEDED = 5_000_000


def _batch(client, batch_id, token):
    return client.get(f"/api/v1/money/batches/{batch_id}", headers=auth(token)).get_json()


def _approve(client, batch_id):
    response = client.post(f"/api/v1/money/batches/{batch_id}/approve",
                           headers=auth(staff_token(client, "finance_xc2")))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _send(client, batch_id, token):
    _approve(client, batch_id)
    response = client.post(f"/api/v1/money/batches/{batch_id}/send", headers=auth(token))
    assert response.status_code == 200, response.get_json()


def _reconcile(client, batch_id, token, content, expect=200):
    response = client.post(f"/api/v1/money/batches/{batch_id}/reconcile", headers=auth(token),
                           json={"content": content})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_a_batch_pays_approved_lines_and_the_fund_balance_follows(client):
    _, _, claim = approved_claim(client)
    finance = staff_token(client, "finance_xc")
    assert demo_fund(client, finance)["balance_fen"] == SEEDED
    batch = build(client, token=finance)
    assert batch["line_count"] == 3 and batch["total_fen"] == claim["amount_fen"]
    assert batch["checksum"].startswith("sha256:")
    assert demo_fund(client, finance)["balance_fen"] == SEEDED - claim["amount_fen"]
    # Nothing left: a second build finds nothing, and the fund is not touched again.
    again = build(client, expect=409, token=finance)
    assert again["error"]["code"] == "money.nothing_to_batch"
    detail = _batch(client, batch["id"], finance)
    assert {p["account"] for p in detail["payments"]} == {"****4567"}
    assert {p["payee"] for p in detail["payments"]} == {"张*"}


def test_export_csv_and_xlsx_carry_header_checksum_masked_names_and_accounts(client):
    approved_claim(client)
    finance = staff_token(client, "finance_xc")
    batch = build(client, token=finance)
    early = client.get(f"/api/v1/money/batches/{batch['id']}/export", headers=auth(finance))
    assert early.status_code == 409 and error_code(early) == "money.batch_not_approved"
    own = client.post(f"/api/v1/money/batches/{batch['id']}/approve", headers=auth(finance))
    assert own.status_code == 403 and error_code(own) == "money.second_person_required"
    assert _approve(client, batch["id"])["status"] == "approved"
    csv_file = client.get(f"/api/v1/money/batches/{batch['id']}/export?format=csv",
                          headers=auth(finance))
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_file.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["batch_no", batch["batch_no"]]
    assert rows[1] == ["line_count", "3"] and rows[2] == ["total", "1440.00"]
    assert rows[3] == ["checksum", batch["checksum"]]
    assert rows[4][:3] == ["payment_id", "payee_name", "account_number"]
    assert {r[1] for r in rows[5:]} == {"张*"} and {r[2] for r in rows[5:]} == {ACCOUNT}
    xlsx = client.get(f"/api/v1/money/batches/{batch['id']}/export?format=xlsx",
                      headers=auth(finance))
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["batch_no", batch["batch_no"]] and values[3][1] == batch["checksum"]
    assert values[5][2] == ACCOUNT and values[5][4] == "480.00"
    # Not finance: no export, and another region's batch does not exist.
    assert client.get(f"/api/v1/money/batches/{batch['id']}/export",
                      headers=auth(staff_token(client, "county_xc"))).status_code == 403
    bad = client.get(f"/api/v1/money/batches/{batch['id']}/export?format=pdf", headers=auth(finance))
    assert bad.status_code == 422


def test_reconcile_partly_paid_then_the_corrected_line_is_paid_in_the_next_batch(client):
    approved_claim(client)
    finance = staff_token(client, "finance_xc")
    batch = build(client, token=finance)
    _send(client, batch["id"], finance)
    payments = _batch(client, batch["id"], finance)["payments"]
    first, second, third = (p["id"] for p in payments)
    content = return_file([(first, "paid", "480.00", ""), (second, "paid", "480.00", ""),
                           (third, "failed", "480.00", "账户已销户"), (999999, "paid", "1.00", ""),
                           (first, "paid", "480.00", "")])
    result = _reconcile(client, batch["id"], finance, content)
    assert (result["paid"], result["failed"]) == (2, 1)
    assert {e["code"] for e in result["errors"]} == {"unknown", "duplicate"}
    assert result["batch"]["status"] == "reconciled"
    # The failed line's money went back to the fund.
    assert demo_fund(client, finance)["balance_fen"] == SEEDED - 2 * 48000
    # The same file again is refused; a conflicting outcome is reported, never applied.
    assert _reconcile(client, batch["id"], finance, content, expect=409)["error"]["code"] == \
        "money.return_duplicate"
    flip = _reconcile(client, batch["id"], finance, return_file([(first, "failed", "480.00", "x")]))
    assert [e["code"] for e in flip["errors"]] == ["conflicting"] and flip["failed"] == 0
    # A paid payment cannot be "corrected"; the failed one can, once.
    station = staff_token(client, "station_xc")
    assert client.post(f"/api/v1/money/payments/{first}/correct", headers=auth(station),
                       json={"account_number": "6217000010007654321", "account_bank": "农行"}
                       ).status_code == 409
    corrected = client.post(f"/api/v1/money/payments/{third}/correct", headers=auth(station),
                            json={"account_number": "6217000010007654321", "account_bank": "农行"})
    assert corrected.status_code == 200 and corrected.get_json()["status"] == "payable"
    retry = build(client, token=finance)
    assert retry["line_count"] == 1 and retry["total_fen"] == 48000
    retry_payment = _batch(client, retry["id"], finance)["payments"][0]
    assert retry_payment["attempt"] == 2 and retry_payment["account"] == "****4321"
    _send(client, retry["id"], finance)
    _reconcile(client, retry["id"], finance,
               return_file([(retry_payment["id"], "failed", "480.00", "户名不符")]))
    # A second failure is not re-batched again: it needs a look offline.
    twice = client.post(f"/api/v1/money/payments/{retry_payment['id']}/correct",
                        headers=auth(station),
                        json={"account_number": "6217000010001111222", "account_bank": "农行"})
    assert twice.status_code == 409 and error_code(twice) == "money.rebatch_used"
    assert demo_fund(client, finance)["balance_fen"] == SEEDED - 2 * 48000


def test_reconcile_refuses_an_unsent_batch_and_a_wrong_amount(client):
    approved_claim(client, months=1)
    finance = staff_token(client, "finance_xc")
    batch = build(client, token=finance)
    payment = _batch(client, batch["id"], finance)["payments"][0]
    content = return_file([(payment["id"], "paid", "1.00", "")])
    assert _reconcile(client, batch["id"], finance, content, expect=409)["error"]["code"] == \
        "money.batch_state"
    unapproved = client.post(f"/api/v1/money/batches/{batch['id']}/send", headers=auth(finance))
    assert unapproved.status_code == 409
    _send(client, batch["id"], finance)
    again = client.post(f"/api/v1/money/batches/{batch['id']}/send", headers=auth(finance))
    assert again.status_code == 409
    result = _reconcile(client, batch["id"], finance, content)
    assert result["paid"] == 0 and [e["code"] for e in result["errors"]] == ["amount_mismatch"]
    bad = _reconcile(client, batch["id"], finance, "nonsense,header\n1,2\n")
    assert [e["code"] for e in bad["errors"]] == ["bad_header"]


def test_a_batch_that_would_overdraw_the_fund_is_refused(client):
    finance = staff_token(client, "finance_xc")
    fund = demo_fund(client, finance)
    approved_claim(client, months=3)
    # Spend the fund down through a first batch, then find it short for the next one.
    build(client, token=finance)
    left = demo_fund(client, finance)["balance_fen"]
    assert left == fund["balance_fen"] - 144000
    from app.extensions import db
    from app.money.models import LedgerEntry
    with client.application.app_context():  # finance moves almost everything elsewhere
        db.session.add(LedgerEntry(fund_id=fund["id"], kind="allocation", posted_on=local_today(),
                                   from_account=f"fund:{fund['id']}", to_account="finance:150102",
                                   amount_fen=left - 100, created_by="test"))
        db.session.commit()
    approved_claim(client, login="lisi", months=1, number=older_man_id("041"))
    refused = build(client, expect=409, token=finance)
    assert refused["error"]["code"] == "money.fund_overdrawn"
    assert demo_fund(client, finance)["balance_fen"] == 100


def test_balance_at_any_date_and_allocations(client):
    finance = staff_token(client, "finance_xc")
    fund = demo_fund(client, finance)
    today = local_today()
    response = client.post(f"/api/v1/money/funds/{fund['id']}/allocations", headers=auth(finance),
                           json={"amount_fen": 100000, "reference": "XC-2026-Q4"})
    assert response.status_code == 201 and response.get_json()["balance_fen"] == SEEDED + 100000
    yesterday = add_months(today, -1)
    past = client.get(f"/api/v1/money/funds/{fund['id']}?on={yesterday.isoformat()}",
                      headers=auth(finance)).get_json()
    assert past["balance_fen"] == 0  # the seed allocation is posted today
    future = client.post(f"/api/v1/money/funds/{fund['id']}/allocations", headers=auth(finance),
                         json={"amount_fen": 1, "reference": "XX", "posted_on": "2999-01-01"})
    assert future.status_code == 422
    for bad in ({"amount_fen": 0, "reference": "XC"}, {"amount_fen": -5, "reference": "XC"},
                {"amount_fen": 1.5, "reference": "XC"}, {"amount_fen": 10}):
        assert client.post(f"/api/v1/money/funds/{fund['id']}/allocations", headers=auth(finance),
                           json=bad).status_code == 422
    county = staff_token(client, "county_xc")
    assert client.post(f"/api/v1/money/funds/{fund['id']}/allocations", headers=auth(county),
                       json={"amount_fen": 1, "reference": "XC"}).status_code == 403
    other = staff_token(client, "station_hlr")
    assert client.get(f"/api/v1/money/funds/{fund['id']}", headers=auth(other)).status_code == 403


def test_monthly_figures_per_policy_count_claims_approved_and_paid(client):
    _, _, claim = approved_claim(client, months=1)
    finance = staff_token(client, "finance_xc")
    batch = build(client, token=finance)
    _send(client, batch["id"], finance)
    payment = _batch(client, batch["id"], finance)["payments"][0]
    _reconcile(client, batch["id"], finance, return_file([(payment["id"], "paid", "480.00", "")]))
    auditor = staff_token(client, "auditor")
    figures = client.get(f"/api/v1/money/figures?month={local_today().isoformat()}",
                         headers=auth(auditor)).get_json()
    assert figures["items"] == [{"policy": claim["policy"], "claims": 1, "approved_lines": 1,
                                 "approved_fen": 48000, "paid_lines": 1, "paid_fen": 48000}]
    other = client.get(f"/api/v1/money/figures?month={local_today().isoformat()}",
                       headers=auth(staff_token(client, "station_hlr"))).get_json()
    assert other["items"] == []
