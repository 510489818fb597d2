"""Staff reminders: one digest a day per staff member, pushed through the outbox.

Staff accounts have no WeChat identity of their own and no phone, and the outbox delivers
to a WeChat identity (a mini-program login), falling back to SMS at the phone WeChat vouched
for. So a staff member links the WeChat they use once: the console gives a one-time code,
typed into the mini-program while signed in there. From then on the daily job queues one
`staff_daily_digest` message per staff member and day, as a subscribe message, or by SMS
when no subscription is left (the outbox's own fallback).

Exactly once per staff member and day is the database's: the digest row is unique on
(staff_id, day) and its message on the dedupe key `track:digest:<staff>:<day>`.
"""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import PersonAccount, StaffAccount
from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import get_or_insert
from app.core.errors import Conflict, NotFound
from app.core.i18n import N_
from app.extensions import db
from app.wechat.models import PushMessage
from app.wechat.services import enqueue_message

from .models import StaffDigest, StaffDigestLink

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 10  # 50 bits: guessing one live code in its ten minutes is hopeless
CODE_MINUTES = 10
DIGEST_ITEM = N_("今日帮扶待办")
KIND = "staff_daily_digest"


def _hash(code):
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def dedupe_key(staff_id, day):
    return f"track:digest:{staff_id}:{day.isoformat()}"


# ------------------------------------------------------------------ linking a WeChat

def issue_link_code(staff):
    """A new one-time code for the caller (any earlier one stops working); the link in
    place stays until the code is used."""
    now = utcnow()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = get_or_insert(StaffDigestLink, {"staff_id": staff.id, "updated_at": now})
    row.code_hash, row.code_expires_at = _hash(code), now + timedelta(minutes=CODE_MINUTES)
    row.updated_at = now
    db.session.flush()
    record("tracking.digest_code_issued", "staff", staff.id)
    return {"code": code, "expires_at": row.code_expires_at}


def redeem_link_code(account, code):
    """The mini-program side: the WeChat signed in now receives the digests of the staff
    member whose live code this is. The code works once (a guarded UPDATE clears it)."""
    now = utcnow()
    stmt = (update(StaffDigestLink)
            .where(StaffDigestLink.code_hash == _hash(code),
                   StaffDigestLink.code_expires_at > now)
            .values(person_account_id=account.id, code_hash=None, code_expires_at=None,
                    linked_at=now, updated_at=now)
            .returning(StaffDigestLink.staff_id)
            .execution_options(synchronize_session=False))
    try:
        with db.session.begin_nested():
            staff_id = db.session.execute(stmt).scalar()
    except IntegrityError:  # this WeChat already receives another staff member's digests
        raise Conflict("tracking.wechat_linked_elsewhere",
                       _l("该微信已接收其他工作人员的待办提醒，请先在原账号解除绑定")) from None
    if staff_id is None:
        raise NotFound("tracking.link_code_invalid", _l("绑定码无效或已过期，请在工作台重新获取"))
    record("tracking.digest_linked", "staff", staff_id,
           details={"person_account_id": account.id})
    return link_status_of(staff_id)


def unlink(staff):
    """Stop the caller's digests reaching the linked WeChat."""
    removed = db.session.execute(delete(StaffDigestLink).where(
        StaffDigestLink.staff_id == staff.id, StaffDigestLink.person_account_id.is_not(None))
        .execution_options(synchronize_session=False)).rowcount
    if not removed:
        raise NotFound("tracking.digest_not_linked", _l("尚未绑定接收待办提醒的微信"))
    record("tracking.digest_unlinked", "staff", staff.id)
    return link_status_of(staff.id)


def link_status_of(staff_id):
    row = db.session.execute(
        select(StaffDigestLink.linked_at, PersonAccount.phone)
        .join(PersonAccount, PersonAccount.id == StaffDigestLink.person_account_id)
        .where(StaffDigestLink.staff_id == staff_id)).first()
    return {"linked": row is not None, "linked_at": row and row.linked_at,
            "sms_fallback": bool(row and row.phone)}


# ------------------------------------------------------------------ the daily push

def push_digests(today):
    """Queue today's digest of every active staff member with a linked WeChat, once: the
    digests already queued (this run or an earlier one today) are skipped, and the dedupe
    key stops a concurrent run."""
    rows = db.session.execute(
        select(StaffDigest, StaffDigestLink.person_account_id)
        .join(StaffDigestLink, StaffDigestLink.staff_id == StaffDigest.staff_id)
        .join(StaffAccount, StaffAccount.id == StaffDigest.staff_id)
        .join(PersonAccount, PersonAccount.id == StaffDigestLink.person_account_id)
        .where(StaffDigest.day == today, StaffAccount.active.is_(True),
               PersonAccount.active.is_(True))
        .order_by(StaffDigest.staff_id)).all()
    keys = [dedupe_key(digest.staff_id, today) for digest, _ in rows]
    queued = set(db.session.scalars(select(PushMessage.dedupe_key).where(
        PushMessage.dedupe_key.in_(keys)))) if keys else set()
    pushed = 0
    for (digest, account_id), key in zip(rows, keys):
        if key in queued:
            continue
        counts = digest.counts
        enqueue_message(KIND, account_id, {
            "item": gettext(DIGEST_ITEM), "open": counts["open"],
            "due_today": counts["due_today"], "overdue": counts["overdue"]}, key)
        pushed += 1
    return pushed


def digest_for(staff, day=None):
    """Today's digest of the caller with how its message fared; None before the daily run."""
    day = day or local_today()
    digest = db.session.scalar(select(StaffDigest).where(StaffDigest.staff_id == staff.id,
                                                         StaffDigest.day == day))
    if digest is None:
        return None
    message = db.session.scalar(select(PushMessage).where(
        PushMessage.dedupe_key == dedupe_key(staff.id, day)))
    return {"day": digest.day, "counts": digest.counts,
            "push_status": message and message.status,
            "push_channel": message and message.channel}
