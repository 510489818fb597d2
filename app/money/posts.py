"""Public-welfare posts: developed through an approved request, filled with certified
persons, paid to the employing unit "advance then settle" (预拨+清算, notice §3.5).

- A development request names the unit, the post, the headcount and the term (at most 3
  years); a county officer other than the requester approves it, and the monthly standard
  (post subsidy + social-insurance subsidy, from the catalog with the region's overrides)
  is fixed on the post then.
- A placement puts a certified person the policy engine finds eligible into an approved
  post within its headcount and term. Nobody is placed more than twice: each placement is
  the person's 1st or 2nd (`uq_money_placements_sequence`, `ck_money_placements_sequence`).
- Each quarter an advance goes from the fund to the unit: placed headcount on the quarter's
  first day × monthly standard × 3. One advance per post and quarter
  (`uq_money_settlements_quarter`).
- At settlement the months actually worked give the amount due: a month counts when the
  person held the post on its first day. The difference is a top-up from the fund or a
  recovery from the unit, both ledger entries against `unit:<employer id>`.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.core.clock import local_today
from app.core.concurrency import guarded_update, lock_row
from app.core.conflicts import register_conflict
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.months import add_months
from app.core.models import get_in_scope
from app.extensions import db
from app.jobs.models import Employer
from app.people.facts import build_facts
from app.people.models import Person
from app.people.services import who
from app.policies.benefits import refresh_due_dates
from app.policies.engine import ELIGIBLE, evaluate
from app.policies.models import Benefit
from app.policies.services import catalog_in_force

from .claims import require
from .funds import fund_account, fund_for, post_entry, spend
from .models import Placement, Post, PostSettlement
from .payrules import yuan_to_fen

POLICY = "public_welfare_post"

register_conflict("uq_money_settlements_quarter", "money.quarter_advanced",
                  _l("该岗位本季度已经预拨"), sqlite_hint="money_post_settlements.post_id")
MAX_TERM_MONTHS = 36
FUND_SOURCE = "employment_fund"


def _unit_account(employer_id):
    return f"unit:{employer_id}"


def request_post(staff, *, employer_id, title, headcount, term_from, term_to):
    """A development request for a post at a unit of the caller's subtree."""
    require(staff, "post.manage")
    employer = get_in_scope(Employer, staff, employer_id)
    if term_to <= term_from or add_months(term_from, MAX_TERM_MONTHS) < term_to:
        raise ValidationFailed("money.post_term", _l("岗位期限须在开始日期之后，且最长3年"),
                               {"field": "term_to"})
    post = Post(employer_id=employer.id, region_code=employer.region_code, title=title,
                headcount=headcount, term_from=term_from, term_to=term_to, status="requested",
                requested_by_staff_id=staff.id, monthly_fen=0)
    db.session.add(post)
    db.session.flush()
    record("money.post_requested", "post", post.id,
           details={"employer_id": employer.id, "headcount": headcount,
                    "term_from": term_from.isoformat(), "term_to": term_to.isoformat()})
    return post


def approve_post(staff, post_id):
    """Approve a development request (not the requester's own); fixes the monthly standard."""
    require(staff, "post.approve")
    post = get_in_scope(Post, staff, post_id)
    if staff.id == post.requested_by_staff_id:
        raise Forbidden("money.second_person_required",
                        _l("提出岗位开发申请的人员不能审批，须由另一名工作人员办理"))
    catalog = catalog_in_force(local_today())
    amounts = catalog.amounts_for(POLICY, post.region_code)
    monthly = sum(yuan_to_fen(amounts[key].value) or 0
                  for key in ("post_subsidy", "social_insurance_monthly") if key in amounts)
    if monthly <= 0:
        raise Conflict("money.amount_unset", _l("当地尚未确定公益性岗位补贴标准，暂不能批准"))
    if not guarded_update(post, {"status": "requested"},
                          {"status": "approved", "approved_by_staff_id": staff.id,
                           "monthly_fen": monthly, "catalog_version": catalog.version}):
        raise Conflict("money.post_state", _l("岗位当前状态不能进行此操作"), {"status": post.status})
    record("money.post_approved", "post", post.id, details={"monthly_fen": monthly})
    return post


def place_person(staff, post_id, *, person_id, starts_on):
    """Place an eligible certified person in an approved post, within its headcount and
    term; the person's 1st or 2nd placement, never a 3rd."""
    require(staff, "post.manage")
    post = get_in_scope(Post, staff, post_id)
    person = get_in_scope(Person, staff, person_id)
    if post.status != "approved":
        raise Conflict("money.post_state", _l("岗位尚未批准，不能安置"), {"status": post.status})
    if not post.term_from <= starts_on < post.term_to:
        raise ValidationFailed("money.placement_dates", _l("上岗日期须在岗位期限内"),
                               {"field": "starts_on"})
    lock_row(Post, post.id)
    lock_row(Person, person.id)
    active = db.session.scalar(select(func.count()).select_from(Placement).where(
        Placement.post_id == post.id, Placement.left_on.is_(None)))
    if active >= post.headcount:
        raise Conflict("money.post_full", _l("岗位已满员"))
    today = local_today()
    result = next(r for r in evaluate(catalog_in_force(today), build_facts(person, today))
                  if r["policy"] == POLICY)
    if result["status"] != ELIGIBLE:
        raise ValidationFailed("money.not_eligible", _l("按政策规定，目前不符合公益性岗位安置条件"))
    sequence = (person.public_welfare_placements or 0) + 1
    if sequence > 2:
        raise Conflict("money.placement_limit", _l("公益性岗位最多安置2次"))
    placement = Placement(post_id=post.id, person_id=person.id, sequence=sequence,
                          starts_on=starts_on, ends_on=post.term_to, placed_by=who(staff))
    db.session.add(placement)
    person.public_welfare_placements = sequence
    db.session.flush()
    _record_benefit(staff, post, person, placement, today)
    record("money.person_placed", "post", post.id,
           details={"person_id": person.id, "placement_id": placement.id, "sequence": sequence})
    return placement


def _record_benefit(staff, post, person, placement, today):
    """The post's months count on the person's social-insurance pool (shared with the other
    social-insurance subsidies) and the term's end reaches tracking's expiry assessment:
    a benefit period from the start to the term's end (the no-overlap constraint refuses a
    second post at the same time)."""
    db.session.add(Benefit(person_id=person.id, policy=POLICY, starts_on=placement.starts_on,
                           ends_on=placement.ends_on, region_code=person.residence_region_code,
                           source="placement", catalog_version=post.catalog_version or "",
                           approved_by=who(staff)))
    refresh_due_dates(person, today=today)


def _end_benefit(staff, placement, left_on, reason):
    benefit = db.session.scalar(select(Benefit).where(
        Benefit.person_id == placement.person_id, Benefit.policy == POLICY,
        Benefit.starts_on == placement.starts_on, Benefit.source == "placement"))
    if benefit is not None:
        benefit.ends_on, benefit.ended_by, benefit.end_reason = left_on, who(staff), reason[:32]
        refresh_due_dates(db.session.get(Person, placement.person_id))


def end_placement(staff, placement_id, *, left_on, reason):
    """The person left the post on `left_on` (the last day worked)."""
    require(staff, "post.manage")
    placement = db.session.get(Placement, placement_id)
    post = get_in_scope(Post, staff, placement.post_id if placement else 0)
    if left_on < placement.starts_on:
        raise ValidationFailed("money.placement_dates", _l("离岗日期不能早于上岗日期"),
                               {"field": "left_on"})
    if not guarded_update(placement, {"left_on": None}, {"left_on": left_on, "exit_reason": reason}):
        raise Conflict("money.placement_ended", _l("该人员已离岗"))
    _end_benefit(staff, placement, left_on, reason)
    record("money.placement_ended", "post", post.id,
           details={"placement_id": placement.id, "left_on": left_on.isoformat(), "reason": reason})
    return placement


def quarter_start(day):
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _months(quarter):
    return [add_months(quarter, n) for n in range(3)]


def _fund(post):
    fund = fund_for(post.region_code[:6], FUND_SOURCE)
    if fund is None:
        raise Conflict("money.no_fund", _l("该地区尚未设立这项资金账户"))
    return fund


def advance_quarter(staff, post_id, quarter):
    """The quarter's advance to the unit: headcount placed on its first day × standard × 3."""
    require(staff, "batch.manage")
    post = get_in_scope(Post, staff, post_id)
    quarter = quarter_start(quarter)
    lock_row(Post, post.id)  # one advance decision per post at a time
    if db.session.scalar(select(PostSettlement.id).where(PostSettlement.post_id == post.id,
                                                         PostSettlement.quarter == quarter)):
        raise Conflict("money.quarter_advanced", _l("该岗位本季度已经预拨"))
    placed = db.session.scalar(select(func.count()).select_from(Placement).where(
        Placement.post_id == post.id, Placement.starts_on <= quarter,
        (Placement.left_on.is_(None)) | (Placement.left_on >= quarter)))
    amount = placed * post.monthly_fen * 3
    if amount <= 0:
        raise Conflict("money.nothing_to_advance", _l("本季度初没有在岗人员，无需预拨"))
    settlement = PostSettlement(post_id=post.id, quarter=quarter, headcount=placed,
                                advance_fen=amount, status="advanced", advanced_by=who(staff))
    db.session.add(settlement)
    db.session.flush()  # a second advance of the quarter: uq_money_settlements_quarter, 409
    spend(_fund(post), "advance", _unit_account(post.employer_id), amount, who(staff),
          reference=f"post:{post.id}:{quarter:%Y-%m}")
    db.session.flush()
    record("money.post_advanced", "post", post.id,
           details={"quarter": quarter.isoformat(), "headcount": placed, "advance_fen": amount})
    return settlement


def months_worked(placement, quarter):
    """Months of the quarter the person held the post on the month's first day."""
    last = placement.left_on or placement.ends_on
    return sum(1 for month in _months(quarter)
               if placement.starts_on <= month and (last is None or last >= month))


def settle_quarter(staff, post_id, quarter):
    """Settle an advanced quarter from the months actually worked: a top-up from the fund
    when more was due, a recovery from the unit when less."""
    require(staff, "batch.manage")
    post = get_in_scope(Post, staff, post_id)
    quarter = quarter_start(quarter)
    if add_months(quarter, 3) > local_today():
        raise Conflict("money.quarter_not_over", _l("季度结束后才能清算"))
    settlement = db.session.scalar(select(PostSettlement).where(
        PostSettlement.post_id == post.id, PostSettlement.quarter == quarter))
    if settlement is None or settlement.status != "advanced":
        raise Conflict("money.settlement_state", _l("该季度尚未预拨或已经清算"))
    placements = db.session.scalars(select(Placement).where(Placement.post_id == post.id)).all()
    worked = sum(months_worked(p, quarter) for p in placements)
    due = worked * post.monthly_fen
    difference = due - settlement.advance_fen
    if not guarded_update(settlement, {"status": "advanced"},
                          {"status": "settled", "months_worked": worked, "due_fen": due,
                           "difference_fen": difference, "settled_by": who(staff)}):
        raise Conflict("money.settlement_state", _l("该季度尚未预拨或已经清算"))
    fund, reference = _fund(post), f"post:{post.id}:{quarter:%Y-%m}"
    if difference > 0:
        spend(fund, "top_up", _unit_account(post.employer_id), difference, who(staff), reference)
    elif difference < 0:
        post_entry(fund, "recovery", _unit_account(post.employer_id), fund_account(fund.id),
                   -difference, who(staff), reference)
    db.session.flush()
    record("money.post_settled", "post", post.id,
           details={"quarter": quarter.isoformat(), "months_worked": worked, "due_fen": due,
                    "difference_fen": difference})
    return settlement


def show_post(staff, post_id):
    """A post of the caller's subtree with its placements and quarters."""
    require(staff, "post.read")
    post = get_in_scope(Post, staff, post_id)
    return post
