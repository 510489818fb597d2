"""A certified job seeker with a person account, and the staff side of a scan."""
from datetime import timedelta

from app.core.clock import utcnow
from tests.builders.applications import applicant
from tests.builders.http import auth
from tests.builders.services import certify_person


def certified_seeker(client, login="zhangsan", **kwargs):
    """(person token, person id): signed in and registered through the API, then applied and
    certified at every level through the service layer (tests/certification tries that path
    over HTTP)."""
    token = applicant(client, login, **kwargs)
    person_id = client.get("/api/v1/people/me", headers=auth(token)).get_json()["id"]
    certify_person(client.application, person_id, ["older"])
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
