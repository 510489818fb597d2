"""Bad input is refused at the door with a stable code, on SQLite and PostgreSQL alike: ids
beyond the database's integers, control characters in paths and query strings, JSON nested
without end, and the responses that once broke the OpenAPI document."""
import pytest
from marshmallow import fields, validate
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.core.guards import MAX_JSON_DEPTH, json_depth
from app.extensions import db
from tests.builders.applications import COMMITMENT, applicant
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import create_person

TOO_BIG = 2**63  # one past BIGINT
BASE = "/api/v1/certification"


def _integer_fields(schema, path=""):
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        if isinstance(field, fields.Nested):
            yield from _integer_fields(field.schema, f"{path}{name}.")
            continue
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Integer):
            yield f"{path}{name}", inner


def test_every_integer_a_caller_sends_is_bounded(app):
    """The house rule behind the 500s: an unbounded integer reaches the driver and overflows."""
    unbounded = []
    for endpoint, view in app.view_functions.items():
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            schema = parameter["schema"]
            schema = schema() if isinstance(schema, type) else schema
            for name, field in _integer_fields(schema):
                if not any(isinstance(v, (validate.Range, validate.OneOf))
                           for v in field.validators):
                    unbounded.append(f"{endpoint}: {name}")
    assert not unbounded, unbounded


def test_ids_beyond_64_bits_are_a_422_not_a_500(client):
    token = applicant(client)
    staff = staff_token(client, "station_xc")
    admin = staff_token(client, "security_admin")
    listed = client.get("/api/v1/staff", headers=auth(admin)).get_json()
    station_xc_id = next(s["id"] for s in listed if s["username"] == "station_xc")
    cases = [
        client.post(f"{BASE}/my/applications", headers=auth(token),
                    json={"person_id": TOO_BIG, "commitment": COMMITMENT}),
        client.post(f"{BASE}/my/applications", headers=auth(token),
                    json={"station_id": 2**31, "commitment": COMMITMENT}),
        client.get(f"{BASE}/my/assessment", headers=auth(token),
                   query_string={"person_id": str(TOO_BIG)}),
        client.post(f"{BASE}/applications", headers=auth(staff),
                    json={"person_id": TOO_BIG, "commitment": COMMITMENT}),
        client.patch(f"/api/v1/staff/{station_xc_id}", headers=auth(admin),
                     json={"station_id": TOO_BIG}),
        client.get("/api/v1/jobs/vacancies", headers=auth(staff_token(client, "county_xc")),
                   query_string={"employer_id": str(TOO_BIG)}),
    ]
    assert [(r.status_code, error_code(r)) for r in cases] == [(422, "request.invalid")] * 6


@pytest.mark.parametrize("path", ["/api/v1/regions/15%0001",
                                  "/api/v1/certification/settings/15%0001",
                                  "/api/v1/jobs/employers?name=a%00b",
                                  "/api/v1/jobs/employers?na%01me=ab"])
def test_control_characters_in_paths_and_query_strings_are_refused(client, path):
    response = client.get(path, headers=auth(staff_token(client, "county_xc")))
    assert response.status_code == 400
    assert error_code(response) == "request.control_characters"
    assert response.get_json()["error"]["message"] == "请求中不能包含控制字符"


def test_a_body_nested_without_end_is_refused_and_nothing_saved(client):
    token = applicant(client)
    before = client.get("/api/v1/people/me/household", headers=auth(token)).get_json()
    response = client.put("/api/v1/people/me/household", data="[" * 5000,
                          content_type="application/json", headers=auth(token))
    assert response.status_code == 400 and error_code(response) == "request.nested_too_deep"
    nested = client.put("/api/v1/people/me/household", headers=auth(token),
                        json={"members": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})
    assert error_code(nested) == "request.nested_too_deep"
    assert client.get("/api/v1/people/me/household", headers=auth(token)).get_json() == before


def test_depth_counts_brackets_outside_strings_only():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[[["') == 0
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1


def test_a_person_without_a_household_gets_a_null_id_as_documented(client, app):
    token = applicant(client)
    body = client.get("/api/v1/people/me/household", headers=auth(token)).get_json()
    assert body["id"] is None and body["members"] == []
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["HouseholdOut"]["properties"]["id"]["nullable"] is True


def test_revealing_a_field_never_recorded_is_a_404_and_not_audited(client, fresh_app):
    staff = staff_token(client, "station_xc")
    person = create_person(client, staff)  # no phone given
    url = f"/api/v1/people/{person['id']}/reveal"
    response = client.post(url, json={"field": "phone", "purpose": "电话回访核实"},
                           headers=auth(staff))
    assert response.status_code == 404 and error_code(response) == "people.field_not_recorded"
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "person.revealed")) == 0
