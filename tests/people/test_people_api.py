"""People over HTTP: self-registration, ID validation, masking, reveal, scope, consent."""
from datetime import date, timedelta

from sqlalchemy import text

from app.core.clock import local_today
from app.audit.models import AuditEntry
from app.extensions import db
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.people import (NOTICE, OLDER_FACTS, create_person, id_number, older_man_id,
                                   register_self, verify_at_station)


def test_self_registration_is_masked_and_derives_birth_date_and_gender(client):
    token = person_token(client, "zhangsan")
    body = register_self(client, token, name="张三丰")
    assert body["name"] == "张**"
    assert body["id_number"] == older_man_id()[:3] + "*" * 11 + older_man_id()[-4:]
    assert body["gender"] == "male" and body["age"] >= 58
    assert "birth_date" not in body
    assert client.get("/api/v1/people/me", headers=auth(token)).get_json()["id"] == body["id"]


def test_invalid_id_numbers_are_refused_with_stable_codes_and_nothing_saved(client):
    token = person_token(client, "zhangsan")
    good = older_man_id()
    future = local_today() + timedelta(days=400)
    cases = {
        "people.id_number_checksum": good[:17] + ("0" if good[17] != "0" else "1"),
        "people.id_number_birth_date": id_number("150102", date(1969, 3, 1), "031")
        .replace("19690301", "19690230"),
        "people.id_number_future_birth_date": id_number("150102", future, "031"),
        "people.id_number_early_birth_date": id_number("150102", date(1849, 12, 31), "031"),
        "people.id_number_format": "15010219690315O31X",
    }
    for code, number in cases.items():
        response = register_self(client, token, number=number, expect=422)
        assert response["error"]["code"] == code
    early = register_self(client, token, expect=422,
                          number=cases["people.id_number_early_birth_date"])
    assert early["error"]["message"] == "身份证号码中的出生年份早于1850年，请核对"
    missing = client.get("/api/v1/people/me", headers=auth(token))
    assert missing.status_code == 404 and error_code(missing) == "people.profile_missing"


def test_residence_must_be_in_inner_mongolia(client):
    token = person_token(client, "zhangsan")
    body = register_self(client, token, residence="110105001", expect=422)
    assert body["error"]["code"] == "people.residence_outside_inner_mongolia"
    body = register_self(client, token, residence="159999", expect=422)
    assert body["error"]["code"] == "people.residence_unknown"


def test_no_consent_no_data(client):
    token = person_token(client, "zhangsan")
    body = {"name": "张三", "id_number": older_man_id(), "residence_region_code": "150102001001"}
    response = client.put("/api/v1/people/me", json=body, headers=auth(token))
    assert response.status_code == 422
    assert error_code(response) == "people.legal_basis_required"
    body["consent"] = {"notice_version": "2019-01"}
    response = client.put("/api/v1/people/me", json=body, headers=auth(token))
    assert error_code(response) == "people.notice_outdated"
    assert client.get("/api/v1/people/me", headers=auth(token)).status_code == 404


def test_unknown_fields_are_refused(client):
    token = person_token(client, "zhangsan")
    body = {"name": "张三", "id_number": older_man_id(), "residence_region_code": "150102001001",
            "consent": {"notice_version": NOTICE}, "person_account_id": 1}
    response = client.put("/api/v1/people/me", json=body, headers=auth(token))
    assert response.status_code == 422


def test_data_is_encrypted_at_rest_and_found_by_blind_index(client, fresh_app):
    staff = staff_token(client, "station_xc")
    number = older_man_id("051")
    created = create_person(client, staff, name="王五", number=number, phone="13812345678",
                            facts={**OLDER_FACTS, "dibao": True, "disability_certificate": True})
    with fresh_app.app_context():
        raw = db.session.execute(text(
            "SELECT name, id_number, phone, sensitive_sealed FROM persons WHERE id = :id"),
            {"id": created["id"]}).one()
    stored = " ".join(raw)
    for secret in (number, "13812345678", "王五", "dibao"):
        assert secret not in stored
    found = client.post("/api/v1/people/lookup", json={"id_number": number.lower()},
                        headers=auth(staff))
    assert found.status_code == 200 and found.get_json()["id"] == created["id"]
    assert found.get_json()["dibao"] is True


def test_duplicate_id_number_is_refused_and_linking_needs_matching_phone(client, wechat):
    staff = staff_token(client, "station_xc")
    number = older_man_id("051")
    create_person(client, staff, name="王五", number=number, phone="13812345678")
    again = create_person(client, staff, name="王五", number=number, expect=409)
    assert again["error"]["code"] == "people.duplicate_id_number"
    assert again["error"]["details"] == {}  # the same answer in scope and out of it

    stranger = person_token(client, "stranger")
    response = register_self(client, stranger, name="王五", number=number, expect=409)
    assert response["error"]["code"] == "people.duplicate_id_number"

    owner = person_token(client, "wangwu")
    bound = client.post("/api/v1/auth/wechat/phone", headers=auth(owner),
                        json={"code": "demo-phone-13812345678", "privacy_notice_version": NOTICE})
    assert bound.status_code == 200
    linked = register_self(client, owner, name="王五", number=number)
    assert linked["has_wechat"] is True and linked["phone"] == "138****5678"


def test_reveal_needs_permission_writes_audit_and_stays_in_scope(client, fresh_app):
    staff = staff_token(client, "station_xc")
    number = older_man_id("051")
    person = create_person(client, staff, number=number, phone="13812345678")
    url = f"/api/v1/people/{person['id']}/reveal"
    body = {"field": "id_number", "purpose": "核对身份证原件"}
    revealed = client.post(url, json=body, headers=auth(staff))
    assert revealed.status_code == 200 and revealed.get_json()["value"] == number
    assert client.post(url, json=body, headers=auth(staff_token(client, "auditor"))
                       ).status_code == 403
    other = client.post(url, json=body, headers=auth(staff_token(client, "station_hlr")))
    assert other.status_code == 404
    with fresh_app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "person.revealed")).all()
    assert len(entries) == 1 and entries[0].details == {"field": "id_number",
                                                        "purpose": "核对身份证原件"}
    assert number not in str(entries[0].details)


def test_another_regions_person_is_not_found(client):
    person = create_person(client, staff_token(client, "station_xc"))
    url = f"/api/v1/people/{person['id']}"
    assert client.get(url, headers=auth(staff_token(client, "township_xc"))).status_code == 200
    assert client.get(url, headers=auth(staff_token(client, "county_xc"))).status_code == 200
    hidden = client.get(url, headers=auth(staff_token(client, "station_hlr")))
    assert hidden.status_code == 404 and error_code(hidden) == "people.not_found"
    outside = create_person(client, staff_token(client, "station_xc"), residence="150702001001",
                            number=older_man_id("071"), expect=404)
    assert outside["error"]["code"] == "region.not_found"


def test_household_minor_needs_guardian_and_zero_employment_is_recognised(client):
    token = person_token(client, "zhangsan")
    register_self(client, token)
    spouse = {"name": "李梅", "relation": "spouse", "birth_date": "1972-03-01", "gender": "female",
              "employment_status": "unemployed", "registered_unemployed": True,
              "able_to_work": True, "willing_to_work": True}
    child = {"name": "张小", "relation": "child", "birth_date": "2016-05-01", "gender": "male",
             "employment_status": "student", "registered_unemployed": False,
             "able_to_work": False, "willing_to_work": False}
    body = {"registered_size": 3, "business_income": False, "members": [spouse, child]}
    refused = client.put("/api/v1/people/me/household", json=body, headers=auth(token))
    assert refused.status_code == 422 and error_code(refused) == "people.guardian_required"
    assert client.get("/api/v1/people/me/household", headers=auth(token)
                      ).get_json()["members"] == []
    child["guardian"] = {"name": "张三", "relation": "parent", "notice_version": NOTICE}
    saved = client.put("/api/v1/people/me/household", json=body, headers=auth(token))
    assert saved.status_code == 200, saved.get_json()
    household = saved.get_json()
    assert household["zero_employment_household"] is True
    assert [m["relation"] for m in household["members"]] == ["self", "spouse", "child"]
    assert household["members"][1]["name"] == "李*"
    assert household["members"][2]["has_guardian"] is True


def test_withdrawn_consent_blocks_further_writes_until_renewed(client):
    token = person_token(client, "zhangsan")
    person = register_self(client, token)
    assert client.delete("/api/v1/people/me/consent", headers=auth(token)).status_code == 204
    staff = staff_token(client, "station_xc")
    url = f"/api/v1/people/{person['id']}"
    refused = client.patch(url, json={"dibao": True}, headers=auth(staff))
    assert refused.status_code == 422 and error_code(refused) == "people.legal_basis_required"
    renewed = client.post(f"{url}/consents", headers=auth(staff),
                          json={"notice_version": NOTICE, "channel": "station_paper"})
    assert renewed.status_code == 204
    assert client.patch(url, json={"dibao": True}, headers=auth(staff)).get_json()["dibao"] is True


def test_family_member_registers_a_relative_and_only_they_can_act(client):
    family = person_token(client, "daughter")
    body = {"name": "刘大妈", "id_number": id_number("150102", date(1965, 2, 2), "042"),
            "residence_region_code": "150102001001", "relation": "parent",
            "consent": {"notice_version": NOTICE}, "facts": OLDER_FACTS}
    created = client.post("/api/v1/people/me/relatives", json=body, headers=auth(family))
    assert created.status_code == 202, created.get_json()
    assert client.get("/api/v1/people/me/relatives", headers=auth(family)).get_json() == []
    relative = verify_at_station(client, body["id_number"], created.get_json()["id"])
    assert relative["has_wechat"] is False
    listed = client.get("/api/v1/people/me/relatives", headers=auth(family)).get_json()
    assert [p["id"] for p in listed] == [relative["id"]]
    stranger = person_token(client, "stranger")
    response = client.patch(f"/api/v1/people/me/relatives/{relative['id']}", json={"dibao": True},
                            headers=auth(stranger))
    assert response.status_code == 404

