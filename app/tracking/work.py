"""Contacts (联系对接), tasks and help requests (有求助必回应), and contact coverage per round.

Every contact is recorded; what the person asked for becomes a task due in working days.
A person asks for help from the mini-program: the request lands on the responsible staff
member with a response deadline (working days, region setting) and the daily job escalates
it to the township when it is missed, like a review step.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.roles import has_permission
from app.audit.services import record
from app.campaigns.models import Campaign
from app.core.clock import local_date, local_today, utcnow
from app.core.concurrency import dialect_insert, guarded_update
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.models import Region, RegionClosure, get_in_scope, is_within, subtree_codes
from app.core.regions import get_region, requested_region
from app.extensions import db
from app.people.services import own_person

from .cases import CASE_PAGE_LOADS, OPEN, open_case_of
from .models import Case, Contact, Task
from .settings import settings_for, workday_deadline

MAX_OPEN_REQUESTS = 5  # a person with this many unanswered requests waits for an answer
UNCONTACTED_LIST_MAX = 200


def add_task(case, kind, title, due_on, origin, *, detail=None, ref_id=None,
             source_key=None, estimated=False):
    """Insert a task on the case's responsible staff member. With a `source_key` the insert
    is ON CONFLICT DO NOTHING: returns None when that task exists already."""
    values = {"case_id": case.id, "person_id": case.person_id, "region_code": case.region_code,
              "staff_id": case.staff_id, "kind": kind, "origin": origin, "title": title[:64],
              "detail": detail, "status": "open", "due_on": due_on,
              "deadline_estimated": estimated, "ref_id": ref_id, "source_key": source_key,
              "created_at": utcnow()}
    if source_key is None:
        task = Task(**values)
        db.session.add(task)
        db.session.flush()
        return task
    # Batch-opened tasks carry no free text (the person's words come only with requests).
    stmt = dialect_insert(db.session.get_bind(), Task.__table__).values(
        **{k: v for k, v in values.items() if k != "detail"},
    ).on_conflict_do_nothing(index_elements=["source_key"]).returning(Task.__table__.c.id)
    new_id = db.session.execute(stmt).scalar()
    return db.session.get(Task, new_id) if new_id is not None else None


# ------------------------------------------------------------------ contacts

def record_contact(staff, case, *, channel, contacted_on, outcome, note=None, next_step=None,
                   next_step_days=None):
    """Record a contact; a next step becomes a task due in `next_step_days` working days."""
    today = local_today()
    if case.status != OPEN:
        raise Conflict("tracking.case_closed", _l("该帮扶档案已关闭"))
    if contacted_on > today or contacted_on < today - timedelta(days=366):
        raise ValidationFailed("tracking.contact_date", _l("联系日期应在一年内且不晚于今天"))
    if bool(next_step) != bool(next_step_days):
        raise ValidationFailed("tracking.next_step_incomplete",
                               _l("下一步安排须同时填写事项和办理时限（工作日）"))
    task = None
    if next_step:
        due, estimated = workday_deadline(today, next_step_days)
        task = add_task(case, "next_step", next_step, due, f"staff:{staff.id}",
                        estimated=estimated)
    contact = Contact(case_id=case.id, region_code=case.region_code, staff_id=staff.id,
                      channel=channel, contacted_on=contacted_on, outcome=outcome, note=note,
                      next_step=next_step, task_id=task and task.id, created_at=utcnow())
    db.session.add(contact)
    if case.last_contact_on is None or contacted_on > case.last_contact_on:
        case.last_contact_on = contacted_on
    db.session.flush()
    record("tracking.contact_recorded", "case", case.id,
           details={"contact_id": contact.id, "channel": channel, "outcome": outcome,
                    "task_id": task and task.id})
    return contact


def contacts_of(case, limit=50):
    return db.session.scalars(select(Contact).where(Contact.case_id == case.id)
                              .order_by(Contact.contacted_on.desc(), Contact.id.desc())
                              .limit(limit)).all()


# ------------------------------------------------------------------ help requests

def _own_case(account):
    person = own_person(account)
    case = open_case_of(person.id)
    if case is None:
        raise NotFound("tracking.no_case", _l("您还没有帮扶档案，请先到服务站认定或登记"))
    return case


def ask_for_help(account, topic, detail):
    """The person asks for help (求助): a task on their responsible staff member, due in the
    region's response days; escalated to the township when missed."""
    case = _own_case(account)
    waiting = db.session.scalar(select(func.count()).select_from(Task).where(
        Task.case_id == case.id, Task.kind == "help_request", Task.status == "open"))
    if waiting >= MAX_OPEN_REQUESTS:
        raise Conflict("tracking.too_many_requests", _l("您已有多条求助待答复，请耐心等待工作人员联系"),
                       {"open": waiting})
    due, estimated = workday_deadline(local_today(), settings_for(case.region_code).response_days)
    task = add_task(case, "help_request", topic, due, f"person:{account.id}", detail=detail,
                    estimated=estimated)
    record("tracking.help_requested", "task", task.id,
           details={"case_id": case.id, "due_on": due.isoformat()})
    return task


def my_requests(account):
    person = own_person(account)
    return db.session.scalars(select(Task).where(Task.person_id == person.id,
                                                 Task.kind == "help_request")
                              .order_by(Task.id.desc()).limit(50)).all()


# ------------------------------------------------------------------ tasks

def list_tasks(staff, *, mine=True, kind=None, due_by=None, overdue=None, escalated=None,
               status="open", region_code=None, page=1, per_page=20, today=None):
    """The caller's tasks (or the subtree's), soonest due first."""
    today = today or local_today()
    region_code = requested_region(staff, region_code)
    query = select(Task)
    if mine and not escalated:
        query = query.where(Task.staff_id == staff.id)
    else:
        query = query.where(Task.region_code.in_(subtree_codes(region_code)))
    if status:
        query = query.where(Task.status == status)
    if kind:
        query = query.where(Task.kind == kind)
    if due_by:
        query = query.where(Task.due_on <= due_by)
    if overdue:
        query = query.where(Task.due_on < today)
    if escalated:
        query = query.where(Task.escalated_to.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Task.due_on, Task.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def complete_task(staff, task, outcome):
    """Done, with what came of it: by the responsible staff member, or after escalation (or
    as their supervisor) by a township reviewer or above in whose subtree it lies."""
    if task.staff_id != staff.id and not has_permission(staff.role, "tracking.assign"):
        raise Forbidden("tracking.not_your_task", _l("该事项不由您负责"))
    changes = {"status": "done", "outcome": outcome, "completed_by": f"staff:{staff.id}",
               "completed_at": utcnow()}
    if not guarded_update(task, {"status": "open"}, changes):
        raise Conflict("tracking.task_done", _l("该事项已办结"))
    record("tracking.task_completed", "task", task.id,
           details={"kind": task.kind, "late": task.due_on < local_today(),
                    "escalated_to": task.escalated_to})
    return task


def get_task(staff, task_id):
    return get_in_scope(Task, staff, task_id)


# ------------------------------------------------------------------ coverage

def _window(staff, campaign_id, starts_on, ends_on):
    if campaign_id is not None:
        # A round reaches down: a station counts its cases in its county's campaign too.
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None or not (is_within(campaign.region_code, staff.region_code)
                                    or is_within(staff.region_code, campaign.region_code)):
            raise NotFound(*Campaign.scope_not_found)
        return campaign.title, local_date(campaign.not_before), local_date(campaign.not_after)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationFailed("tracking.round_required",
                               _l("请选择活动轮次，或填写起止日期（结束不早于开始）"))
    return None, starts_on, ends_on


def coverage(staff, region_code=None, *, campaign_id=None, starts_on=None, ends_on=None,
             list_limit=UNCONTACTED_LIST_MAX):
    """Share of the open cases of a subtree contacted in a round (一轮联系对接), for the
    region and each region directly under it, with the uncontacted cases listed."""
    code = requested_region(staff, region_code)
    title, first, last = _window(staff, campaign_id, starts_on, ends_on)
    contacted = (select(Contact.case_id).where(Contact.contacted_on >= first,
                                               Contact.contacted_on <= last)
                 .distinct().subquery())
    children = select(Region.code).where(Region.parent_code == code)
    rows = db.session.execute(
        select(RegionClosure.ancestor_code, func.count(Case.id), func.count(contacted.c.case_id))
        .join(Case, Case.region_code == RegionClosure.descendant_code)
        .outerjoin(contacted, contacted.c.case_id == Case.id)
        .where(Case.status == OPEN,
               (RegionClosure.ancestor_code == code) | RegionClosure.ancestor_code.in_(children))
        .group_by(RegionClosure.ancestor_code)).all()
    by_code = {ancestor: (cases, reached) for ancestor, cases, reached in rows}
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_(list(by_code)))).all()) if by_code else {}

    def line(c):
        cases, reached = by_code.get(c, (0, 0))
        return {"region_code": c, "name": names.get(c) or get_region(c).name, "cases": cases,
                "contacted": reached, "share": round(reached / cases, 4) if cases else None}
    # NOT EXISTS, not NOT IN: a NOT IN over half a million ids outgrows the hash PostgreSQL
    # builds for it and turns quadratic (minutes on a million cases).
    reached = select(Contact.id).where(Contact.case_id == Case.id, Contact.contacted_on >= first,
                                       Contact.contacted_on <= last)
    uncontacted = db.session.scalars(
        select(Case).where(Case.status == OPEN, Case.region_code.in_(subtree_codes(code)),
                           ~reached.exists())
        .order_by(Case.station_id, Case.id).limit(list_limit)
        .options(*CASE_PAGE_LOADS)).all()
    return {"round": title, "starts_on": first, "ends_on": last, **line(code),
            "children": [line(c) for c in sorted(by_code) if c != code],
            "uncontacted": uncontacted}
