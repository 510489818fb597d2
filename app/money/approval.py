"""Review steps of a claim: station check → county approval (→ finance confirmation where
the region asks for it), refusal and return with reasons. One operation per transition.

Every transition is a conditional update on (status, version) (OpenSPP's optimistic lock):
of any number of concurrent approvals of one claim exactly one finds it still `checked`;
the rest answer 409. Approval releases money, so it needs a second person: whoever entered
or checked the claim never approves it (checked here, and by ck_money_claims_second_person
in the database), and the finance confirmer is none of them. The 3-year pool shared by
social-insurance subsidies, and its extension to retirement, are applied at approval: months
past the clock's end are refused. The approved months become claim lines, which
uq_money_lines_period keeps to one per person, policy and month.
"""
from calendar import monthrange

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import guarded_update, lock_row
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db
from app.people.facts import build_facts
from app.people.models import Person
from app.people.services import who
from app.policies.benefits import refresh_due_dates
from app.policies.engine import due_dates
from app.policies.models import Benefit
from app.policies.services import catalog_in_force

from .claims import claim_periods_of, require, step_due, write_event
from .evidence import require_materials
from .models import Claim, ClaimLine
from .payrules import (COUNTY_APPROVE, FINANCE_CONFIRM, MONTHLY, PAY_RULES, STATION_CHECK,
                       line_amounts, months_allowed)


def _state_error(claim):
    return Conflict("money.claim_state", _l("补贴申请当前状态不能进行此操作"),
                    {"status": claim.status, "step": claim.current_step})


def _move(staff, claim, action, expected_status, changes, note=None):
    """The guarded update of one transition, its tracker event and audit entry."""
    before = claim.status
    changes = {"version": claim.version + 1, "updated_at": utcnow(), **changes}
    if note is not None:
        changes["last_note"] = note
    if not guarded_update(claim, {"status": expected_status, "version": claim.version}, changes):
        raise _state_error(claim)
    write_event(claim, action, before, who(staff), note)
    db.session.flush()
    record(f"money.claim_{action}", "claim", claim.id,
           details={"from": before, "to": claim.status, "step": changes.get("current_step"),
                    "note": bool(note)})
    return claim


def _next_step(claim, step):
    steps = claim.steps
    index = steps.index(step) + 1
    return steps[index] if index < len(steps) else None


def _not_the_same_person(staff, *others):
    if staff.id in {o for o in others if o is not None}:
        raise Forbidden("money.second_person_required",
                        _l("录入或审核过该申请的人员不能再审批，须由另一名工作人员办理"))


def check_claim(staff, claim_id, note=None):
    """Station check (初审): the claim matches its documents, every material the policy asks
    for uploaded or confirmed by a partner list; on to the county."""
    require(staff, "claim.check")
    claim = get_in_scope(Claim, staff, claim_id)
    if claim.status != "submitted" or claim.current_step != STATION_CHECK:
        raise _state_error(claim)
    _not_the_same_person(staff, claim.entered_by_staff_id)
    materials = require_materials(claim, local_today())
    step = _next_step(claim, STATION_CHECK)
    return _move(staff, claim, "checked", "submitted",
                 {"status": "checked", "checked_by_staff_id": staff.id, "current_step": step,
                  "materials": materials,
                  "step_due_on": step_due(step, claim.region_code)}, note)


def _month_end(period):
    return period.replace(day=monthrange(period.year, period.month)[1])


def _clock_end(person, policy_code, periods, today):
    """When the person's clock for `policy_code` ends if the claimed months were granted:
    the 3-year pool cap or retirement (None when the policy has no clock)."""
    catalog = catalog_in_force(today)
    policy = catalog.by_code[policy_code]
    if policy.duration.pool is None and policy.duration.months is None:
        return None
    facts = build_facts(person, today)
    start = periods[0]
    covering = next((b for b in person.benefits if b.policy == policy_code
                     and b.starts_on <= start and (b.ends_on is None or b.ends_on >= start)), None)
    if covering is not None:
        start = covering.starts_on
    else:
        facts["benefits"] = facts["benefits"] + [{"policy": policy_code, "start": start,
                                                  "end": None}]
    return due_dates(catalog, facts).get((policy_code, start))


def _record_benefit(staff, claim, person, periods, today):
    """The approved months count on the person's clocks: a benefit period unless one
    already covers them."""
    start, end = periods[0], _month_end(periods[-1])
    overlapping = db.session.scalar(select(Benefit.id).where(
        Benefit.person_id == person.id, Benefit.policy == claim.policy,
        (Benefit.ends_on.is_(None)) | (Benefit.ends_on >= start), Benefit.starts_on <= end))
    if overlapping is not None:
        return
    db.session.add(Benefit(person_id=person.id, policy=claim.policy, starts_on=start,
                           ends_on=end, region_code=claim.region_code, source="claim",
                           catalog_version=claim.catalog_version, approved_by=who(staff)))
    refresh_due_dates(person, today=today)


def approve_claim(staff, claim_id, note=None):
    """County approval (审批), the step that releases money: by a second person (never the
    enterer or checker). Months past the person's clock (3-year pool, or retirement) are
    refused; the rest become payable lines (held for finance where it confirms)."""
    require(staff, "claim.approve")
    claim = get_in_scope(Claim, staff, claim_id)
    if claim.status != "checked" or claim.current_step != COUNTY_APPROVE:
        raise _state_error(claim)
    _not_the_same_person(staff, claim.entered_by_staff_id, claim.checked_by_staff_id)
    person = db.session.get(Person, claim.person_id)
    lock_row(Person, person.id)
    today = local_today()
    rule = PAY_RULES[claim.policy]
    periods = claim_periods_of(claim)
    if rule.per == MONTHLY:
        allowed = months_allowed(periods, _clock_end(person, claim.policy, periods, today))
        if len(allowed) != len(periods):
            raise ValidationFailed(
                "money.clock_exhausted",
                _l("申请的部分月份超出享受期限（社会保险补贴累计3年或至法定退休年龄），请退回修改"),
                {"payable_months": [p.isoformat()[:7] for p in allowed]})
    step = _next_step(claim, COUNTY_APPROVE)
    _move(staff, claim, "approved", "checked",
          {"status": "approved", "approved_by_staff_id": staff.id, "current_step": step,
           "step_due_on": step_due(step, claim.region_code)}, note)
    per_line = claim.amount_fen // len(periods)
    amounts = [per_line] * len(periods)
    amounts[-1] += claim.amount_fen - sum(amounts)
    line_status = "held" if step == FINANCE_CONFIRM else "payable"
    for period, amount in zip(periods, amounts):
        db.session.add(ClaimLine(claim_id=claim.id, person_id=claim.person_id,
                                 policy=claim.policy, period=period, amount_fen=amount,
                                 region_code=claim.region_code, fund_source=rule.fund_source,
                                 payee_type=claim.payee_type, status=line_status))
    db.session.flush()  # a month already paid fails here: uq_money_lines_period, 409
    if rule.per == MONTHLY:
        _record_benefit(staff, claim, person, periods, today)
    db.session.flush()
    return claim


def confirm_claim(staff, claim_id, note=None):
    """Finance's confirmation where the region asks for it: the held lines become payable.
    The confirmer is none of the enterer, checker and approver."""
    require(staff, "claim.confirm")
    claim = get_in_scope(Claim, staff, claim_id)
    if claim.status != "approved" or claim.current_step != FINANCE_CONFIRM:
        raise _state_error(claim)
    _not_the_same_person(staff, claim.entered_by_staff_id, claim.checked_by_staff_id,
                         claim.approved_by_staff_id)
    _move(staff, claim, "confirmed", "approved",
          {"status": "confirmed", "confirmed_by_staff_id": staff.id, "current_step": None,
           "step_due_on": None}, note)
    for line in claim.lines:
        guarded_update(line, {"status": "held"}, {"status": "payable"})
    db.session.flush()
    return claim


_STEP_PERMISSION = {STATION_CHECK: "claim.check", COUNTY_APPROVE: "claim.approve",
                    FINANCE_CONFIRM: "claim.confirm"}


def _open_step(staff, claim_id):
    claim = get_in_scope(Claim, staff, claim_id)
    if claim.status not in ("submitted", "checked") or claim.current_step is None:
        raise _state_error(claim)
    require(staff, _STEP_PERMISSION[claim.current_step])
    return claim


def _reason(note):
    if not note or not note.strip():
        raise ValidationFailed("money.note_required", _l("退回或不予批准时须说明原因"),
                               {"field": "note"})
    return note.strip()


def return_claim(staff, claim_id, note):
    """Send a claim back to the claimant to correct (with the reason); it resubmits."""
    claim = _open_step(staff, claim_id)
    return _move(staff, claim, "returned", claim.status,
                 {"status": "returned", "current_step": None, "step_due_on": None},
                 _reason(note))


def refuse_claim(staff, claim_id, note):
    """Refuse a claim for good (with the reason). Nothing is owed."""
    claim = _open_step(staff, claim_id)
    return _move(staff, claim, "refused", claim.status,
                 {"status": "refused", "current_step": None, "step_due_on": None},
                 _reason(note))
