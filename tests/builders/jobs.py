"""Builders for the jobs tests: they go through the real API."""
from datetime import timedelta

from app.core.clock import local_today
from app.jobs.creditcode import check_character
from tests.builders.http import auth, staff_token


def credit_code(serial, county="150102", prefix="91"):
    """A valid code with letters in it (an all-digit code would look like an ID number)."""
    body = f"{prefix}{county}MA{serial:06d}X"
    return body + check_character(body)


def employer_body(serial=1, region_code="150102001001", **overrides):
    return {"name": f"测试用人单位{serial}", "credit_code": credit_code(serial),
            "kind": "small_micro_firm", "region_code": region_code, "address": "测试路1号",
            "contact_name": "韩梅梅", "contact_phone": "13912345678", **overrides}


def vacancy_body(employer_id, **overrides):
    today = local_today()
    return {"employer_id": employer_id, "title": "仓库分拣员", "occupation_code": "warehouse_keeper",
            "region_code": "150102001001", "address": "测试路1号", "salary_min": 2500,
            "salary_max": 3500, "hours_kind": "full_time", "headcount": 2,
            "physical_demand": "medium", "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=60)).isoformat(), **overrides}


class Staff:
    """A signed-in staff member with short helpers for the jobs endpoints."""

    def __init__(self, client, username):
        self.client = client
        self.headers = auth(staff_token(client, username))

    def get(self, path, **kw):
        return self.client.get("/api/v1/jobs" + path, headers=self.headers, **kw)

    def post(self, path, json=None):
        return self.client.post("/api/v1/jobs" + path, headers=self.headers, json=json)

    def patch(self, path, json):
        return self.client.patch("/api/v1/jobs" + path, headers=self.headers, json=json)

    def new_employer(self, serial=1, **overrides):
        response = self.post("/employers", employer_body(serial, **overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def new_vacancy(self, employer_id, **overrides):
        response = self.post("/vacancies", vacancy_body(employer_id, **overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()
