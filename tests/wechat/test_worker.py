"""The push worker against the fake WeChat and the fake SMS gateway (real HTTP, subprocesses).

Each WeChat error class is injected through the fake's /_control/faults, as WeChat would
answer it, and the worker's decision is read back from the database and the fakes.
"""
from datetime import date, timedelta

import pytest

from app.core.clock import utcnow
from app.core.wechat import WeChatGateway
from app.extensions import db
from app.wechat.services import enqueue_message
from tests.conftest import APPID, SECRET
from tests.wechat.conftest import PHONE, attempts, message, quota

SEND = "/cgi-bin/message/subscribe/send"
TMPL = "demo-tmpl-application-result"
VALUES = {"item": "就业困难人员认定申请（城镇登记失业人员类别）", "result": "已通过",
          "decided_on": date(2026, 11, 28)}


def enqueue(person, key="application:1:decided", **values):
    queued = enqueue_message("application_result", person.account_id, {**VALUES, **values},
                             dedupe_key=key, page_query={"id": 1})
    db.session.commit()
    return queued.id


def later(hours=2):
    return lambda: utcnow() + timedelta(hours=hours)


def test_worker_delivers_to_wechat(person, worker, db_session, wechat):
    person.subscribe(TMPL)
    message_id = enqueue(person)
    counts = worker().run(once=True)
    assert counts["sent"] == 1
    sent = wechat.messages()["messages"]
    assert len(sent) == 1
    assert sent[0]["touser"] == person.openid and sent[0]["template_id"] == TMPL
    assert sent[0]["page"] == "pages/applications/detail?id=1"
    assert sent[0]["data"] == {"thing1": {"value": "就业困难人员认定申请（城镇登记失业人员…"},
                               "phrase2": {"value": "已通过"},
                               "date3": {"value": "2026年11月28日"},
                               "thing4": {"value": "详情请在小程序中查看"}}
    row = message(db_session, message_id)
    assert row.status == "sent" and row.channel == "wechat" and row.sent_at is not None
    assert row.provider_message_id == str(sent[0]["msgid"])
    assert [(a.result, a.channel) for a in attempts(db_session, message_id)] == [("sent",
                                                                                  "wechat")]
    assert quota(db_session, person.account_id, TMPL) == 0  # the one-time grant is used
    assert worker().run(once=True)["sent"] == 0  # nothing twice
    assert wechat.messages()["total"] == 1


@pytest.mark.parametrize("fault", [-1, 45011, 45009, "http_500"])
def test_busy_and_server_errors_wait_and_retry(person, worker, db_session, wechat, fault):
    person.subscribe(TMPL)
    message_id = enqueue(person)
    wechat.inject_fault(SEND, fault)
    counts = worker().run(once=True)
    assert counts["retry"] == 1 and wechat.messages()["total"] == 0
    row = message(db_session, message_id)
    assert row.status == "queued" and row.quota_held
    assert row.next_attempt_at > utcnow()  # backed off, not due now
    expected = "None" if fault == "http_500" else str(fault)
    [attempt] = attempts(db_session, message_id)
    assert attempt.result == "retry" and attempt.errcode == expected
    assert quota(db_session, person.account_id, TMPL) == 0  # held for the retry
    assert worker().run(once=True)["sent"] == 0  # still backing off
    assert run_later(worker)["sent"] == 1
    assert message(db_session, message_id).status == "sent"
    assert wechat.messages()["total"] == 1


def run_later(worker, hours=2, **settings):
    built = worker(**settings)
    built.clock = later(hours)
    return built.run(once=True)


def test_timeout_is_retried(person, worker, db_session, wechat, fresh_app):
    person.subscribe(TMPL)
    message_id = enqueue(person)
    built = worker()
    built.gateway = WeChatGateway(APPID, SECRET, fresh_app.config["WECHAT_API_BASE"],
                                  timeout=0.5)
    wechat.inject_fault(SEND, "delay:1")
    assert built.run(once=True)["retry"] == 1
    [attempt] = attempts(db_session, message_id)
    assert attempt.errcode == "None" and attempt.errmsg == "timeout"
    assert message(db_session, message_id).status == "queued"


def test_token_refreshed_once_then_sent(person, worker, db_session, wechat):
    person.subscribe(TMPL)
    message_id = enqueue(person)
    wechat.inject_fault(SEND, 40001)
    assert worker().run(once=True)["sent"] == 1
    assert message(db_session, message_id).status == "sent"
    assert wechat.stats()["calls"][SEND] == 2  # the rejected call and one retry


def test_token_still_rejected_after_the_refresh_is_retried_later(person, worker, db_session,
                                                                   wechat):
    person.subscribe(TMPL)
    message_id = enqueue(person)
    wechat.inject_fault(SEND, 42001, count=2)
    assert worker().run(once=True)["retry"] == 1
    assert wechat.stats()["calls"][SEND] == 2  # never more than one refresh + retry
    assert attempts(db_session, message_id)[0].errcode == "42001"
    assert run_later(worker)["sent"] == 1


@pytest.mark.parametrize("fault", [47003, 40037, 41030])
def test_data_and_config_errors_fail_without_retry(person, worker, db_session, wechat, fault):
    person.subscribe(TMPL)
    message_id = enqueue(person)
    wechat.inject_fault(SEND, fault)
    assert worker().run(once=True)["failed"] == 1
    row = message(db_session, message_id)
    assert row.status == "failed" and row.last_error == f"wechat_{fault}"
    [attempt] = attempts(db_session, message_id)
    assert attempt.result == "failed" and attempt.errcode == str(fault) and attempt.errmsg
    assert quota(db_session, person.account_id, TMPL) == 1  # WeChat did not use it
    assert run_later(worker)["sent"] == 0 and wechat.stats()["calls"][SEND] == 1


def test_real_unknown_template_at_wechat_fails(person, worker, db_session, wechat, catalog):
    wechat.reset()  # the template is not registered at WeChat: a real 40037
    person.subscribe(TMPL)
    message_id = enqueue(person)
    worker().run(once=True)
    assert message(db_session, message_id).last_error == "wechat_40037"


def test_43101_zeroes_the_quota_and_falls_back_to_sms(person, worker, db_session, wechat, sms):
    person.bind_phone()
    person.subscribe(TMPL, count=2, at_wechat=0)  # we think 2, WeChat knows better
    message_id = enqueue(person)
    counts = worker().run(once=True)
    assert counts["fallback"] == 1 and counts["sent"] == 1
    assert quota(db_session, person.account_id, TMPL) == 0
    row = message(db_session, message_id)
    assert row.status == "sent" and row.channel == "sms"
    assert row.fallback_reason == "wechat_43101"
    assert [(a.channel, a.result, a.errcode) for a in attempts(db_session, message_id)] == [
        ("wechat", "fallback", "43101"), ("sms", "sent", None)]
    [text] = sms.messages()["messages"]
    assert text["phone"] == PHONE and text["template_code"] == "SMS_DEMO_APPLICATION_RESULT"
    assert text["params"] == {"item": "就业困难人员认定申请（城镇登记失业人员…", "result": "已通过"}
    assert text["out_id"] == str(message_id)
    assert wechat.messages()["total"] == 0
    for attempt in attempts(db_session, message_id):  # never personal data in the history
        assert PHONE not in f"{attempt.errcode}{attempt.errmsg}{attempt.worker}"
        assert person.openid not in f"{attempt.errcode}{attempt.errmsg}"


def test_without_quota_the_message_goes_by_sms_at_once(person, worker, db_session, wechat, sms):
    person.bind_phone()
    message_id = enqueue(person)
    assert worker().run(once=True)["sent"] == 1
    row = message(db_session, message_id)
    assert (row.status, row.channel, row.fallback_reason) == ("sent", "sms", "no_quota")
    assert wechat.stats()["calls"].get(SEND, 0) == 0
    assert sms.messages()["total"] == 1


def test_without_openid_the_message_goes_by_sms(fresh_app, db_session, worker, sms, templates):
    from app.accounts.models import PersonAccount
    account = PersonAccount(openid="", phone=PHONE, active=True, token_version=1)
    db_session.add(account)
    db_session.commit()
    queued = enqueue_message("application_result", account.id, VALUES, dedupe_key="no-openid")
    db_session.commit()
    assert worker().run(once=True)["sent"] == 1
    row = message(db_session, queued.id)
    assert (row.status, row.channel, row.fallback_reason) == ("sent", "sms", "no_openid")
    assert sms.messages()["messages"][0]["phone"] == PHONE


def test_no_quota_and_no_phone_fails_with_the_reason(person, worker, db_session, sms):
    message_id = enqueue(person)
    assert worker().run(once=True)["failed"] == 1
    row = message(db_session, message_id)
    assert row.status == "failed" and row.last_error == "no_quota_no_phone"
    assert sms.stats()["calls"] == 0


def test_wechat_retries_exhausted_fall_back_to_sms(person, worker, db_session, wechat, sms):
    person.bind_phone()
    person.subscribe(TMPL)
    message_id = enqueue(person)
    wechat.inject_fault(SEND, -1, count=5)
    assert worker(max_attempts=2).run(once=True)["retry"] == 1
    counts = run_later(worker, max_attempts=2)
    assert counts["fallback"] == 1 and counts["sent"] == 1
    row = message(db_session, message_id)
    assert (row.channel, row.fallback_reason) == ("sms", "wechat_retries_exhausted")
    assert quota(db_session, person.account_id, TMPL) == 1  # returned: WeChat never used it


def test_sms_errors(person, worker, db_session, sms):
    person.bind_phone()
    first, second = enqueue(person, key="a"), enqueue(person, key="b")
    sms.inject_fault("isv.BUSINESS_LIMIT_CONTROL")  # flow control: try again later
    counts = worker().run(once=True)
    assert counts["retry"] == 1 and counts["sent"] == 1
    assert message(db_session, first).status == "queued"
    assert attempts(db_session, first)[-1].errcode == "isv.BUSINESS_LIMIT_CONTROL"
    assert run_later(worker)["sent"] == 1
    sms.inject_fault("isv.MOBILE_NUMBER_ILLEGAL")
    third = enqueue(person, key="c")
    assert worker().run(once=True)["failed"] == 1
    assert message(db_session, third).last_error == "sms_isv.MOBILE_NUMBER_ILLEGAL"
    assert {message(db_session, i).status for i in (first, second)} == {"sent"}


def test_inactive_recipient_fails(person, worker, db_session):
    from app.accounts.models import PersonAccount
    message_id = enqueue(person)
    db_session.get(PersonAccount, person.account_id).active = False
    db_session.commit()
    worker().run(once=True)
    assert message(db_session, message_id).last_error == "recipient_inactive"


@pytest.mark.parametrize("grants", [1, 2])
def test_quotas_are_reserved_at_claim_in_order_while_they_last(person, worker, db_session,
                                                               wechat, grants):
    person.subscribe(TMPL, count=grants)
    ids = [enqueue(person, key=f"m{n}") for n in range(grants + 1)]
    built = worker()
    batch = built.claim()
    assert [item.id for item in batch] == ids
    assert [item.quota_held for item in batch] == [True] * grants + [False]
    assert [message(db_session, i).quota_held for i in ids] == [True] * grants + [False]
    assert quota(db_session, person.account_id, TMPL) == 0  # reserved for the first ones
    built.deliver(batch)
    assert [message(db_session, i).status for i in ids] == ["sent"] * grants + ["failed"]
    assert message(db_session, ids[-1]).last_error == "no_quota_no_phone"
    assert wechat.messages()["total"] == grants
    assert quota(db_session, person.account_id, TMPL) == 0
