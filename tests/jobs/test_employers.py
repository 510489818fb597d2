"""Employers: credit codes, scope, masked and encrypted contacts, audited reveal."""
from sqlalchemy import select, text

from app.audit.models import AuditEntry
from tests.builders.http import error_code
from tests.builders.jobs import Staff, credit_code, employer_body


def test_staff_register_an_employer_with_masked_contact(client, fresh_app):
    county = Staff(client, "county_xc")
    body = county.new_employer(1, kind="sole_proprietor")
    assert body["credit_code"] == credit_code(1)
    assert body["kind_label"] == "个体工商户"
    assert body["contact_phone"] == "139****5678" and body["contact_name"] == "韩**"
    from app.extensions import db
    with fresh_app.app_context():
        raw = db.session.execute(text("SELECT contact_phone, contact_name FROM employers "
                                      "WHERE id = :id"), {"id": body["id"]}).one()
        assert "13912345678" not in raw[0] and "韩梅梅" not in raw[1]
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "jobs.employer_created" in actions


def test_contact_reveal_is_audited(client, fresh_app):
    county = Staff(client, "county_xc")
    employer = county.new_employer(2)
    revealed = county.get(f"/employers/{employer['id']}/contact").get_json()
    assert revealed["contact_phone"] == "13912345678" and revealed["contact_name"] == "韩梅梅"
    from app.extensions import db
    with fresh_app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "jobs.employer_contact_revealed"))
        assert entry.target_id == str(employer["id"]) and entry.actor_type == "staff"


def test_invalid_credit_codes_are_clear_422s(client):
    county = Staff(client, "county_xc")
    good = credit_code(3)
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    for code, reason in ((bad_check, "check"), (good.lower(), "character"),
                         (good[:8] + "I" + good[9:], "character"), (good[:17], "length")):
        response = county.post("/employers", employer_body(3, credit_code=code))
        assert response.status_code == 422, code
        assert error_code(response) == "jobs.credit_code_invalid"
        assert response.get_json()["error"]["details"]["reason"] == reason


def test_a_credit_code_is_trimmed_like_an_id_number(client):
    county = Staff(client, "county_xc")
    response = county.post("/employers", employer_body(5, credit_code=f"  {credit_code(5)}\t"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["credit_code"] == credit_code(5)
    again = county.post("/employers", employer_body(5, credit_code=credit_code(5) + " "))
    assert again.status_code == 409 and error_code(again) == "jobs.employer_duplicate"


def test_a_credit_code_is_registered_once(client):
    county = Staff(client, "county_xc")
    county.new_employer(4)
    again = county.post("/employers", employer_body(4, name="另一个名字"))
    assert again.status_code == 409 and error_code(again) == "jobs.employer_duplicate"


def test_employers_stay_inside_the_region_subtree(client):
    county = Staff(client, "county_xc")
    employer = county.new_employer(5)
    hailar = Staff(client, "station_hlr")
    for response in (hailar.get(f"/employers/{employer['id']}"),
                     hailar.get(f"/employers/{employer['id']}/contact"),
                     hailar.patch(f"/employers/{employer['id']}", {"name": "改名企业"})):
        assert response.status_code == 404 and error_code(response) == "jobs.employer_not_found"
    outside = hailar.post("/employers", employer_body(6, region_code="150102001001"))
    assert outside.status_code == 422 and error_code(outside) == "jobs.region_out_of_scope"
    coarse = county.post("/employers", employer_body(7, region_code="150100"))
    assert error_code(coarse) == "jobs.region_out_of_scope"
    city = Staff(client, "city_hhht")
    league_level = city.post("/employers", employer_body(7, region_code="150100"))
    assert error_code(league_level) == "jobs.region_too_coarse"
    unknown = city.post("/employers", employer_body(7, region_code="150199"))
    assert error_code(unknown) == "jobs.region_unknown"
    names = [e["name"] for e in hailar.get("/employers").get_json()["items"]]
    assert names and not any("新城区" in n or "测试" in n for n in names)


def test_update_and_list_employers(client):
    county = Staff(client, "county_xc")
    employer = county.new_employer(8)
    updated = county.patch(f"/employers/{employer['id']}",
                           {"name": "暖心便民超市", "contact_phone": "0471-6901234"})
    assert updated.status_code == 200 and updated.get_json()["name"] == "暖心便民超市"
    refused = county.patch(f"/employers/{employer['id']}", {"credit_code": credit_code(9)})
    assert refused.status_code == 422  # the code and region are not editable
    page = county.get("/employers", query_string={"name": "暖心", "per_page": 1}).get_json()
    assert page["per_page"] == 1 and page["total"] >= 2 and len(page["items"]) == 1
    assert county.get("/employers", query_string={"per_page": 101}).status_code == 422
    other = county.get("/employers", query_string={"region_code": "150702"})
    assert other.status_code == 404


def test_roles_without_jobs_permission_are_refused(client):
    auditor = Staff(client, "auditor")
    response = auditor.post("/employers", employer_body(10, region_code="150102001001"))
    assert response.status_code == 403
    assert Staff(client, "security_admin").get("/vacancies").status_code == 403
