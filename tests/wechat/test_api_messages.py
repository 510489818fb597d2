"""GET /api/v1/push/messages/<id>: delivery status for the recipient or staff in scope."""
import json
from datetime import date

import pytest

from app.extensions import db
from app.wechat.services import enqueue_message
from tests.builders.http import auth, error_code, staff_token
from tests.wechat.conftest import PHONE

TMPL = "demo-tmpl-application-result"


@pytest.fixture()
def sent_message(person, worker, wechat, sms, db_session):
    """A message that went by SMS after WeChat said 43101: two attempts to show."""
    person.bind_phone()
    person.subscribe(TMPL, at_wechat=0)
    queued = enqueue_message("application_result", person.account_id,
                             {"item": "就业困难人员认定", "result": "已通过",
                              "decided_on": date(2026, 11, 28)}, dedupe_key="api-1")
    db.session.commit()
    worker().run(once=True)
    return queued.id


def url(message_id):
    return f"/api/v1/push/messages/{message_id}"


def test_the_recipient_sees_status_and_attempts(client, person, sent_message):
    response = client.get(url(sent_message), headers=person.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "sent" and body["channel"] == "sms"
    assert body["fallback_reason"] == "wechat_43101" and body["kind"] == "application_result"
    assert [(a["channel"], a["result"], a["errcode"]) for a in body["attempts"]] == [
        ("wechat", "fallback", "43101"), ("sms", "sent", None)]
    assert body["attempts"][0]["started_at"].endswith("+08:00")
    raw = json.dumps(body, ensure_ascii=False)
    # status only: no content, phone or openid
    for secret in (PHONE, person.openid, "已通过", "就业困难人员认定"):
        assert secret not in raw


def test_region_wide_staff_may_read(client, sent_message):
    response = client.get(url(sent_message), headers=auth(staff_token(client, "region_admin")))
    assert response.status_code == 200 and response.get_json()["id"] == sent_message


def test_staff_below_region_level_get_404_until_persons_have_regions(client, sent_message):
    for username in ("county_xc", "station_xc", "city_hhht"):
        response = client.get(url(sent_message), headers=auth(staff_token(client, username)))
        assert response.status_code == 404, username
        assert error_code(response) == "push.message_not_found"


def test_roles_without_push_read_are_refused(client, sent_message):
    for username in ("auditor", "security_admin"):
        response = client.get(url(sent_message), headers=auth(staff_token(client, username)))
        assert response.status_code == 403, username


def test_another_person_and_strangers(client, make_person, sent_message):
    other = make_person("lisi")
    response = client.get(url(sent_message), headers=other.headers)
    assert response.status_code == 404 and error_code(response) == "push.message_not_found"
    assert client.get(url(sent_message)).status_code == 401
    assert client.get(url(sent_message), headers=auth("not-a-token")).status_code == 401
    response = client.get(url(999999), headers=auth(staff_token(client, "region_admin")))
    assert response.status_code == 404


def test_the_push_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/push/subscriptions", "/api/v1/push/messages/{message_id}"} <= set(paths)
