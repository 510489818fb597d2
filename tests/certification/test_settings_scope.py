"""Issue 12: a region's certification settings are in scope only within the caller's subtree,
for reading as for writing; another region's answer 404 exactly like a region that does
not exist (SECURITY.md 12)."""
import pytest

from app.certification.models import RegionSettings
from app.extensions import db
from tests.builders.http import auth, error_code, staff_token

BASE = "/api/v1/certification/settings"


@pytest.mark.parametrize("username,region_code,visible", [
    ("station_hlr", "150102", False),        # another league (the reported case)
    ("station_hlr", "150702001001", True),   # its own community
    ("county_xc", "150702", False),          # another league
    ("county_xc", "150102001001", True),     # a child
    ("station_xc", "150102", False),         # a parent
    ("township_xc", "150102002", False),     # a sibling street
    ("city_hhht", "150102", True),           # a child county
])
def test_reading_settings_is_scoped_to_the_subtree(client, username, region_code, visible):
    response = client.get(f"{BASE}/{region_code}", headers=auth(staff_token(client, username)))
    if visible:
        assert response.status_code == 200
        assert response.get_json()["station_days"] == 2
    else:
        assert response.status_code == 404 and error_code(response) == "region.not_found"
        assert "station_days" not in response.get_json()


def test_another_region_looks_like_one_that_does_not_exist(client):
    token = staff_token(client, "station_hlr")
    other = client.get(f"{BASE}/150102", headers=auth(token))
    missing = client.get(f"{BASE}/159999", headers=auth(token))
    assert other.status_code == missing.status_code == 404
    assert other.get_json()["error"]["message"] == missing.get_json()["error"]["message"] \
        == "行政区划不存在"


def test_another_regions_settings_are_not_shown_even_when_configured(client):
    admin = staff_token(client, "region_admin")
    assert client.put(f"{BASE}/150102", headers=auth(admin),
                      json={"station_days": 7}).status_code == 200
    hlr = client.get(f"{BASE}/150102", headers=auth(staff_token(client, "station_hlr")))
    assert hlr.status_code == 404 and "7" not in hlr.get_data(as_text=True)


def test_writing_another_regions_settings_is_refused_and_changes_nothing(client, fresh_app):
    county = staff_token(client, "county_xc")
    response = client.put(f"{BASE}/150702", headers=auth(county), json={"station_days": 1})
    assert response.status_code == 404 and error_code(response) == "region.not_found"
    with fresh_app.app_context():
        assert db.session.get(RegionSettings, "150702") is None
    own = client.put(f"{BASE}/150102", headers=auth(county), json={"station_days": 4})
    assert own.status_code == 200 and own.get_json()["station_days"] == 4
