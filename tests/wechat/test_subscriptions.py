"""POST/GET /api/v1/push/subscriptions: the quota per (person account, template)."""
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.wechat.services import QUOTA_CAP
from app.wechat.templates import load_catalog
from tests.builders.http import auth, error_code, person_token, staff_token

URL = "/api/v1/push/subscriptions"
RESULT_TMPL = "demo-tmpl-application-result"
JOB_TMPL = "demo-tmpl-job-recommendation"


def report(client, token, result):
    return client.post(URL, headers=auth(token),
                       json={"result": {"errMsg": "requestSubscribeMessage:ok", **result}})


def quotas(response):
    return {row["template_id"]: row["quota"] for row in response.get_json()}


def test_each_accept_adds_one_and_ban_clears(client, db_session):
    token = person_token(client, "zhangsan")
    assert quotas(report(client, token, {RESULT_TMPL: "accept", JOB_TMPL: "reject"}))[
        RESULT_TMPL] == 1
    response = report(client, token, {RESULT_TMPL: "accept", JOB_TMPL: "accept"})
    assert response.status_code == 200
    assert quotas(response)[RESULT_TMPL] == 2 and quotas(response)[JOB_TMPL] == 1

    listed = client.get(URL, headers=auth(token))
    assert listed.status_code == 200
    rows = {row["template_id"]: row for row in listed.get_json()}
    assert rows[RESULT_TMPL]["quota"] == 2 and rows[RESULT_TMPL]["last_result"] == "accept"
    assert rows[RESULT_TMPL]["kinds"] == ["application_result"]
    # every configured template is listed, so the mini-program knows what to ask for
    assert len(rows) == len(load_catalog().kinds) and rows["demo-tmpl-event-invitation"]["quota"] == 0

    assert quotas(report(client, token, {RESULT_TMPL: "reject"}))[RESULT_TMPL] == 2
    assert quotas(report(client, token, {RESULT_TMPL: "ban"}))[RESULT_TMPL] == 0
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert actions.count("push.subscriptions_reported") == 4


def test_quotas_are_per_person(client):
    first, second = person_token(client, "zhangsan"), person_token(client, "lisi")
    report(client, first, {RESULT_TMPL: "accept"})
    assert quotas(client.get(URL, headers=auth(second)))[RESULT_TMPL] == 0


def test_quota_is_capped(client, db_session):
    from app.accounts.models import PersonAccount
    from app.wechat.services import report_subscriptions
    token = person_token(client, "zhangsan")
    account = db_session.scalar(select(PersonAccount))
    for _ in range(QUOTA_CAP + 2):
        rows = report_subscriptions(account, {RESULT_TMPL: "accept"})
    db_session.commit()
    assert {r["template_id"]: r["quota"] for r in rows}[RESULT_TMPL] == QUOTA_CAP
    assert quotas(client.get(URL, headers=auth(token)))[RESULT_TMPL] == QUOTA_CAP


def test_unknown_template_is_refused_and_nothing_recorded(client):
    token = person_token(client, "zhangsan")
    response = report(client, token, {RESULT_TMPL: "accept", "SomeoneElsesTemplate": "accept"})
    assert response.status_code == 422
    assert error_code(response) == "push.unknown_template"
    assert response.get_json()["error"]["details"]["template_ids"] == ["SomeoneElsesTemplate"]
    assert quotas(client.get(URL, headers=auth(token)))[RESULT_TMPL] == 0


def test_malformed_reports_are_refused(client):
    token = person_token(client, "zhangsan")
    bad_bodies = [
        {"result": {RESULT_TMPL: "yes please"}},
        {"result": {"errMsg": "requestSubscribeMessage:ok"}},
        {"result": {"a": "accept", "b": "accept", "c": "accept", "d": "accept"}},
        {"result": {"../../etc": "accept"}},
        {"result": {RESULT_TMPL: "accept"}, "quota": 99},
        {"result": "accept"},
        {},
    ]
    for body in bad_bodies:
        response = client.post(URL, headers=auth(token), json=body)
        assert response.status_code == 422, body
        assert error_code(response) == "request.invalid"
    assert quotas(client.get(URL, headers=auth(token)))[RESULT_TMPL] == 0


def test_only_a_person_may_report(client):
    response = client.post(URL, json={"result": {RESULT_TMPL: "accept"}})
    assert response.status_code == 401
    response = client.post(URL, headers=auth(staff_token(client, "region_admin")),
                           json={"result": {RESULT_TMPL: "accept"}})
    assert response.status_code == 401
