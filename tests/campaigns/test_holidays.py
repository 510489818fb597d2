"""Holiday nodes from the calendars (pure) and through the API."""
from datetime import date

import pytest

from app.campaigns.holidays import holiday_nodes
from tests.builders.http import auth, error_code, staff_token


@pytest.mark.parametrize("year, spring", [(2025, date(2025, 1, 29)), (2026, date(2026, 2, 17)),
                                          (2027, date(2027, 2, 6)), (2028, date(2028, 1, 26))])
def test_spring_festival_follows_the_lunar_calendar(year, spring):
    nodes = {node.code: node.on for node in holiday_nodes(year)}
    assert nodes["new_year"] == date(year, 1, 1)
    assert nodes["spring_festival"] == spring


@pytest.mark.parametrize("year, day", [(2026, 17), (2027, 16), (2028, 21), (2029, 20)])
def test_helping_disabled_day_is_the_third_sunday_of_may(year, day):
    nodes = {node.code: node.on for node in holiday_nodes(year)}
    assert nodes["helping_disabled_day"] == date(year, 5, day)
    assert nodes["helping_disabled_day"].weekday() == 6


def test_year_outside_the_calendar_is_refused():
    with pytest.raises(ValueError):
        holiday_nodes(2100)


def test_holidays_endpoint(client):
    token = staff_token(client, "city_hhht")
    response = client.get("/api/v1/push/campaigns/holidays?year=2027", headers=auth(token))
    assert response.status_code == 200
    assert response.get_json() == [
        {"code": "new_year", "name": "元旦", "on": "2027-01-01", "calendar": "solar"},
        {"code": "spring_festival", "name": "春节", "on": "2027-02-06", "calendar": "lunar"},
        {"code": "helping_disabled_day", "name": "全国助残日", "on": "2027-05-16",
         "calendar": "weekday"}]
    bad = client.get("/api/v1/push/campaigns/holidays?year=3000", headers=auth(token))
    assert bad.status_code == 422
    station = staff_token(client, "station_xc")
    refused = client.get("/api/v1/push/campaigns/holidays?year=2027", headers=auth(station))
    assert refused.status_code == 403 and error_code(refused)
