"""Exactly-once console forms: the same rendered form sent twice (double click, browser
resubmit) acts once and answers the second time with the first answer; twenty copies at once
against the real app under gunicorn record one contact; a refused form can be corrected and
sent again with its key; a forged key is refused clearly."""
import re

import requests
from sqlalchemy import func, select

from app.core.clock import local_today
from app.extensions import db
from app.tracking.models import Contact, Hire
from tests.builders.codes import certified_seeker
from tests.builders.console import console_login
from tests.support.race import BURST, fire, run_app_server, statuses

KEY = re.compile(r'name="form_key" value="([^"]+)"')


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _contact_form(page, csrf):
    """The contact form as the browser would send it: its own key, today's phone call."""
    action = re.search(r'action="([^"]*/contacts)"', page).group(1)
    start = page.index(action)
    key = KEY.search(page, start).group(1)
    return action, {"csrf_token": csrf, "form_key": key, "channel": "phone",
                    "contacted_on": local_today().isoformat(), "outcome": "reached",
                    "note": "电话联系，有就业意愿"}


def test_a_contact_form_sent_twice_records_one_contact_and_shows_the_first_result(
        client, fresh_app):
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    page = client.get(f"/console/people/{person_id}").get_data(as_text=True)
    action, form = _contact_form(page, csrf)
    first = client.post(action, data=form)
    second = client.post(action, data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count(fresh_app, Contact) == 1
    shown = client.get(second.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "联系记录已保存" in shown, second.headers["Location"]
    # A new rendering of the page is a new form: it records a second contact.
    action, again = _contact_form(client.get(f"/console/people/{person_id}")
                                  .get_data(as_text=True), csrf)
    assert again["form_key"] != form["form_key"]
    assert client.post(action, data=again).status_code == 303
    assert _count(fresh_app, Contact) == 2


def test_a_refused_form_keeps_its_key_usable_and_a_forged_key_is_refused(client, fresh_app):
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    page = client.get(f"/console/people/{person_id}").get_data(as_text=True)
    action, form = _contact_form(page, csrf)
    refused = client.post(action, data={**form, "outcome": ""})
    assert refused.status_code == 422 and "请选择联系结果" in refused.get_data(as_text=True)
    assert client.post(action, data=form).status_code == 303  # corrected, same key
    assert _count(fresh_app, Contact) == 1
    forged = client.post(action, data={**form, "form_key": "x'; drop table--"})
    assert forged.status_code == 422
    assert "console.form_key" in forged.get_data(as_text=True)
    assert "页面已过期" in forged.get_data(as_text=True)
    # The key belongs to the contact form: sent to the hire form it does not act there.
    other = client.post(f"/console/people/{person_id}/hires", data={
        "csrf_token": csrf, "form_key": form["form_key"], "employer": "某物业公司",
        "job_title": "保洁员", "starts_on": local_today().isoformat()})
    assert other.status_code == 422 and _count(fresh_app, Hire) == 0
    assert _count(fresh_app, Contact) == 1


def test_twenty_copies_of_one_contact_form_at_once_record_one_contact(client, fresh_app):
    _, person_id = certified_seeker(client)
    with run_app_server(fresh_app) as base_url:
        with requests.Session() as session:
            login = session.get(base_url + "/console/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
            signed = session.post(base_url + "/console/login", allow_redirects=False, data={
                "csrf_token": token, "username": "station_xc", "password": "Demo@2025"})
            assert signed.status_code == 303
            page = session.get(f"{base_url}/console/people/{person_id}").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        action, form = _contact_form(page, csrf)
        answers = fire(base_url, "POST", action, data=form, allow_redirects=False,
                       headers={"Cookie": cookie})
    counts = statuses(answers)
    assert set(counts) <= {303, 409} and counts.get(303, 0) >= 1, counts
    assert sum(counts.values()) == BURST
    assert _count(fresh_app, Contact) == 1
    busy = [headers for status, _, headers in answers if status == 409]
    replays = [headers for status, _, headers in answers if status == 303
               and headers.get("Idempotent-Replayed") == "true"]
    assert counts.get(303, 0) == len(replays) + 1 and len(busy) + len(replays) == BURST - 1


def test_a_hire_form_sent_twice_records_one_hire(client, fresh_app):
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    page = client.get(f"/console/people/{person_id}").get_data(as_text=True)
    action = re.search(r'action="([^"]*/hires)"', page).group(1)
    form = {"csrf_token": csrf, "form_key": KEY.search(page, page.index(action)).group(1),
            "employer": "某物业公司", "job_title": "保洁员",
            "starts_on": local_today().isoformat()}
    first, second = client.post(action, data=form), client.post(action, data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(fresh_app, Hire) == 1
