"""Vacancies: validation with stable codes, region scope, transitions, lists and fill rates."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import local_today
from app.jobs.models import Employer, Vacancy
from app.jobs.rules import vacancy_problems
from app.jobs.demo import DEMO_VACANCIES
from tests.builders.http import error_code
from tests.builders.jobs import Staff, vacancy_body


@pytest.fixture()
def county(client):
    return Staff(client, "county_xc")


@pytest.fixture()
def employer_id(county):
    return county.new_employer(21)["id"]


def test_post_a_caring_job_for_an_employer(county, employer_id):
    body = county.new_vacancy(employer_id, caring_job=True, suitable_for=["physical", "hearing"],
                              physical_demand="light", required_skills=["分拣"],
                              lat=40.8431, lng=111.6690, min_age=18, max_age=55)
    assert body["status"] == "open" and body["filled_count"] == 0
    assert body["employer"]["id"] == employer_id and body["occupation_name"] == "仓储管理员"
    assert body["hours_label"] == "全职" and body["suitable_for"] == ["hearing", "physical"]
    assert county.get(f"/vacancies/{body['id']}").get_json()["title"] == "仓库分拣员"


@pytest.mark.parametrize("overrides, code", [
    ({"salary_min": 5000, "salary_max": 3000}, "jobs.salary_range_invalid"),
    ({"opens_on": "2026-05-01", "closes_on": "2026-04-30"}, "jobs.dates_invalid"),
    ({"min_age": 50, "max_age": 40}, "jobs.age_limits_invalid"),
    ({"min_age": 14}, "jobs.age_limits_invalid"),
    ({"max_age": 70}, "jobs.age_limits_invalid"),
    ({"min_age": 64}, "jobs.age_limits_invalid"),
    ({"occupation_code": "astronaut"}, "jobs.occupation_unknown"),
    ({"lat": 40.84}, "jobs.coordinates_incomplete"),
])
def test_bad_vacancies_are_clear_422s(county, employer_id, overrides, code):
    response = county.post("/vacancies", vacancy_body(employer_id, **overrides))
    assert response.status_code == 422 and error_code(response) == code
    assert response.get_json()["error"]["message"]


def test_several_problems_are_all_listed(county, employer_id):
    response = county.post("/vacancies", vacancy_body(
        employer_id, salary_min=9000, salary_max=100, min_age=60, max_age=20))
    assert response.get_json()["error"]["details"]["problems"] == [
        "jobs.salary_range_invalid", "jobs.age_limits_invalid"]


def test_shape_errors_and_mass_assignment_are_refused(county, employer_id):
    missing = county.post("/vacancies", {"employer_id": employer_id, "title": "缺字段"})
    assert missing.status_code == 422
    assert "salary_min" in missing.get_json()["error"]["details"]["fields"]["json"]
    for extra in ({"status": "filled"}, {"filled_count": 3}, {"county_code": "150702"}):
        response = county.post("/vacancies", vacancy_body(employer_id, **extra))
        assert response.status_code == 422, extra
    wrong = county.post("/vacancies", vacancy_body(employer_id, suitable_for=["tall"]))
    assert wrong.status_code == 422


def test_station_hlr_cannot_post_or_see_in_xincheng(client, county, employer_id):
    vacancy = county.new_vacancy(employer_id)
    hailar = Staff(client, "station_hlr")
    refused = hailar.post("/vacancies", vacancy_body(employer_id, region_code="150702001001"))
    assert refused.status_code == 404 and error_code(refused) == "jobs.employer_not_found"
    own = hailar.new_employer(22, region_code="150702001001")
    into_xincheng = hailar.post("/vacancies", vacancy_body(own["id"], region_code="150102001001"))
    assert into_xincheng.status_code == 422
    assert error_code(into_xincheng) == "jobs.region_out_of_scope"
    for response in (hailar.get(f"/vacancies/{vacancy['id']}"),
                     hailar.patch(f"/vacancies/{vacancy['id']}", {"title": "改个标题"}),
                     hailar.post(f"/vacancies/{vacancy['id']}/close"),
                     hailar.post(f"/vacancies/{vacancy['id']}/hires", {"count": 1})):
        assert response.status_code == 404 and error_code(response) == "jobs.vacancy_not_found"
    moved = county.patch(f"/vacancies/{vacancy['id']}", {"region_code": "150702001001"})
    assert error_code(moved) == "jobs.region_out_of_scope"
    listed = hailar.get("/vacancies", query_string={"per_page": 100}).get_json()["items"]
    assert listed and all(v["region_code"].startswith("150702") for v in listed)


def test_close_reopen_and_hires(county, employer_id):
    vacancy = county.new_vacancy(employer_id, headcount=2)
    path = f"/vacancies/{vacancy['id']}"
    assert county.post(path + "/close").get_json()["status"] == "closed"
    again = county.post(path + "/close")
    assert again.status_code == 409 and error_code(again) == "jobs.invalid_transition"
    assert county.post(path + "/hires", {"count": 1}).status_code == 409
    assert county.post(path + "/reopen").get_json()["status"] == "open"
    too_many = county.post(path + "/hires", {"count": 3})
    assert too_many.status_code == 409 and error_code(too_many) == "jobs.overfilled"
    assert county.post(path + "/hires", {"count": 1}).get_json()["status"] == "open"
    filled = county.post(path + "/hires", {"count": 1}).get_json()
    assert filled["status"] == "filled" and filled["filled_count"] == 2
    assert error_code(county.post(path + "/reopen")) == "jobs.invalid_transition"
    reopened = county.patch(path, {"headcount": 3}).get_json()
    assert reopened["status"] == "open" and reopened["headcount"] == 3
    below = county.patch(path, {"headcount": 1})
    assert error_code(below) == "jobs.headcount_below_filled"
    assert county.patch(path, {"headcount": 2}).get_json()["status"] == "filled"


def test_update_revalidates_the_whole_vacancy(county, employer_id):
    vacancy = county.new_vacancy(employer_id, salary_min=2500, salary_max=3500)
    path = f"/vacancies/{vacancy['id']}"
    assert error_code(county.patch(path, {"salary_min": 4000})) == "jobs.salary_range_invalid"
    assert county.patch(path, {"salary_min": 3000}).get_json()["salary_min"] == 3000
    assert county.patch(path, {"status": "open"}).status_code == 422


def test_lists_by_region_with_filters_and_capped_pages(client, county):
    everything = county.get("/vacancies", query_string={"per_page": 100}).get_json()
    assert everything["total"] == len(everything["items"]) >= 15
    assert all(v["region_code"].startswith("150102") for v in everything["items"])
    caring = county.get("/vacancies", query_string={"caring_job": "true"}).get_json()["items"]
    assert caring and all(v["caring_job"] for v in caring)
    posts = county.get("/vacancies", query_string={"public_welfare_post": "true",
                                                   "region_code": "150102001"}).get_json()
    assert posts["total"] == 2
    closed = county.get("/vacancies", query_string={"status": "closed"}).get_json()["items"]
    assert [v["title"] for v in closed] == ["快递分拣员"]
    station = Staff(client, "station_xc")
    mine = station.get("/vacancies", query_string={"per_page": 100}).get_json()["items"]
    assert mine and all(v["region_code"] == "150102001001" for v in mine)
    assert station.get("/vacancies", query_string={"region_code": "150102"}).status_code == 404
    assert county.get("/vacancies", query_string={"per_page": 500}).status_code == 422


def test_fill_rate_per_region(client, county, employer_id):
    vacancy = county.new_vacancy(employer_id, headcount=4, region_code="150102002")
    county.post(f"/vacancies/{vacancy['id']}/hires", {"count": 1})
    rates = county.get("/fill-rates").get_json()
    assert rates["region_code"] == "150102"
    children = {line["region_code"]: line for line in rates["children"]}
    assert set(children) == {"150102001", "150102002"}
    assert sum(c["headcount"] for c in children.values()) == rates["headcount"]
    assert sum(c["filled"] for c in children.values()) == rates["filled"]
    assert rates["fill_rate"] == round(rates["filled"] / rates["headcount"], 4)
    assert rates["vacancies"] >= 16 and rates["open_vacancies"] < rates["vacancies"]
    city = Staff(client, "city_hhht").get("/fill-rates").get_json()
    hohhot = {line["region_code"]: line for line in city["children"]}
    assert hohhot["150102"]["headcount"] == rates["headcount"]
    assert hohhot["150105"]["fill_rate"] is None
    assert county.get("/fill-rates", query_string={"region_code": "150702"}).status_code == 404


def test_demo_vacancies_are_valid(db_session):
    assert len(DEMO_VACANCIES) >= 20
    for row in db_session.scalars(select(Vacancy)):
        values = {c.key: getattr(row, c.key) for c in Vacancy.__table__.columns}
        assert vacancy_problems(values) == [], row.title
        assert row.county_code == row.region_code[:6]
    kinds = set(db_session.scalars(select(Employer.kind)))
    assert {"small_micro_firm", "sole_proprietor"} <= kinds
    today = local_today()
    assert all(v.opens_on <= today + timedelta(days=1) for v in db_session.scalars(select(Vacancy)))
