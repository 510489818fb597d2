"""The person's notices about their subsidy claim: each review step (submitted, checked,
approved, confirmed, returned, refused, resubmitted) and each payment outcome (paid,
failed), through the push outbox (app.wechat.services.enqueue_message).

Exactly once per step is the database's: a notice's dedupe key names the step's event row
(or the batch and claim of a payment outcome), and push_messages.dedupe_key is unique; the
message is queued in the transaction of the step, so it exists exactly when the step does.
Only claims paid to the person notify; a unit's claims are followed at the station.

Values hold no ID number, phone, full name or account number (its last four digits only);
fixed texts fit their WeChat fields whole (tests/wechat/test_sent_values.py checks them).
"""
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from app.core.clock import local_date, utcnow
from app.core.i18n import N_, Text, render_value
from app.extensions import db
from app.people.models import Person
from app.wechat.services import enqueue_message

from .models import Claim
from .payrules import CLAIM_ITEMS, fen_to_yuan

PROGRESS, RESULT = "application_progress", "application_result"

# action -> (kind, status phrase: a WeChat `phrase`, 5 characters at most, never cut)
MESSAGES = {
    "submit": (PROGRESS, N_("已提交")),
    "checked": (PROGRESS, N_("初审通过")),
    "approved": (RESULT, N_("审批通过")),
    "confirmed": (PROGRESS, N_("财政已确认")),
    "returned": (PROGRESS, N_("需补充材料")),
    "refused": (RESULT, N_("未获批准")),
    "resubmit": (PROGRESS, N_("已重新提交")),
    "paid": (PROGRESS, N_("已发放")),
    "failed": (PROGRESS, N_("发放失败")),
}
FAILED_NOTE = N_("请到服务站更正收款账户")


def claim_number(claim_id):
    return f"BT{claim_id:010d}"


def deadline_note(due):
    return Text(N_("预计{month}月{day}日前办结"), month=due.month, day=due.day)


def approved_note(amount_fen):
    return Text(N_("核定补贴{amount}元"), amount=fen_to_yuan(amount_fen))


def paid_note(amount_fen, account_tail):
    return Text(N_("{amount}元已转入尾号{tail}卡"), amount=fen_to_yuan(amount_fen),
                tail=account_tail)


def values_for(action, policy, claim_id, occurred_at, note=None):
    """The template values of one notice (pure)."""
    kind, phrase = MESSAGES[action]
    item = Text(CLAIM_ITEMS[policy])
    if kind == PROGRESS:
        values = {"item": item, "status": Text(phrase), "updated_at": occurred_at,
                  "reference": claim_number(claim_id), "note": note}
    else:
        values = {"item": item, "result": Text(phrase), "decided_on": local_date(occurred_at),
                  "note": note}
    return kind, {name: value for name, value in values.items() if value is not None}


def _queue(kind, account_id, values, key, claim_id):
    rendered = {name: render_value(value, gettext) if isinstance(value, Text) else value
                for name, value in values.items()}
    enqueue_message(kind, account_id, rendered, key, page_query={"id": str(claim_id)})


def _account_of(claim):
    if claim.payee_type != "person":
        return None
    return db.session.scalar(select(Person.person_account_id).where(Person.id == claim.person_id))


def _step_note(claim, action, event):
    if action in ("returned", "refused"):
        return event.note  # the staff member's reason (cut with "…" when long)
    if action == "approved":
        return approved_note(claim.amount_fen)
    if isinstance(claim.step_due_on, date) and claim.current_step:
        return deadline_note(claim.step_due_on)
    return None


def claim_step(claim, event):
    """Queue the notice of one step (its event row) of a claim, if the person has an
    account; in the caller's transaction."""
    if event.action not in MESSAGES:
        return
    account_id = _account_of(claim)
    if account_id is None:
        return
    kind, values = values_for(event.action, claim.policy, claim.id, event.at or utcnow(),
                              _step_note(claim, event.action, event))
    _queue(kind, account_id, values, f"money:claim:{claim.id}:event:{event.id}", claim.id)


def payment_outcomes(return_key, outcomes):
    """Queue one notice per claim and outcome of one bank return file (`return_key` names
    the file). `outcomes`: [(claim id, "paid" | "failed", amount fen, account tail)], one
    per payment; claims whose person has no account (or that pay a unit) get none."""
    grouped = {}
    for claim_id, status, amount_fen, tail in outcomes:
        entry = grouped.setdefault((claim_id, status), [0, tail])
        entry[0] += amount_fen
    claim_ids = sorted({claim_id for claim_id, _ in grouped})
    recipients = {}
    for start in range(0, len(claim_ids), 5000):
        recipients.update((row.id, row) for row in db.session.execute(
            select(Claim.id, Claim.policy, Person.person_account_id)
            .join(Person, Person.id == Claim.person_id)
            .where(Claim.id.in_(claim_ids[start:start + 5000]), Claim.payee_type == "person",
                   Person.person_account_id.is_not(None))))
    now = utcnow()
    for (claim_id, status), (amount_fen, tail) in grouped.items():
        row = recipients.get(claim_id)
        if row is None:
            continue
        note = paid_note(amount_fen, tail) if status == "paid" else Text(FAILED_NOTE)
        kind, values = values_for(status, row.policy, claim_id, now, note)
        _queue(kind, row.person_account_id, values,
               f"money:claim:{claim_id}:return:{return_key}:{status}", claim_id)
