"""The employers' tax-relief proof: yes with the dates and a PDF whose QR code opens the
verification page; a refusal that says nothing about whether the person exists."""
import base64
import re
import zlib
from datetime import date, timedelta

import zxingcpp
from PIL import Image

from app.core.clock import local_today
from app.core.months import add_months
from tests.builders.http import auth, error_code, staff_token
from tests.builders.jobs import Staff
from tests.builders.people import id_number
from tests.partners.test_imports import WANG, as_csv, upload

CHECKS = "/api/v1/partners/tax-relief/checks"
UNEMPLOYMENT = ["身份证号码", "姓名", "所属社区（村）代码", "失业登记日期", "登记状态"]


def _setup(client, registered_months=8):
    county = staff_token(client, "county_xc")
    registered_on = add_months(local_today(), -registered_months)
    upload(client, county, as_csv([[WANG, "王建国", "150102001001", registered_on.isoformat(),
                                    "登记失业"]], header=UNEMPLOYMENT), source="unemployment")
    employer = Staff(client, "station_xc").new_employer(serial=41)
    return employer["id"], registered_on


def _ask(client, employer_id, number=WANG, name="王建国", token=None):
    return client.post(CHECKS, json={"employer_id": employer_id, "id_number": number,
                                     "name": name, "hired_on": local_today().isoformat(),
                                     "consent_channel": "station_paper"},
                       headers=auth(token or staff_token(client, "station_xc")))


def _qr_in_pdf(pdf):
    """Decode the one image reportlab wrote (ASCII85 then Flate, RGB) and read its QR."""
    header, data = re.search(rb"(<<[^>]*?/Subtype /Image.*?>>)\s*stream\n(.*?)endstream",
                             pdf, re.S).groups()
    width = int(re.search(rb"/Width (\d+)", header).group(1))
    height = int(re.search(rb"/Height (\d+)", header).group(1))
    raw = zlib.decompress(base64.a85decode(data.strip().removesuffix(b"~>"), adobe=False))
    [code] = zxingcpp.read_barcodes(Image.frombytes("RGB", (width, height), raw))
    return code.text


def test_a_person_registered_8_months_gets_a_proof_that_verifies(client):
    employer_id, registered_on = _setup(client)
    answer = _ask(client, employer_id)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    proof = body["proof"]
    assert body["eligible"] is True and proof["basis"] == "registered_unemployed"
    assert proof["registered_on"] == registered_on.isoformat()
    assert proof["person_name"] == "王**" and "*" in proof["person_id_number"]
    # The tax office checks the serial.
    tax = staff_token(client, "tax_xc")
    verified = client.get(f"/api/v1/partners/tax-relief/proofs/{proof['serial']}",
                          headers=auth(tax)).get_json()
    assert (verified["serial"], verified["valid"]) == (proof["serial"], True)
    # The PDF's QR code opens the public verification page.
    pdf = client.get(proof["pdf_url"], headers=auth(tax))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    url = _qr_in_pdf(pdf.data)
    assert url == proof["verify_url"]
    page = client.get(url.replace("http://localhost", ""))
    assert page.status_code == 200 and "此证明真实有效" in page.get_data(as_text=True)
    forged = client.get(f"/p/tax/{proof['serial']}?t=" + "0" * 32)
    assert forged.status_code == 404 and "未找到此证明" in forged.get_data(as_text=True)


def test_every_refusal_reads_the_same_whether_or_not_the_person_exists(client):
    employer_id, _ = _setup(client, registered_months=3)  # too short
    answers = [_ask(client, employer_id).get_json(),                       # exists, 3 months
               _ask(client, employer_id, name="王建").get_json(),           # wrong name
               _ask(client, employer_id, number=id_number("150102", date(1970, 1, 1), "999"),
                    name="无此人").get_json()]                               # unknown
    assert answers == [{"eligible": False, "proof": None}] * 3


def test_the_check_is_rate_limited_per_staff_member(client, fresh_app):
    employer_id, _ = _setup(client)
    fresh_app.config["RATELIMIT_TAX_CHECK_STAFF"] = "2/hour"
    try:
        token = staff_token(client, "station_xc")
        codes = [_ask(client, employer_id, name="某某", token=token).status_code for _ in range(3)]
    finally:
        fresh_app.config["RATELIMIT_TAX_CHECK_STAFF"] = "30/hour"
    assert codes == [200, 200, 429]


def test_only_caseworkers_ask_and_a_department_cannot_probe(client):
    employer_id, _ = _setup(client)
    for username in ("civil_xc", "tax_xc"):
        response = _ask(client, employer_id, token=staff_token(client, username))
        assert response.status_code == 403 and error_code(response) == "auth.forbidden"
    elsewhere = _ask(client, employer_id, token=staff_token(client, "station_hlr"))
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "jobs.employer_not_found"
    missing = client.get("/api/v1/partners/tax-relief/proofs/SJ20260000000099",
                         headers=auth(staff_token(client, "tax_xc")))
    assert missing.status_code == 404 and error_code(missing) == "partners.proof_not_found"
    late = client.post(CHECKS, json={"employer_id": employer_id, "id_number": WANG,
                                     "name": "王建国", "consent_channel": "station_paper",
                                     "hired_on": (local_today() + timedelta(120)).isoformat()},
                       headers=auth(staff_token(client, "station_xc")))
    assert late.status_code == 422 and error_code(late) == "partners.hire_too_far"
