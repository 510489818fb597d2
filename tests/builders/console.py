"""Signing in to the staff console through its own forms (cookie session + CSRF token)."""
import re

from tests.builders.http import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response):
    found = CSRF.search(response.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def console_login(client, username, password=DEMO_PASSWORD, expect=303, **extra):
    """Sign in on /console/login; returns the CSRF token of the new session."""
    token = csrf_of(client.get("/console/login"))
    response = client.post("/console/login", data={"csrf_token": token, "username": username,
                                                   "password": password, **extra})
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return csrf_of(client.get("/console/")) if expect == 303 else None


def console_post(client, path, csrf, expect=303, **data):
    response = client.post(path, data={"csrf_token": csrf, **data})
    assert response.status_code == expect, response.get_data(as_text=True)[:800]
    return response
