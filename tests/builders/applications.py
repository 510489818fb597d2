"""Certification applications through the real HTTP API: a job seeker applies, staff step."""
from tests.builders.http import auth, person_token, staff_token
from tests.builders.people import NOTICE, register_self

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
