"""Proactive discovery: people on partner lists who may qualify and never applied appear on
their station's list with the reason; the station files their application in one step."""
from datetime import date, timedelta

from app.core.clock import local_today
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import NOTICE, id_number
from tests.partners.test_comparison import SI_HEADER, dibao_row
from tests.partners.test_imports import as_csv, upload

DISCOVERIES = "/api/v1/partners/discoveries"


def _woman(sequence, born=date(1985, 3, 10)):
    return id_number("150102", born, sequence)


def _lists(client):
    civil, county = staff_token(client, "civil_xc"), staff_token(client, "county_xc")
    yesterday = local_today() - timedelta(1)
    upload(client, civil, as_csv([dibao_row(_woman("022"), "刘芳"),   # no contributions
                                  dibao_row(_woman("042"), "陈静"),   # contributes: working
                                  dibao_row(_woman("062", date(1950, 1, 1)), "老人")]),
           as_of=yesterday)
    working = [_woman("042"), "陈静", "150102001001", "某公司", "单位职工", "40", "正常缴费", "202611"]
    upload(client, county, as_csv([working], header=SI_HEADER), source="social_insurance",
           as_of=yesterday)


def test_a_dibao_member_of_working_age_without_contributions_is_discovered(client):
    _lists(client)
    station = staff_token(client, "station_xc")
    listed = client.get(DISCOVERIES, headers=auth(station)).get_json()
    assert [(i["name"], i["id_number"], [r["code"] for r in i["reasons"]])
            for i in listed["items"]] == [("刘*", _woman("022")[:3] + "*" * 11 + _woman("022")[-4:],
                                           ["dibao_no_contributions"])]
    assert listed["items"][0]["reasons"][0]["text"] == "低保家庭成员，处于劳动年龄，无参保缴费记录"
    hailar = client.get(DISCOVERIES, headers=auth(staff_token(client, "station_hlr")))
    assert hailar.get_json()["items"] == []


def test_the_station_files_the_application_in_one_step_and_the_person_leaves_the_list(client):
    _lists(client)
    station = staff_token(client, "station_xc")
    [item] = client.get(DISCOVERIES, headers=auth(station)).get_json()["items"]
    body = {"consent": {"notice_version": NOTICE, "channel": "station_paper"},
            "commitment": {"accepted": True, "version": NOTICE},
            "facts": {"urban_resident": True, "residence_since": "2015-01-01",
                      "employment_status": "unemployed"}}
    response = client.post(f"{DISCOVERIES}/{item['record_id']}/apply", json=body,
                           headers=auth(station))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["channel"] == "station"
    assert client.get(DISCOVERIES, headers=auth(station)).get_json()["items"] == []
    again = client.post(f"{DISCOVERIES}/{item['record_id']}/apply", json=body,
                        headers=auth(station))
    assert again.status_code == 409 and error_code(again) == "certification.duplicate_open"


def test_a_discovered_person_cannot_be_reached_from_another_region(client):
    _lists(client)
    [item] = client.get(DISCOVERIES, headers=auth(staff_token(client, "station_xc"))).get_json()["items"]
    body = {"consent": {"notice_version": NOTICE, "channel": "station_paper"},
            "commitment": {"accepted": True, "version": NOTICE}}
    response = client.post(f"{DISCOVERIES}/{item['record_id']}/apply", json=body,
                           headers=auth(staff_token(client, "station_hlr")))
    assert response.status_code == 404 and error_code(response) == "partners.record_not_found"


def test_the_figures_count_a_discovery_that_became_an_application(client):
    _lists(client)
    station = staff_token(client, "station_xc")
    [item] = client.get(DISCOVERIES, headers=auth(station)).get_json()["items"]
    client.post(f"{DISCOVERIES}/{item['record_id']}/apply", headers=auth(station), json={
        "consent": {"notice_version": NOTICE, "channel": "station_paper"},
        "commitment": {"accepted": True, "version": NOTICE},
        "facts": {"urban_resident": True, "residence_since": "2015-01-01"}})
    civil = staff_token(client, "civil_xc")
    figures = client.get("/api/v1/partners/figures", headers=auth(civil)).get_json()["sources"]
    assert {f["source"]: (f["listed"], f["matched"], f["converted"]) for f in figures} == {
        "dibao": (3, 1, 1), "social_insurance": (1, 0, 0)}
