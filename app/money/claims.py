"""Subsidy claims: made by the person (mini-program) or entered by station staff with the
claimant's signed consent; eligibility decided by the policy engine on the claim date
(its reasons and the catalog version are kept); the amount from the catalog's rules in fen.

A claim is only a request: money is owed once the county approves it, when its lines are
written (app.money.approval), one per (person, policy, period), never twice.
"""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import StaffAccount
from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import guarded_update, lock_row
from app.core.conflicts import register_conflict
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.i18n import N_, render_all
from app.core.models import get_in_scope, subtree_codes
from app.extensions import db
from app.jobs.models import Employer
from app.people.facts import build_facts
from app.people.models import Person
from app.people.services import STAFF_CHANNELS, who
from app.policies.engine import ELIGIBLE, evaluate
from app.policies.services import catalog_in_force

from . import notify
from .models import Claim, ClaimEvent, ClaimLine
from .payrules import (PAY_RULES, QUARTERLY, RuleError, claim_periods, interest_subsidy,
                       line_amounts, months_of)
from .permissions import require
from .settings import settings_for, step_due

OPEN_STATUSES = ("submitted", "checked", "returned")
LIVE_STATUSES = OPEN_STATUSES + ("approved", "confirmed")

register_conflict("uq_money_lines_period", "money.period_paid",
                  _l("该人员这项补贴的部分月份已经批准发放，不能重复发放"),
                  sqlite_hint="money_claim_lines.person_id")


def refuse(error):
    """A payrules.RuleError as the API's 422."""
    raise ValidationFailed(error.code, _l(error.message), error.details)


def rule_for(policy):
    rule = PAY_RULES.get(policy)
    if rule is None:
        raise ValidationFailed("money.policy_not_claimable", _l("这项政策不通过补贴申请发放"),
                               {"field": "policy", "claimable": sorted(PAY_RULES)})
    return rule


def write_event(claim, action, from_status, actor, note=None):
    """The tracker's event of one step, and the person's notice of it (exactly once: the
    outbox's dedupe key names the event, unique in push_messages)."""
    event = ClaimEvent(claim_id=claim.id, action=action, from_status=from_status,
                       to_status=claim.status, actor=actor, note=note, at=utcnow())
    db.session.add(event)
    db.session.flush()
    notify.claim_step(claim, event)
    return event


def _identity(text):
    return text


def _eligibility(catalog, person, policy, today):
    facts = build_facts(person, today)
    result = next(r for r in evaluate(catalog, facts) if r["policy"] == policy)
    kept = render_all({"status": result["status"], "reasons": result["reasons"],
                       "failing": result["failing"], "missing": result["missing"]}, _identity)
    if result["status"] != ELIGIBLE:
        raise ValidationFailed("money.not_eligible", _l("按政策规定，目前不符合申请条件"),
                               {"eligibility": render_all(
                                   {"failing": result["failing"],
                                    "missing": result["missing"]}, gettext)})
    return kept


def _claimed_elsewhere(person_id, policy, periods):
    """A live claim or an approved line already covering one of `periods`."""
    taken = db.session.scalar(select(func.count()).select_from(ClaimLine).where(
        ClaimLine.person_id == person_id, ClaimLine.policy == policy,
        ClaimLine.period.in_(periods)))
    if taken:
        return True
    wanted = set(periods)
    for claim in db.session.scalars(select(Claim).where(
            Claim.person_id == person_id, Claim.policy == policy,
            Claim.status.in_(OPEN_STATUSES))):
        if wanted & set(claim_periods_of(claim)):
            return True
    return False


def claim_periods_of(claim):
    rule = PAY_RULES[claim.policy]
    if rule.per != "monthly":
        return claim_periods(rule, claim.month_from, claim.month_to, claim.month_from)
    return months_of(claim.month_from, claim.month_to)


def _employer(caller, rule, employer_id):
    if rule.payee != "employer":
        if employer_id is not None:
            raise ValidationFailed("money.employer_not_payee", _l("这项补贴发给本人，不能填写用人单位"),
                                   {"field": "employer_id"})
        return None
    if not isinstance(caller, StaffAccount):
        raise Forbidden("money.employer_claim_at_station",
                        _l("单位享受的补贴由用人单位到服务站申请"))
    if employer_id is None:
        raise ValidationFailed("money.employer_required", _l("请填写申请补贴的用人单位"),
                               {"field": "employer_id"})
    return get_in_scope(Employer, caller, employer_id)


def _amounts(catalog, rule, policy, region_code, periods, loan):
    """(fen per period, the catalog amount used, its region): from the catalog's rules."""
    amounts = catalog.amounts_for(policy, region_code)
    if rule.per == QUARTERLY:
        lpr, below, most = (amounts.get(key) for key in ("lpr_one_year", "borrower_below_lpr",
                                                           "max_loan"))
        fen = interest_subsidy(loan, lpr and lpr.value, below and below.value,
                               most and most.value)
        return [fen], lpr, lpr.region
    if loan is not None:
        raise RuleError("money.loan_not_allowed", N_("这项补贴不填写贷款信息"), field="loan")
    amount = amounts.get(rule.amount_key)
    if amount is None:  # a catalog version without this amount (2025.1 had none)
        raise RuleError("money.amount_unset", N_("当地尚未确定该项补贴标准，暂不能申请"))
    return line_amounts(rule, amount.value, periods), amount, amount.region


def submit_claim(caller, person, *, policy, month_from, month_to=None, account_number,
                 account_bank, employer_id=None, consent_channel=None, loan=None):
    """Claim a subsidy for `person`: by the person (caller is their account) or entered by
    station staff (caller is staff with claim.enter, the person in their subtree, the
    claimant's signed consent recorded as `consent_channel`). Refuses a policy the engine
    does not find the person eligible for today, a period already claimed or paid, and an
    amount the catalog does not set."""
    staff = isinstance(caller, StaffAccount)
    if staff:
        require(caller, "claim.enter")
        if consent_channel not in STAFF_CHANNELS:
            raise ValidationFailed("money.consent_required",
                                   _l("服务站代为申请须记录申请人纸质或电子签字同意"),
                                   {"field": "consent_channel"})
    rule = rule_for(policy)
    employer = _employer(caller, rule, employer_id)
    lock_row(Person, person.id)  # one claim decision per person at a time
    today = local_today()
    catalog = catalog_in_force(today)
    if policy not in catalog.by_code:
        raise ValidationFailed("money.policy_not_in_catalog", _l("现行政策目录中没有这项政策"),
                               {"field": "policy", "catalog_version": catalog.version})
    try:
        periods = claim_periods(rule, month_from, month_to, today)
        amounts, amount, amount_region = _amounts(catalog, rule, policy,
                                                  person.residence_region_code, periods, loan)
    except RuleError as error:
        refuse(error)
    eligibility = _eligibility(catalog, person, policy, today)
    if _claimed_elsewhere(person.id, policy, periods):
        raise Conflict("money.period_claimed", _l("这些月份已经申请过这项补贴"))
    if not sum(amounts):
        raise ValidationFailed("money.nothing_due", _l("按政策标准计算，本次申请没有应发金额"))
    steps = settings_for(person.residence_region_code).steps()
    claim = Claim(
        person_id=person.id, policy=policy, region_code=person.residence_region_code,
        payee_type=rule.payee, employer_id=employer.id if employer else None,
        channel="station" if staff else "self", status="submitted", steps=steps,
        current_step=steps[0],
        step_due_on=step_due(steps[0], person.residence_region_code, today),
        month_from=periods[0] if rule.per in ("monthly", QUARTERLY) else month_from.replace(day=1),
        month_to=periods[-1] if rule.per == "monthly" else None,
        periods=len(periods), amount_fen=sum(amounts), catalog_version=catalog.version,
        eligibility=eligibility | {"amount_key": rule.amount_key, "amount_yuan": str(amount.value),
                                   "amount_region": amount_region},
        loan=_loan_record(loan) if rule.per == QUARTERLY else None,
        claimed_on=today, account_number=account_number, account_bank=account_bank,
        consent_channel=consent_channel if staff else None, entered_by=who(caller),
        entered_by_staff_id=caller.id if staff else None, version=1)
    db.session.add(claim)
    db.session.flush()
    write_event(claim, "submit", None, who(caller))
    record("money.claim_submitted", "claim", claim.id,
           details={"person_id": person.id, "policy": policy, "periods": len(periods),
                    "amount_fen": claim.amount_fen, "catalog_version": catalog.version,
                    "channel": claim.channel, "consent_channel": claim.consent_channel})
    return claim


def _loan_record(loan):
    """The loan quarter as kept on the claim: decimal texts, never floats."""
    return {"principal": str(loan["principal"]), "annual_rate": str(loan["annual_rate"]),
            "interest_paid": str(loan["interest_paid"]), "bank_loan_no": loan.get("bank_loan_no"),
            "overdue": False, "extended": False}


def enter_claim(staff, person_id, **fields):
    """Station entry of a claim for a person in the caller's subtree (see submit_claim)."""
    require(staff, "claim.enter")
    return submit_claim(staff, get_in_scope(Person, staff, person_id), **fields)


def resubmit_claim(caller, claim, *, account_number=None, account_bank=None):
    """A returned claim, corrected (the account, if given), goes back to the first step."""
    if claim.status != "returned":
        raise Conflict("money.claim_state", _l("补贴申请当前状态不能进行此操作"),
                       {"status": claim.status})
    changes = {"status": "submitted", "current_step": claim.steps[0],
               "step_due_on": step_due(claim.steps[0], claim.region_code),
               "version": claim.version + 1,
               "checked_by_staff_id": None, "updated_at": utcnow()}
    if not guarded_update(claim, {"status": "returned", "version": claim.version}, changes):
        raise Conflict("money.claim_state", _l("补贴申请当前状态不能进行此操作"))
    if account_number:
        claim.account_number = account_number
    if account_bank:
        claim.account_bank = account_bank
    write_event(claim, "resubmit", "returned", who(caller))
    db.session.flush()
    record("money.claim_resubmitted", "claim", claim.id,
           details={"account_changed": bool(account_number)})
    return claim


def staff_claim(staff, claim_id):
    """A claim in the caller's subtree (404 otherwise)."""
    require(staff, "claim.read")
    return get_in_scope(Claim, staff, claim_id)


def own_claim(account, claim_id):
    """A claim of the person linked to the caller's account (404 otherwise)."""
    claim = db.session.get(Claim, claim_id)
    person = db.session.get(Person, claim.person_id) if claim else None
    if person is None or person.person_account_id != account.id:
        raise NotFound(*Claim.scope_not_found)
    return claim


def list_claims(staff, *, status=None, policy=None, page=1, per_page=20):
    """Claims in the caller's subtree, oldest deadline first."""
    require(staff, "claim.read")
    query = select(Claim).where(Claim.region_code.in_(subtree_codes(staff.region_code)))
    if status:
        query = query.where(Claim.status == status)
    if policy:
        query = query.where(Claim.policy == policy)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Claim.step_due_on, Claim.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def claims_of_person(person_id, statuses=None):
    query = select(Claim).where(Claim.person_id == person_id)
    if statuses:
        query = query.where(Claim.status.in_(statuses))
    return db.session.scalars(query.order_by(Claim.id.desc())).all()


def claims_in_progress(person_id):
    """The person's claims still in review, returned to them, or approved and not yet
    fully paid (for the self overview): brief dicts, newest first."""
    items = []
    for claim in claims_of_person(person_id, LIVE_STATUSES):
        paid = sum(line.amount_fen for line in claim.lines if line.status == "paid")
        if claim.status in ("approved", "confirmed") and claim.current_step is None \
                and paid == claim.amount_fen:
            continue
        items.append({"id": claim.id, "policy": claim.policy, "status": claim.status,
                      "current_step": claim.current_step, "step_due_on": claim.step_due_on,
                      "periods": claim.periods, "amount_fen": claim.amount_fen, "paid_fen": paid})
    return items


def monthly_figures(staff, month):
    """Per policy, for one month in the caller's subtree (for statistics): claims made in
    the month, and the month's approved and paid lines with their amounts in fen."""
    from app.core.months import add_months
    require(staff, "claim.read")
    start = month.replace(day=1)
    codes = subtree_codes(staff.region_code)
    figures = {}

    def row(policy):
        return figures.setdefault(policy, {"policy": policy, "claims": 0, "approved_lines": 0,
                                           "approved_fen": 0, "paid_lines": 0, "paid_fen": 0})
    for policy, count in db.session.execute(
            select(Claim.policy, func.count()).where(
                Claim.region_code.in_(codes), Claim.claimed_on >= start,
                Claim.claimed_on < add_months(start, 1)).group_by(Claim.policy)):
        row(policy)["claims"] = count
    for policy, status, count, fen in db.session.execute(
            select(ClaimLine.policy, ClaimLine.status, func.count(), func.sum(ClaimLine.amount_fen))
            .where(ClaimLine.region_code.in_(codes), ClaimLine.period == start)
            .group_by(ClaimLine.policy, ClaimLine.status)):
        item = row(policy)
        item["approved_lines"] += count
        item["approved_fen"] += int(fen)
        if status == "paid":
            item["paid_lines"] += count
            item["paid_fen"] += int(fen)
    return {"month": start, "items": sorted(figures.values(), key=lambda f: f["policy"])}
