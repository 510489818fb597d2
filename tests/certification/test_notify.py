"""The applicant's notifications, one pure function for every transition."""
from datetime import date

import pytest

from app.certification.notify import MESSAGES, PROGRESS, RESULT, notifications_for
from app.certification.workflow import Action

SUBJECT = {"application_id": 42, "holder": "海拉尔东路街道（演示）", "deadline": date(2026, 12, 2),
           "categories": ["大龄失业人员"], "note": None, "decided_on": date(2026, 11, 30),
           "person_account_id": 7, "proxy_account_id": None}


def test_every_transition_notifies_the_applicant():
    assert {a.value for a in Action} | {"submit", "escalate", "notice_start"} <= set(MESSAGES)


def test_progress_message():
    [message] = notifications_for("station_pass", SUBJECT, event_id=9)
    assert message.kind == PROGRESS and message.person_account_id == 7
    assert message.values == {"application_no": "RD0000000042", "status": "街道审核中",
                              "holder": "海拉尔东路街道（演示）", "deadline": "2026年12月2日",
                              "note": ""}
    assert message.dedupe_key == "cert:42:9:7" and message.page_query == "id=42"


@pytest.mark.parametrize("action,result", [("county_certify", "认定通过"),
                                           ("notice_clear", "认定通过"),
                                           ("county_reject", "未通过认定"),
                                           ("notice_uphold", "未通过认定")])
def test_result_messages(action, result):
    [message] = notifications_for(action, {**SUBJECT, "note": "不符合条件"}, event_id=3)
    assert message.kind == RESULT
    assert message.values["result"] == result
    assert message.values["categories"] == "大龄失业人员"
    assert message.values["decided_on"] == "2026年11月30日"


def test_proxy_gets_a_copy_and_people_without_wechat_get_none():
    messages = notifications_for("accept", {**SUBJECT, "proxy_account_id": 8}, event_id=5)
    assert [m.person_account_id for m in messages] == [7, 8]
    assert len({m.dedupe_key for m in messages}) == 2
    assert notifications_for("accept", {**SUBJECT, "person_account_id": None}, 5) == []
    assert notifications_for("unknown_action", SUBJECT, 5) == []
