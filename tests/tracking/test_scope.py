"""Every tracking list and setting names its region through requested_region: by default the
caller's own, a region of their subtree when named, and a region elsewhere answers exactly
like one that does not exist (no probing of other leagues' figures)."""
import pytest

from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, staff_token
from tests.builders.tracking import BASE

LISTS = ["/cases", "/tasks?mine=false", "/coverage?starts_on=2026-01-01&ends_on=2026-12-31",
         "/zero-households"]


def _get(client, token, path, region=None):
    joiner = "&" if "?" in path else "?"
    url = BASE + path + (f"{joiner}region_code={region}" if region else "")
    return client.get(url, headers=auth(token))


@pytest.mark.parametrize("path", LISTS)
def test_a_region_elsewhere_answers_like_a_missing_one(client, fresh_app, path):
    certified_seeker(client)
    county = staff_token(client, "county_xc")  # 150102 新城区
    answers = []
    for region in ("150702", "150102999"):  # 呼伦贝尔 (exists), and no such region
        response = _get(client, county, path, region)
        body = response.get_json()["error"]
        answers.append((response.status_code, body["code"], body["message"]))
    assert answers[0] == answers[1] == (404, "region.not_found", "行政区划不存在")
    # Its own region and a region of its subtree answer.
    assert _get(client, county, path).status_code == 200
    assert _get(client, county, path, "150102001").status_code == 200


def test_settings_of_a_region_elsewhere_cannot_be_read_or_written(client, fresh_app):
    county = auth(staff_token(client, "county_xc"))
    for region in ("150702", "150102999"):
        read = client.get(f"{BASE}/settings/{region}", headers=county)
        assert read.status_code == 404 and error_code(read) == "region.not_found"
    city = auth(staff_token(client, "city_hhht"))  # 呼和浩特: may configure its own subtree
    written = client.put(f"{BASE}/settings/150702", json={"expiry_days": 30}, headers=city)
    assert written.status_code == 404 and error_code(written) == "region.not_found"
    assert client.get(f"{BASE}/settings/150102", headers=county).get_json()["expiry_days"] == 60
    # The region above sees the default there, unchanged.
    admin = auth(staff_token(client, "region_admin"))
    assert client.get(f"{BASE}/settings/150702", headers=admin).get_json()["expiry_days"] == 60


def test_coverage_and_households_figures_stay_inside_the_subtree(client, fresh_app):
    certified_seeker(client)
    hlr = staff_token(client, "station_hlr")
    coverage = _get(client, hlr, LISTS[2]).get_json()
    assert coverage["cases"] == 0 and coverage["uncontacted"] == []
    assert _get(client, hlr, "/cases").get_json()["total"] == 0
