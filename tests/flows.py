"""Builders for people and certification tests: they go through the real HTTP API."""
from datetime import date

from tests.builders import NOTICE, auth, id_number, person_token, staff_token

RESIDENCE = "150102001001"  # 示范社区, served by station_xc's doorstep station
OLDER_FACTS = {"urban_resident": True, "residence_since": "2010-01-01",
               "employment_status": "unemployed", "registered_unemployed": True,
               "unemployment_registered_on": "2026-01-05", "social_insurance_months": 60,
               "education": "senior", "skills": ["电工"], "wants": ["job"],
               "ever_employed": True}


def older_man_id(sequence="031"):
    return id_number("150102", date(1968, 4, 1), sequence)


def register_self(client, token, *, name="张三", number=None, residence=RESIDENCE, facts=None,
                  expect=200):
    body = {"name": name, "id_number": number or older_man_id(), "residence_region_code":
            residence, "consent": {"notice_version": NOTICE},
            "facts": OLDER_FACTS if facts is None else facts}
    response = client.put("/api/v1/people/me", json=body, headers=auth(token))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def create_person(client, token, *, name="王五", number=None, residence=RESIDENCE, facts=None,
                  phone=None, expect=201):
    body = {"name": name, "id_number": number or older_man_id("051"),
            "residence_region_code": residence,
            "consent": {"notice_version": NOTICE, "channel": "station_paper"},
            "facts": OLDER_FACTS if facts is None else facts}
    if phone:
        body["phone"] = phone
    response = client.post("/api/v1/people", json=body, headers=auth(token))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


COMMITMENT = {"accepted": True, "version": NOTICE}


def apply_self(client, token, expect=201, headers=None, **body):
    response = client.post("/api/v1/certification/my/applications",
                           json={"commitment": COMMITMENT, **body},
                           headers={**auth(token), **(headers or {})})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def applicant(client, login="zhangsan", **kwargs):
    """A job seeker with a profile that supports the `older` category; returns the token."""
    token = person_token(client, login)
    register_self(client, token, **kwargs)
    return token


def step(client, staff, application_id, path, body=None, expect=200, headers=None):
    response = client.post(f"/api/v1/certification/applications/{application_id}/{path}",
                           json=body or {}, headers={**auth(staff_token(client, staff)),
                                                     **(headers or {})})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def verify_at_station(client, id_number, link_id, station="station_xc"):
    """A station checks the relative's ID card and signed consent: the proxy link takes
    effect. Returns the relative as the station sees them."""
    staff = staff_token(client, station)
    person = client.post("/api/v1/people/lookup", json={"id_number": id_number},
                         headers=auth(staff))
    assert person.status_code == 200, person.get_json()
    verified = client.post(
        f"/api/v1/people/{person.get_json()['id']}/proxy-links/{link_id}/verify",
        json={"notice_version": NOTICE, "channel": "station_paper"}, headers=auth(staff))
    assert verified.status_code == 200, verified.get_json()
    return person.get_json()
