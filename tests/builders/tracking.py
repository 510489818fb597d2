"""Builders for the help-loop tests: through the real HTTP API, the clock moved with
time-machine (the services read app.core.clock, which reads the process clock)."""
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import time_machine

from app.core.clock import DISPLAY_TZ, local_today
from tests.builders.http import auth, staff_token
from tests.builders.jobs import Staff

BASE = "/api/v1/tracking"


@contextmanager
def days_later(days):
    """The whole service `days` Beijing days from now, at 10:00 (tokens must be new)."""
    target = datetime.combine(local_today() + timedelta(days=days), time(10, 0),
                              tzinfo=DISPLAY_TZ)
    with time_machine.travel(target, tick=True):
        yield


def get(client, staff, path, expect=200, **params):
    response = client.get(BASE + path, headers=auth(staff_token(client, staff)),
                          query_string=params)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def post(client, staff, path, body=None, expect=200, method="post"):
    response = getattr(client, method)(BASE + path, json=body or {},
                                       headers=auth(staff_token(client, staff)))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def run_daily(app, today=None):
    from app.extensions import db
    from app.tracking.daily import run_daily as run
    with app.app_context():
        counts = run(today)
        db.session.commit()
        return counts


def hire_through_recommendation(client, person_headers, person_id, serial=1):
    """A vacancy posted, recommended, applied for, interviewed and hired (app.jobs)."""
    station = Staff(client, "station_xc")
    employer = station.new_employer(serial)
    vacancy = station.new_vacancy(employer["id"])
    rec = station.post("/recommendations", {"person_id": person_id, "vacancy_id": vacancy["id"]})
    assert rec.status_code == 201, rec.get_json()
    rec_id = rec.get_json()["id"]
    mine = f"/api/v1/jobs/recommendations/mine/{rec_id}"
    client.get(mine, headers=person_headers)
    assert client.post(mine + "/apply", headers=person_headers).status_code == 200
    assert station.post(f"/recommendations/{rec_id}/interview").status_code == 200
    hired = station.post(f"/recommendations/{rec_id}/hire")
    assert hired.status_code == 200, hired.get_json()
    return rec_id
