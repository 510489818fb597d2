"""SECURITY.md 25: schemathesis drives every operation of the served OpenAPI document with
generated requests: no 5xx, and every answer matches the documented schema and status."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)
from sqlalchemy import select

from app.accounts.access import policy_of
from app.accounts.models import StaffAccount
from app.accounts.roles import has_permission
from app.accounts.sessions import start_session
from app.extensions import db
from app.seed import DEMO_STAFF

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _fresh_token(app, username):
    """A new session per case: generated calls may log out or change the account."""
    with app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        token = start_session("staff", staff)["access_token"]
        db.session.commit()
    return token


def _caller_for(app, operation):
    """A demo account allowed to call the operation, so generated input gets past the
    access check and reaches validation and the service (security_admin otherwise)."""
    path = operation.path.replace("{", "<").replace("}", ">")
    for rule in app.url_map.iter_rules():
        if rule.rule.replace("<id:", "<").replace("<bigid:", "<") == path \
                and operation.method.upper() in rule.methods:
            policy = policy_of(app.view_functions[rule.endpoint])
            if policy and policy.permission:
                for username, _, role, _, _ in DEMO_STAFF:
                    if has_permission(role, policy.permission):
                        return username
    return "security_admin"


def _exercise(app, operation):
    # One session per operation: a generated logout or grant change only affects its own.
    headers = {"Authorization": f"Bearer {_fresh_token(app, _caller_for(app, operation))}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)
    run()


def test_generated_requests_never_break_the_api(fresh_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fresh_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        try:
            _exercise(fresh_app, operation)
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
