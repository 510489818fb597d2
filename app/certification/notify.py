"""Every notice an applicant gets about their application, built in one place.

`notifications_for` is pure: it turns one transition into the messages for the push outbox
(kind, account, template values, dedupe key). `dispatch` hands them to the outbox that the
push area (app.wechat.services.enqueue_message, issue 3) provides; it is called inside the
transaction of the transition, so a message exists exactly when the change commits.

Values are named as the template fields of app/wechat/data/templates.json, hold no ID
number, phone or full name, and may be app.core.i18n texts: `dispatch` renders them in the
service language before queueing (the outbox checks and shortens them to WeChat's rules).
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext

from app.core.clock import local_date
from app.core.i18n import N_, Text, render_value
from app.wechat.fields import THING_MAX
from app.wechat.services import enqueue_message


PROGRESS, RESULT = "application_progress", "application_result"
PAGE = "pages/certification/detail"

# action -> (kind, status phrase shown to the applicant). The phrase goes into a WeChat
# `phrase` field (at most 5 Chinese characters, never cut: app/wechat/fields.py) and into
# the SMS text; tests/wechat/test_sent_values.py checks every one fits.
MESSAGES = {
    "submit": (PROGRESS, N_("已提交")),
    "accept": (PROGRESS, N_("站点已受理")),
    "station_pass": (PROGRESS, N_("街道审核中")),
    "township_pass": (PROGRESS, N_("旗县审核中")),
    "station_return": (PROGRESS, N_("需补充材料")),
    "township_return": (PROGRESS, N_("需补充材料")),
    "county_return": (PROGRESS, N_("需补充材料")),
    "resubmit": (PROGRESS, N_("已重新提交")),
    "withdraw": (PROGRESS, N_("已撤回")),
    "escalate": (PROGRESS, N_("已提级督办")),
    "notice_start": (PROGRESS, N_("公示中")),
    "county_certify": (RESULT, N_("认定通过")),
    "notice_clear": (RESULT, N_("认定通过")),
    "county_reject": (RESULT, N_("未通过认定")),
    "notice_uphold": (RESULT, N_("未通过认定")),
}


@dataclass(frozen=True)
class Notification:
    kind: str
    person_account_id: int
    values: dict
    dedupe_key: str
    page_query: str | None = None


ITEM = N_("就业困难人员认定")


def application_number(application_id):
    return f"RD{application_id:010d}"


def _fits(text):
    """Whether a note we compose fits WeChat's `thing` field whole (the service writes
    Chinese: the template itself is the text sent)."""
    return len(render_value(text, lambda template: template)) <= THING_MAX


def _progress_note(subject):
    if subject.get("note"):
        return subject["note"]  # a staff member's words: cut with "…" if longer
    deadline = subject.get("deadline")
    if subject.get("holder") and isinstance(deadline, date):
        full = Text(N_("{holder}办理，{month}月{day}日前答复"), holder=subject["holder"],
                    month=deadline.month, day=deadline.day)
        # a long office name would push the date out of the field: keep the date
        return full if _fits(full) else Text(N_("预计{month}月{day}日前答复"),
                                             month=deadline.month, day=deadline.day)
    return None


def _result_note(subject):
    if subject.get("note"):
        return subject["note"]
    categories = subject.get("categories")
    if categories:
        full = Text(N_("认定类别：{categories}"), categories="、".join(categories))
        return full if _fits(full) else Text(N_("认定{count}个类别，详见小程序"),
                                             count=len(categories))
    return None


def notifications_for(action, subject, event_id, occurred_at):
    """Messages for one transition.

    `subject`: application_id, holder (office name), deadline (date or None), categories
    (labels), note (return note or reject reason), decided_on (date), person_account_id,
    proxy_account_id (both may be None: a person without WeChat gets nothing here; the
    station informs them). `occurred_at`: when the transition happened (UTC datetime).
    """
    if action not in MESSAGES:
        return []
    kind, phrase = MESSAGES[action]
    number = application_number(subject["application_id"])
    if kind == PROGRESS:
        values = {"item": Text(ITEM), "status": Text(phrase), "updated_at": occurred_at,
                  "reference": number, "note": _progress_note(subject)}
    else:
        values = {"item": Text(ITEM), "result": Text(phrase),
                  "decided_on": subject.get("decided_on") or local_date(occurred_at),
                  "note": _result_note(subject)}
    values = {name: value for name, value in values.items() if value is not None}
    recipients = []
    for account_id in (subject.get("person_account_id"), subject.get("proxy_account_id")):
        if account_id is not None and account_id not in recipients:
            recipients.append(account_id)
    return [Notification(kind, account_id, values,
                         f"cert:{subject['application_id']}:{event_id}:{account_id}",
                         {"id": str(subject["application_id"])})
            for account_id in recipients]


def dispatch(notifications):
    """Queue the messages in the push outbox, in the caller's transaction."""
    for n in notifications:
        values = {name: render_value(value, gettext) if isinstance(value, Text) else value
                  for name, value in n.values.items()}
        enqueue_message(n.kind, n.person_account_id, values, n.dedupe_key,
                        page_query=n.page_query)
