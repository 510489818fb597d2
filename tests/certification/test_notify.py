"""The applicant's notifications: one pure function for every transition, queued in the
push outbox in the transition's own transaction."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.certification.notify import MESSAGES, PROGRESS, RESULT, notifications_for
from app.certification.workflow import Action
from app.core.i18n import Text

SUBJECT = {"application_id": 42, "holder": "海拉尔东路街道", "deadline": date(2026, 12, 2),
           "categories": ["大龄失业人员"], "note": None, "decided_on": date(2026, 11, 30),
           "person_account_id": 7, "proxy_account_id": None}
AT = datetime(2026, 11, 28, 7, 30, tzinfo=timezone.utc)


def _text(value):
    return value.render(lambda template: template) if isinstance(value, Text) else value


def test_every_transition_notifies_the_applicant():
    assert {a.value for a in Action} | {"submit", "escalate", "notice_start"} <= set(MESSAGES)


def test_progress_message():
    [message] = notifications_for("station_pass", SUBJECT, 9, AT)
    assert message.kind == PROGRESS and message.person_account_id == 7
    assert {k: _text(v) for k, v in message.values.items()} == {
        "item": "就业困难人员认定", "status": "街道审核中", "updated_at": AT,
        "reference": "RD0000000042", "note": "海拉尔东路街道办理，12月2日前答复"}
    assert message.dedupe_key == "cert:42:9:7" and message.page_query == {"id": "42"}


@pytest.mark.parametrize("action,status", [("accept", "站点已受理"), ("township_pass", "旗县审核中")])
def test_status_words_fit_a_wechat_phrase_whole(action, status):
    [message] = notifications_for(action, SUBJECT, 9, AT)
    assert _text(message.values["status"]) == status


def test_a_note_too_long_for_wechat_keeps_the_deadline_and_drops_the_office():
    office = "呼和浩特市新城区海拉尔东路街道家门口就业服务站"
    [message] = notifications_for("station_pass", {**SUBJECT, "holder": office}, 9, AT)
    assert _text(message.values["note"]) == "预计12月2日前答复"
    many = ["大龄失业人员", "零就业家庭成员", "长期失业人员"]
    [message] = notifications_for("county_certify", {**SUBJECT, "categories": many}, 9, AT)
    assert _text(message.values["note"]) == "认定3个类别，详见小程序"


@pytest.mark.parametrize("action,result", [("county_certify", "认定通过"),
                                           ("notice_clear", "认定通过"),
                                           ("county_reject", "未通过认定"),
                                           ("notice_uphold", "未通过认定")])
def test_result_messages(action, result):
    [message] = notifications_for(action, {**SUBJECT, "note": "不符合条件"}, 3, AT)
    assert message.kind == RESULT
    assert _text(message.values["result"]) == result
    assert message.values["decided_on"] == date(2026, 11, 30)
    assert message.values["note"] == "不符合条件"


def test_a_result_without_a_decision_date_is_dated_on_its_beijing_day():
    late_evening_utc = datetime(2026, 11, 28, 17, 30, tzinfo=timezone.utc)  # 01:30 on the 29th
    [message] = notifications_for("county_certify", {**SUBJECT, "decided_on": None}, 3,
                                  late_evening_utc)
    assert message.values["decided_on"] == date(2026, 11, 29)


def test_proxy_gets_a_copy_and_people_without_wechat_get_none():
    messages = notifications_for("accept", {**SUBJECT, "proxy_account_id": 8}, 5, AT)
    assert [m.person_account_id for m in messages] == [7, 8]
    assert len({m.dedupe_key for m in messages}) == 2
    assert notifications_for("accept", {**SUBJECT, "person_account_id": None}, 5, AT) == []
    assert notifications_for("unknown_action", SUBJECT, 5, AT) == []
