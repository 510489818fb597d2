"""Every notice an applicant gets about their application, built in one place.

`notifications_for` is pure: it turns one transition into the messages for the push outbox
(kind, account, template values, dedupe key). `dispatch` hands them to the outbox that the
push area (app.wechat.services.enqueue_message, issue 3) provides; it is called inside the
transaction of the transition, so a message exists exactly when the change commits.

Values hold no ID number, phone or full name (the outbox stores them in clear), and stay
within WeChat's field rules (the outbox shortens long `thing` values itself).
"""
import logging
from dataclasses import dataclass
from datetime import date

from app.core.i18n import N_

log = logging.getLogger(__name__)

PROGRESS, RESULT = "application_progress", "application_result"
PAGE = "pages/certification/detail"

# action -> (kind, status phrase shown to the applicant)
MESSAGES = {
    "submit": (PROGRESS, N_("已提交")),
    "accept": (PROGRESS, N_("服务站已受理")),
    "station_pass": (PROGRESS, N_("街道审核中")),
    "township_pass": (PROGRESS, N_("旗县区审核中")),
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


def application_number(application_id):
    return f"RD{application_id:010d}"


def _date(value):
    if not isinstance(value, date):
        return None
    return N_("{year}年{month}月{day}日").format(year=value.year, month=value.month, day=value.day)


def notifications_for(action, subject, event_id):
    """Messages for one transition.

    `subject`: application_id, holder (office name), deadline (date or None), categories
    (labels), note (return note or reject reason), decided_on (date), person_account_id,
    proxy_account_id (both may be None: a person without WeChat gets nothing here; the
    station informs them).
    """
    if action not in MESSAGES:
        return []
    kind, phrase = MESSAGES[action]
    number = application_number(subject["application_id"])
    if kind == PROGRESS:
        values = {"application_no": number, "status": phrase,
                  "holder": subject.get("holder") or "", "deadline": _date(subject.get("deadline")),
                  "note": subject.get("note") or ""}
    else:
        values = {"application_no": number, "result": phrase,
                  "categories": "、".join(subject.get("categories") or []),
                  "decided_on": _date(subject.get("decided_on")),
                  "note": subject.get("note") or ""}
    recipients = []
    for account_id in (subject.get("person_account_id"), subject.get("proxy_account_id")):
        if account_id is not None and account_id not in recipients:
            recipients.append(account_id)
    return [Notification(kind, account_id, values,
                         f"cert:{subject['application_id']}:{event_id}:{account_id}",
                         f"id={subject['application_id']}")
            for account_id in recipients]


def dispatch(notifications):
    """Queue the messages in the push outbox, in the caller's transaction.

    Wired at merge with the push branch (issue 3); the call is exactly:
        enqueue_message(n.kind, n.person_account_id, n.values, n.dedupe_key,
                        page_query=n.page_query)
    """
    for n in notifications:
        log.info("push pending wiring: %s for account %s (%s)", n.kind, n.person_account_id,
                 n.dedupe_key)
