"""Push operations: the outbox entry point for every area, subscriptions, message status.

Other areas call one function, in their own transaction:

    from app.wechat.services import enqueue_message
    enqueue_message("application_result", account.id,
                    {"item": "就业困难人员认定", "result": "已通过", "decided_on": today},
                    dedupe_key=f"application:{application.id}:decided")

It only INSERTs; the worker (app.wechat.worker, `flask push worker`) sends later.
"""
import json

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import make_transient_to_detached

from app.accounts.models import PersonAccount
from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.regiontree import level_of
from app.extensions import db

from .models import MessageStatus, PushMessage, PushSubscription
from .sqlutil import dialect_insert
from .templates import MessageDataError

SUBSCRIBE_CHOICES = ("accept", "reject", "ban", "filter")
QUOTA_CAP = 50  # per (account, template): the client reports accepts, WeChat is the authority
PAYLOAD_VERSION = 1

ERROR_MESSAGES = {
    "push.unknown_kind": _l("未知的消息类型"),
    "push.invalid_values": _l("消息内容格式不正确"),
    "push.missing_field": _l("消息缺少必填内容"),
    "push.unknown_field": _l("消息包含未定义的内容"),
    "push.invalid_field": _l("消息内容不符合微信格式要求"),
    "push.invalid_page_query": _l("消息跳转参数不正确"),
}


def catalog():
    """The message-kind catalog of this app (loaded and checked at start-up)."""
    return current_app.extensions["push_catalog"]


def enqueue_message(kind, person_account_id, values, dedupe_key, page_query=None):
    """Put one message in the outbox in the caller's transaction; nothing is sent here.

    `values` are named as the kind's fields in app/wechat/data/templates.json; they are
    checked and shortened to WeChat's rules now, so a bad value fails the caller, not the
    worker. A second call with the same dedupe_key returns the message already queued
    (whatever its values), without error. Returns the PushMessage.

    ValidationFailed (422): push.invalid_dedupe_key, push.unknown_kind, push.missing_field,
    push.unknown_field, push.invalid_field, push.invalid_page_query, push.unknown_recipient.
    """
    if not isinstance(dedupe_key, str) or not 1 <= len(dedupe_key) <= 128:
        raise ValidationFailed("push.invalid_dedupe_key", _l("消息去重键不正确"))
    # No read before the INSERT: a key seen before makes ON CONFLICT DO NOTHING return no
    # row, and only then is the queued message read (most keys are new: an event's id).
    try:
        rendered = catalog().render(kind, values, page_query)
    except MessageDataError as exc:
        existing = _by_dedupe_key(dedupe_key)  # queued before: returned whatever its values
        if existing is not None:
            return existing
        raise ValidationFailed(exc.code, ERROR_MESSAGES[exc.code], exc.details) from None
    if not isinstance(person_account_id, int) or \
            db.session.get(PersonAccount, person_account_id) is None:
        existing = _by_dedupe_key(dedupe_key)
        if existing is not None:
            return existing
        raise ValidationFailed("push.unknown_recipient", _l("消息接收人不存在"))
    now = utcnow()
    payload = json.dumps({"v": PAYLOAD_VERSION, "data": rendered.data, "sms": rendered.sms_params},
                         ensure_ascii=False)
    table = PushMessage.__table__
    columns = dict(
        dedupe_key=dedupe_key, kind=kind, person_account_id=person_account_id,
        template_id=catalog().get(kind).template_id, page=rendered.page, payload=payload,
        status=MessageStatus.QUEUED, channel="wechat", quota_held=False, attempt_count=0,
        channel_attempts=0, next_attempt_at=now, created_at=now, updated_at=now)
    # ON CONFLICT DO NOTHING: a concurrent transaction enqueuing the same key wins quietly.
    stmt = dialect_insert(db.session.get_bind(), table).values(**columns).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(table.c.id)
    new_id = db.session.execute(stmt).scalar()
    if new_id is None:
        return _by_dedupe_key(dedupe_key)
    # The row just written, without reading it back: the columns not given here load
    # (one SELECT) only if a caller reads them.
    message = PushMessage(id=new_id, **columns)
    make_transient_to_detached(message)
    db.session.add(message)
    return message


def _by_dedupe_key(dedupe_key):
    return db.session.scalar(select(PushMessage).where(PushMessage.dedupe_key == dedupe_key))


def report_subscriptions(account, result):
    """Record the person's answer to wx.requestSubscribeMessage: {template_id: choice}.

    accept adds one message to the quota of (account, template) (capped at QUOTA_CAP),
    ban sets it to 0, reject and filter change nothing but are remembered. WeChat stays the
    authority: a send it refuses with 43101 sets our quota to 0. Unknown template ids
    refuse the whole report (push.unknown_template), so a misconfigured mini-program shows.
    """
    choices = {key: value for key, value in result.items() if key != "errMsg"}
    if any(choice not in SUBSCRIBE_CHOICES for choice in choices.values()):
        raise ValidationFailed("push.invalid_choice", _l("订阅结果不正确"),
                               {"allowed": list(SUBSCRIBE_CHOICES)})
    known = set(catalog().template_ids())
    unknown = sorted(t for t in choices if t not in known)
    if unknown:
        raise ValidationFailed("push.unknown_template", _l("未知的订阅消息模板"),
                               {"template_ids": unknown})
    table = PushSubscription.__table__
    now = utcnow()
    # The person's rows first, in the order the push worker locks several of them
    # (app.wechat.outbox_sql.lock_quotas): the two never wait for each other in a cycle.
    db.session.execute(select(table.c.id).where(table.c.person_account_id == account.id)
                       .order_by(table.c.person_account_id, table.c.template_id)
                       .with_for_update())
    for template_id, choice in choices.items():
        accepted = 1 if choice == "accept" else 0
        stmt = dialect_insert(db.session.get_bind(), table).values(
            person_account_id=account.id, template_id=template_id, quota=accepted,
            accepted_total=accepted, last_result=choice, updated_at=now)
        update = {"last_result": choice, "updated_at": now}
        if choice == "accept":
            update["quota"] = case((table.c.quota >= QUOTA_CAP, QUOTA_CAP),
                                   else_=table.c.quota + 1)
            update["accepted_total"] = table.c.accepted_total + 1
        elif choice == "ban":
            update["quota"] = 0
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=["person_account_id", "template_id"], set_=update))
    counts = {choice: sum(1 for c in choices.values() if c == choice)
              for choice in SUBSCRIBE_CHOICES}
    record("push.subscriptions_reported", "person_account", account.id,
           details={k: v for k, v in counts.items() if v})
    db.session.expire_all()
    return list_subscriptions(account)


def list_subscriptions(account):
    """Every template of the catalog with the person's remaining quota (0 when never asked)."""
    rows = {row.template_id: row for row in db.session.scalars(
        select(PushSubscription).where(PushSubscription.person_account_id == account.id))}
    out = []
    for template_id in catalog().template_ids():
        row = rows.get(template_id)
        kinds = catalog().kinds_for_template(template_id)
        out.append({
            "template_id": template_id,
            "kinds": [kind.name for kind in kinds],
            "titles": [kind.title for kind in kinds],
            "quota": row.quota if row else 0,
            "last_result": row.last_result if row else None,
            "updated_at": row.updated_at if row else None,
        })
    return out


def can_read_any_message(staff):
    """Staff scope for push messages, until person records carry a region.

    A message belongs to a person account, and accounts have no region yet (the people
    area will give persons a residence region). Until then only staff whose grant is the
    whole autonomous region (level 1) may read messages; everyone else gets 404, as for
    an object outside their subtree. Later: `is_within(person.region_code, staff.region_code)`.
    """
    return level_of(staff.region_code) == 1


def get_message(message_id, staff=None, account=None):
    """A message with its attempts, for its recipient or for staff in scope; else NotFound."""
    message = db.session.get(PushMessage, message_id)
    visible = message is not None and (
        (account is not None and message.person_account_id == account.id)
        or (staff is not None and can_read_any_message(staff)))
    if not visible:
        raise NotFound("push.message_not_found", _l("消息不存在"))
    return message


def requeue_message(message_id):
    """Send a message again that ended `unknown` or `failed` (operator decision, audited).

    `unknown` means a worker died while the send was on the wire: it may have arrived, so
    the worker never resends it by itself; an operator who checked may. A WeChat quota
    it held counts as used.
    """
    message = db.session.get(PushMessage, message_id)
    if message is None:
        raise NotFound("push.message_not_found", _l("消息不存在"))
    if message.status not in (MessageStatus.UNKNOWN, MessageStatus.FAILED):
        raise Conflict("push.not_requeueable", _l("只有发送失败或状态未知的消息可以重新发送"),
                       {"status": message.status})
    previous = message.status
    now = utcnow()
    message.status = MessageStatus.QUEUED
    message.channel = "wechat"
    message.fallback_reason = None
    message.quota_held = False
    message.channel_attempts = 0
    message.claim_token = message.claimed_by = message.lease_until = None
    message.in_flight_at = None
    message.next_attempt_at = message.updated_at = now
    record("push.message_requeued", "push_message", message.id,
           details={"previous_status": previous, "last_error": message.last_error})
    db.session.flush()
    return message
