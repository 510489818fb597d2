"""Comparison: a list that confirms a declaration spares the upload (免证); a list that
contradicts it lands on the station's list with both values."""
from datetime import date, timedelta

from sqlalchemy import select

from app.certification.demo import demo_id
from app.certification.models import Application
from app.core.clock import local_today
from app.people.models import Person
from app.people.services import index_of
from tests.builders.http import auth, staff_token
from tests.partners.test_imports import HEADER, WANG, as_csv, upload

LI = demo_id("150102", date(1980, 8, 20), "062")  # 李秀英: declared dibao, application open
SI_HEADER = ["身份证号码", "姓名", "所属社区（村）代码", "参保单位名称", "参保身份", "累计缴费月数",
             "参保状态", "最近缴费年月"]


def dibao_row(number, name):
    return [number, name, "HH0001", "户主", "150102001001", "2024-01-01", ""]


def _ids(app, number):
    from app.extensions import db
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(
            Person.id_number_index == index_of(number)))
        application_id = db.session.scalar(select(Application.id).where(
            Application.person_id == person_id))
    return person_id, application_id


def _dibao_evidence(client, token, application_id):
    body = client.get(f"/api/v1/certification/applications/{application_id}/assessment",
                      headers=auth(token)).get_json()
    category = next(c for c in body["categories"] if c["code"] == "long_term_unemployed")
    evidence = {e["kind"]: e["provided"] for e in category["evidence"]}
    return body["confirmed_by_lists"], evidence


def test_a_dibao_list_confirms_the_declaration_and_spares_the_certificate(client, fresh_app):
    person_id, application_id = _ids(fresh_app, LI)
    station = staff_token(client, "station_xc")
    upload(client, staff_token(client, "civil_xc"), as_csv([dibao_row(LI, "李秀英")]),
           as_of=local_today() - timedelta(1))
    confirmed, _ = _dibao_evidence(client, station, application_id)
    assert confirmed == {"dibao_certificate": "dibao"}
    comparison = client.get(f"/api/v1/partners/people/{person_id}/comparison",
                            headers=auth(station)).get_json()
    assert [(f["fact"], f["declared"], f["listed"], f["outcome"])
            for f in comparison["findings"]] == [("dibao", True, True, "confirmed")]


def test_a_person_who_left_dibao_is_a_contradiction_for_the_station(client, fresh_app):
    person_id, _ = _ids(fresh_app, LI)
    civil, station = staff_token(client, "civil_xc"), staff_token(client, "station_xc")
    upload(client, civil, as_csv([dibao_row(LI, "李秀英")]), as_of=local_today() - timedelta(9))
    upload(client, civil, as_csv([dibao_row(WANG, "王建国")]), as_of=local_today())  # she left
    listed = client.get("/api/v1/partners/contradictions", headers=auth(station)).get_json()
    assert [(i["person_id"], i["name"], [(f["fact"], f["declared"], f["listed"])
                                         for f in i["findings"]]) for i in listed["items"]] == [
        (person_id, "李**", [("dibao", True, False)])]
    # Another league's station sees none of it.
    hailar = client.get("/api/v1/partners/contradictions", headers=auth(staff_token(
        client, "station_hlr"))).get_json()
    assert hailar["items"] == []


def test_contributions_as_an_employee_contradict_declared_unemployment(client, fresh_app):
    person_id, _ = _ids(fresh_app, WANG)
    county = staff_token(client, "county_xc")
    row = [WANG, "王建国", "150102001001", "某物流公司", "单位职工", "182", "正常缴费", "202611"]
    response = upload(client, county, as_csv([row], header=SI_HEADER), source="social_insurance")
    assert response.status_code == 201 and response.get_json()["matched"] == 1
    findings = client.get(f"/api/v1/partners/people/{person_id}/comparison",
                          headers=auth(county)).get_json()["findings"]
    assert ("employment_status", "unemployed", "employed", "contradicted") in [
        (f["fact"], f["declared"], f["listed"], f["outcome"]) for f in findings]


def test_a_department_cannot_read_a_comparison(client, fresh_app):
    person_id, _ = _ids(fresh_app, LI)
    civil = staff_token(client, "civil_xc")
    response = client.get(f"/api/v1/partners/people/{person_id}/comparison", headers=auth(civil))
    assert response.status_code == 403


def test_a_certified_person_contributing_as_an_employee_is_proposed_for_exit(client):
    zhang = demo_id("150105", date(1996, 5, 12), "048")  # 张丽, certified (disabled)
    county = staff_token(client, "county_xc")
    rows = [[zhang, "张丽", "150102001001", "某科技公司", "单位职工", "6", "正常缴费", "202611"],
            [WANG, "王建国", "150102001001", "", "灵活就业人员", "182", "正常缴费", "202611"]]
    upload(client, county, as_csv(rows, header=SI_HEADER), source="social_insurance")
    proposals = client.get("/api/v1/partners/exit-proposals", headers=auth(county)).get_json()
    assert [(p["name"], p["reason"], p["employer"]) for p in proposals["items"]] == [
        ("张*", "employed", "某科技公司")]
    station = client.get("/api/v1/partners/exit-proposals",
                         headers=auth(staff_token(client, "station_xc")))
    assert station.status_code == 403
    figures = client.get("/api/v1/partners/figures", headers=auth(county)).get_json()
    # Both have an application or a certification the list backs; nobody to discover.
    assert figures["sources"] == [{"source": "social_insurance", "listed": 2, "ended": 0,
                                   "matched": 2, "confirmed": 2, "discovered": 0,
                                   "converted": 0}]
