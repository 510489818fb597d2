"""A region's own step deadlines (working days on the service calendar) and its finance
confirmation, set by its administrators, followed by new claims and steps."""
from app.core.calendar import current_calendar
from app.core.clock import local_today
from app.extensions import db
from tests.builders.http import auth, error_code, staff_token
from tests.builders.money import act, claim_myself, flexible_seeker

URL = "/api/v1/money/settings/{}"


def _put(client, who, region, body):
    return client.put(URL.format(region), json=body, headers=auth(staff_token(client, who)))


def test_defaults_then_a_regions_own_deadlines_and_finance_step(client, fresh_app):
    county = staff_token(client, "county_xc")
    shown = client.get(URL.format("150102001001"), headers=auth(county)).get_json()
    assert shown == {"station_check_days": 2, "county_approve_days": 3, "finance_confirm_days": 3,
                     "finance_confirm": False, "region_code": None}
    updated = _put(client, "county_xc", "150102", {"station_check_days": 5,
                                                    "county_approve_days": 7,
                                                    "finance_confirm": True})
    assert updated.status_code == 200, updated.get_json()
    inherited = client.get(URL.format("150102001001"), headers=auth(county)).get_json()
    assert inherited["region_code"] == "150102" and inherited["station_check_days"] == 5
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    assert claim["steps"] == ["station_check", "county_approve", "finance_confirm"]
    with fresh_app.app_context():
        calendar = current_calendar()
        in_5, in_7 = (calendar.add_workdays(local_today(), n)[0].isoformat() for n in (5, 7))
        db.session.remove()
    assert claim["step_due_on"] == in_5
    checked = act(client, "station_xc", claim["id"], "check")
    assert checked["step_due_on"] == in_7 and checked["current_step"] == "county_approve"


def test_settings_are_the_administrators_of_the_region_only(client):
    station = _put(client, "station_xc", "150102", {"station_check_days": 5})
    assert station.status_code == 403
    elsewhere = _put(client, "county_xc", "150702", {"station_check_days": 5})
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "region.not_found"
    for body in ({"station_check_days": 0}, {"county_approve_days": 31},
                 {"finance_confirm": "maybe"}, {"station_check_days": 5, "extra": 1}):
        bad = _put(client, "county_xc", "150102", body)
        assert bad.status_code == 422, body
    shown = client.get(URL.format("150102"), headers=auth(staff_token(client, "county_xc")))
    assert shown.get_json()["region_code"] is None  # nothing was stored
