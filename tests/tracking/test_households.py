"""Zero-employment households (动态清零): listed with an immediate job-help task, served,
cleared when a member is hired (days counted), listed again when the job ends."""
from app.core.clock import local_today
from tests.builders.applications import apply_self, step
from tests.builders.http import auth, person_token
from tests.builders.people import register_self
from tests.builders.tracking import days_later, get, post, run_daily

SPOUSE = {"name": "李梅", "relation": "spouse", "birth_date": "1972-03-01", "gender": "female",
          "employment_status": "unemployed", "registered_unemployed": True,
          "able_to_work": True, "willing_to_work": True}


def zero_household_person(client):
    token = person_token(client)
    register_self(client, token)
    saved = client.put("/api/v1/people/me/household", headers=auth(token),
                       json={"registered_size": 2, "business_income": False, "members": [SPOUSE]})
    assert saved.get_json()["zero_employment_household"] is True
    app_id = apply_self(client, token, categories=["older"])["id"]
    step(client, "station_xc", app_id, "accept")
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    step(client, "county_xc", app_id, "county-decision", {"outcome": "certify",
                                                          "categories": ["older"]})
    return token, client.get("/api/v1/people/me", headers=auth(token)).get_json()["id"]


def test_household_listed_served_cleared_and_listed_again(client, fresh_app):
    _, person_id = zero_household_person(client)
    listed = get(client, "township_xc", "/zero-households")
    [item] = listed["items"]
    assert listed["open"] == 1 and item["identified_on"] == local_today().isoformat()
    assert item["rule_met"] is False and item["cleared_on"] is None
    [task] = get(client, "station_xc", "/tasks", kind="job_help")["items"]
    assert task["person_id"] == person_id and task["title"] == "零就业家庭即时岗位援助"
    assert get(client, "station_hlr", "/zero-households")["items"] == []
    assert run_daily(fresh_app)["households_listed"] == 0  # listed once
    bad = post(client, "station_xc", f"/zero-households/{item['id']}/services", {"offers": -1},
               expect=422)
    assert bad["error"]["details"]
    for _ in range(3):
        served = post(client, "station_xc", f"/zero-households/{item['id']}/services",
                      {"offers": 3, "note": "推荐保洁、仓储、保安岗位"})
    assert served["services_given"] == 3 and served["rule_met"] is True
    assert served["refusals"] == 0 and served["may_count_as_no_wish"] is False
    too_many = post(client, "station_xc", f"/zero-households/{item['id']}/services",
                    {"offers": 1, "refusals": 2}, expect=422)
    assert too_many["error"]["code"] == "tracking.refusals_exceed_offers"
    refused = post(client, "station_xc", f"/zero-households/{item['id']}/services",
                   {"offers": 3, "refusals": 3, "note": "个人原因拒绝"})
    assert refused["may_count_as_no_wish"] is True and refused["cleared_on"] is None
    with days_later(5):
        hire = post(client, "station_xc", "/hires", {
            "person_id": person_id, "employer": "某物流公司", "job_title": "分拣员",
            "starts_on": local_today().isoformat()}, expect=201)
        cleared = get(client, "county_xc", "/zero-households", cleared="true")
        assert cleared["items"][0]["cleared_way"] == "member_hired"
        assert cleared["items"][0]["days_on_list"] == 5
        assert cleared["average_days_to_clear"] == 5.0 and cleared["open"] == 0
        assert get(client, "station_xc", "/tasks", kind="job_help")["items"] == []
        ended = post(client, "station_xc", f"/hires/{hire['id']}/end",
                     {"ended_on": local_today().isoformat(), "reason": "quit"})
        assert ended["ended_on"] == local_today().isoformat()
        again = get(client, "township_xc", "/zero-households", cleared="false")
        assert again["open"] == 1 and again["items"][0]["id"] != item["id"]
        assert post(client, "station_xc", f"/hires/{hire['id']}/end",
                    {"ended_on": local_today().isoformat(), "reason": "quit"},
                    expect=409)["error"]["code"] == "tracking.hire_ended"
        assert post(client, "station_xc", f"/zero-households/{item['id']}/services",
                    {"offers": 1}, expect=409)["error"]["code"] == "tracking.household_cleared"


def test_settings_change_the_rule_and_are_scoped(client, fresh_app):
    defaults = get(client, "county_xc", "/settings/150102001001")
    assert (defaults["adaptation_months"], defaults["stability_months"], defaults["expiry_days"],
            defaults["services_required"], defaults["offers_per_service"],
            defaults["refusals_as_no_wish"]) == (1, 6, 60, 3, 3, 3)
    changed = post(client, "county_xc", "/settings/150102", {"services_required": 2},
                   method="put")
    assert changed["services_required"] == 2 and changed["region_code"] == "150102"
    assert post(client, "county_xc", "/settings/150702", {"expiry_days": 30}, method="put",
                expect=404)["error"]["code"] == "region.not_found"
    assert post(client, "station_xc", "/settings/150102", {"expiry_days": 30}, method="put",
                expect=403)["error"]["code"] == "auth.forbidden"
    assert post(client, "county_xc", "/settings/150102", {"expiry_days": 1000}, method="put",
                expect=422)
    assert post(client, "county_xc", "/settings/150102", {"bogus": 1}, method="put", expect=422)
    assert get(client, "county_xc", "/settings/150102999", expect=404)["error"]["code"] \
        == "region.not_found"
