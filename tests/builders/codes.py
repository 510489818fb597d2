"""A certified job seeker with a person account, built through the real HTTP API."""
from datetime import timedelta

from app.core.clock import utcnow
from tests.builders.applications import applicant, apply_self, step
from tests.builders.http import auth


def certified_seeker(client, login="zhangsan", **kwargs):
    """(person token, person id): registered, applied and certified at every level."""
    token = applicant(client, login, **kwargs)
    app_id = apply_self(client, token, categories=["older"])["id"]
    step(client, "station_xc", app_id, "accept")
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    step(client, "county_xc", app_id, "county-decision", {"outcome": "certify",
                                                          "categories": ["older"]})
    person_id = client.get("/api/v1/people/me", headers=auth(token)).get_json()["id"]
    return token, person_id


def resolve(client, staff_tok, content, purpose="employment_service", **extra):
    return client.post("/api/v1/codes/resolve", json={"content": content, "purpose": purpose},
                       headers=auth(staff_tok), **extra)


class Clock:
    """The services' clock (CODES_CLOCK), moved by the test instead of sleeping."""

    def __init__(self, app):
        self.app, self.now = app, utcnow()

    def __enter__(self):
        self.app.config["CODES_CLOCK"] = lambda: self.now
        return self

    def __exit__(self, *exc):
        self.app.config.pop("CODES_CLOCK", None)

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)
