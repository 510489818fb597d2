"""SECURITY.md 25: schemathesis drives every operation of the served OpenAPI document with
generated requests: no 5xx, and every answer matches the documented schema and status."""
import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)
from sqlalchemy import select

from app.accounts.access import policy_of
from app.accounts.models import StaffAccount
from app.accounts.roles import has_permission
from app.accounts.sessions import start_session
from app.extensions import db, limiter
from app.seed import DEMO_STAFF
from tests.builders.http import person_token
from tests.builders.people import register_self

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))


def _fresh_staff_token(app, username):
    """A new session per case: generated calls may log out or change the account."""
    with app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        token = start_session("staff", staff)["access_token"]
        db.session.commit()
    return token


def _staff_caller_for(app, operation):
    """A demo account allowed to call the operation, so generated input gets past the
    access check and reaches validation and the service (security_admin otherwise)."""
    policy = _policy(app, operation)
    if policy and policy.permission:
        for username, _, role, _, _ in DEMO_STAFF:
            if has_permission(role, policy.permission):
                return username
    return "security_admin"


def _policy(app, operation):
    path = operation.path.replace("{", "<").replace("}", ">")
    for rule in app.url_map.iter_rules():
        if rule.rule.replace("<id:", "<").replace("<bigid:", "<") == path \
                and operation.method.upper() in rule.methods:
            return policy_of(app.view_functions[rule.endpoint])
    return None


def _callers(app, operation):
    """Every kind of caller the operation serves: a staff member with the permission, a
    registered job seeker, or nobody for public operations (staff try those too)."""
    kind = getattr(_policy(app, operation), "kind", "public")
    callers = []
    if kind in ("staff", "person_or_staff", "public"):
        callers.append(("staff", _staff_caller_for(app, operation)))
    if kind in ("person", "person_or_staff"):
        callers.append(("person", "fuzz"))
    return callers


def _token(app, client, caller):
    kind, name = caller
    if kind == "staff":
        return _fresh_staff_token(app, name)
    with app.app_context():
        limiter.reset()  # the login limit is not what this test is about
    return person_token(client, name)  # logs in again: a generated logout ends only its own


def _exercise(app, operation, token):
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)
    run()


def test_generated_requests_never_break_the_api(fresh_app, client):
    token = person_token(client, "fuzz")
    register_self(client, token, name="模糊测试")  # person operations reach a real record
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fresh_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        for caller in _callers(fresh_app, operation):
            try:
                _exercise(fresh_app, operation, _token(fresh_app, client, caller))
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every one is tried
                failures.append(f"{operation.label} as {caller[0]}: {str(exc)[:600]}")
    assert not failures, f"{len(failures)} failing:\n" + "\n\n".join(failures)
