"""Region scope over every application endpoint: same, parent, child, sibling, other league."""

from app.core.clock import local_today
from tests.builders.applications import applicant, apply_self
from tests.builders.http import DEMO_PASSWORD, approve_grant, auth, staff_token

BASE = "/api/v1/certification"
POST_STATION = 2  # 新城区就业驿站, at township level (150102001)


def sibling_staff(client):
    """A station staff member in the sibling street 150102002."""
    admin = staff_token(client, "security_admin")
    response = client.post("/api/v1/staff", headers=auth(admin), json={
        "username": "station_xl", "display_name": "锡林路站员", "password": DEMO_PASSWORD,
        "role": "station_staff", "region_code": "150102002"})
    approve_grant(client, response)  # a second security admin (two-person rule)
    return staff_token(client, "station_xl")


def test_scope_matrix_for_an_application_taken_at_township_level(client):
    token = applicant(client)
    created = apply_self(client, token, station_id=POST_STATION)
    assert created["region_code"] == "150102001"
    app_id = created["id"]
    tokens = {"same": staff_token(client, "township_xc"), "parent": staff_token(client, "county_xc"),
              "grandparent": staff_token(client, "city_hhht"),
              "child": staff_token(client, "station_xc"), "sibling": sibling_staff(client),
              "other_league": staff_token(client, "station_hlr")}
    expected = {"same": 200, "parent": 200, "grandparent": 200, "child": 404, "sibling": 404,
                "other_league": 404}
    for who, token_ in tokens.items():
        for url in (f"{BASE}/applications/{app_id}", f"{BASE}/applications/{app_id}/assessment"):
            status = client.get(url, headers=auth(token_)).status_code
            assert status == expected[who], (who, url, status)
        listed = client.get(f"{BASE}/applications", headers=auth(token_)).get_json()["items"]
        assert (app_id in [a["id"] for a in listed]) == (expected[who] == 200), who
        if expected[who] == 404:
            for path, body in (("accept", {}), ("station-check", {"outcome": "pass"}),
                               ("township-review", {"outcome": "pass"}),
                               ("county-decision", {"outcome": "certify"}),
                               ("objections", {"summary": "异议内容", "channel": "phone"})):
                response = client.post(f"{BASE}/applications/{app_id}/{path}", json=body,
                                       headers=auth(token_))
                assert response.status_code in (403, 404), (who, path, response.status_code)
                assert response.status_code != 200


def test_withdraw_recheck_and_staff_upload(client):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    withdrawn = client.post(f"{BASE}/my/applications/{app_id}/withdraw", json={"note": "不需要了"},
                            headers=auth(token))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    again = client.post(f"{BASE}/my/applications/{app_id}/withdraw", json={},
                        headers=auth(token))
    assert again.status_code == 409
    # The demo certification (张丽) is re-checked by the station.
    county = staff_token(client, "county_xc")
    [cert] = client.get(f"{BASE}/certifications", query_string={"status": "active"},
                        headers=auth(county)).get_json()["items"]
    rechecked = client.post(f"{BASE}/certifications/{cert['id']}/recheck", json={},
                            headers=auth(staff_token(client, "station_xc")))
    assert rechecked.status_code == 200
    assert rechecked.get_json()["next_recheck_on"] > local_today().isoformat()
    hidden = client.post(f"{BASE}/certifications/{cert['id']}/recheck", json={},
                         headers=auth(staff_token(client, "station_hlr")))
    assert hidden.status_code == 404
    due = client.get(f"{BASE}/certifications", headers=auth(county),
                     query_string={"recheck_due_by": local_today().isoformat()}).get_json()
    assert due["total"] == 0
