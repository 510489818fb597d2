"""The "Today" page: what is due for the signed-in staff member, from every area that has
something due. Each area adds a provider; the page shows one section per provider.

    @due_provider("applications", _l("待我办理的认定申请"), order=10)
    def my_application_steps(staff, today): -> list[DueItem]

A provider answers only about rows in the caller's region subtree, overdue first; it is
skipped for a role that cannot act on what it lists (`permission`). Later areas (help
requests, follow-ups, expiring benefits, discoveries) add providers here the same way.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.roles import has_permission
from app.certification.models import Application, Certification
from app.certification.services import LEVEL_LABELS, STATUS_LABELS
from app.certification.workflow import (LEVEL_PERMISSION, NEXT_LEVEL, STEP_OF, CertificationStatus,
                                        Status)
from app.core.i18n import Renderable
from app.core.masking import mask_name
from app.core.models import subtree_codes
from app.extensions import db
from app.jobs.recommendations import flagged_people
from app.policies.benefits import benefits_ending
from app.money.models import Claim
from app.money.payrules import COUNTY_APPROVE, FINANCE_CONFIRM, STATION_CHECK, STEP_LABELS
from app.partners.discoveries import list_discoveries
from app.partners.records import list_contradictions
from app.people.models import Person
from app.policies.engine import policy_name
from app.policies.services import catalog_in_force
from app.tracking.models import Task

LIMIT = 200  # one screen of a worklist; the full lists have their own pages


@dataclass
class DueItem:
    title: str
    detail: str
    url: str
    deadline: date | None = None
    overdue: bool = False
    note: str | None = None


@dataclass
class Provider:
    key: str
    title: object
    build: object
    permission: str | None = None
    order: int = 100
    empty: object = field(default=_l("暂无待办事项"))


PROVIDERS = []


def due_provider(key, title, *, permission=None, order=100):
    """Register a section of the Today page (see the module docstring)."""
    def register(build):
        PROVIDERS.append(Provider(key, title, build, permission, order))
        PROVIDERS.sort(key=lambda p: p.order)
        return build
    return register


def due_today(staff, today):
    """[(provider, items)] for every provider the caller's role may see."""
    return [(p, p.build(staff, today)) for p in PROVIDERS
            if p.permission is None or has_permission(staff.role, p.permission)]


def _plain(text):
    return text.render(gettext) if isinstance(text, Renderable) else str(text)


def _sort(items):
    """Overdue first, then the nearest deadline; items without a deadline last."""
    return sorted(items, key=lambda i: (not i.overdue, i.deadline or date.max))


# ------------------------------------------------------------------ certification

def acting_levels(role):
    """The review levels whose steps this role takes (station, township, county, city)."""
    return [level for level, permission in LEVEL_PERMISSION.items()
            if has_permission(role, permission)]


def _held_by(levels):
    """A SQL condition: the application waits at one of `levels`, at its own step or
    escalated to it because the step below ran out of time."""
    statuses = [s.value for s, level in STEP_OF.items() if level in levels]
    escalated_from = [lvl for lvl, nxt in NEXT_LEVEL.items() if nxt in levels]
    escalated = [s.value for s, level in STEP_OF.items() if level in escalated_from]
    return or_(and_(Application.status.in_(statuses), Application.escalated_to.is_(None)),
               and_(Application.status.in_(escalated), Application.escalated_to.in_(levels)),
               Application.status == Status.PUBLIC_NOTICE.value if "county" in levels else false())


def applications_at_my_step(staff, today, limit=LIMIT):
    """Applications in the caller's subtree that wait at the caller's step."""
    levels = acting_levels(staff.role)
    if not levels:
        return []
    rows = db.session.scalars(
        select(Application).where(Application.region_code.in_(subtree_codes(staff.region_code)),
                                  _held_by(levels))
        .order_by(Application.step_deadline.is_(None), Application.step_deadline, Application.id)
        .options(selectinload(Application.person)).limit(limit)).all()
    return rows


@due_provider("applications", _l("待我办理的认定申请"), permission="application.review",
              order=10)
def _application_items(staff, today):
    items = []
    for application in applications_at_my_step(staff, today):
        status = Status(application.status)
        deadline = application.step_deadline
        mine = application.entered_by_staff_id == staff.id
        items.append(DueItem(
            title=f"{mask_name(application.person.name)} · #{application.id}",
            detail=f"{STATUS_LABELS[status]} · {LEVEL_LABELS[STEP_OF[status]]}",
            url=f"/console/applications/{application.id}", deadline=deadline,
            overdue=bool(deadline and deadline < today),
            note=str(_l("由您录入，须由其他工作人员审核")) if mine else None))
    return _sort(items)


@due_provider("rechecks", _l("30日内到期的认定复核"), permission="certification.recheck",
              order=20)
def _recheck_items(staff, today):
    horizon = today + timedelta(days=30)
    rows = db.session.scalars(
        select(Certification).where(
            Certification.region_code.in_(subtree_codes(staff.region_code)),
            Certification.status == CertificationStatus.ACTIVE,
            Certification.next_recheck_on <= horizon)
        .order_by(Certification.next_recheck_on).options(selectinload(Certification.person))
        .limit(LIMIT)).all()
    return _sort([DueItem(title=f"{mask_name(c.person.name)} · #{c.application_id}",
                          detail=str(_l("认定复核")),
                          url=f"/console/applications/{c.application_id}",
                          deadline=c.next_recheck_on, overdue=c.next_recheck_on < today)
                  for c in rows])


@due_provider("benefits", _l("30日内到期的政策享受"), permission="benefit.read", order=30)
def _benefit_items(staff, today):
    result = benefits_ending(staff, days=30, per_page=LIMIT)
    return [DueItem(title=f"{mask_name(row['person'].name)} · {_plain(row['policy_name'])}",
                    detail=str(_l("到期前评估与衔接")),
                    url=f"/console/people/{row['person'].id}", deadline=row["benefit"].due_on)
            for row in result["items"]]


@due_provider("flagged", _l("多次拒绝合适岗位、需跟进的人员"), permission="jobs.recommend",
              order=40)
def _flagged_items(staff, today):
    return [DueItem(title=f"{mask_name(row['name'])} · #{row['person_id']}",
                    detail=gettext("拒绝合适岗位 %(n)s 次", n=row["declines"]),
                    url=f"/console/people/{row['person_id']}")
            for row in flagged_people(staff)[:LIMIT]]


# ------------------------------------------------------------------ help loop (tracking)

TASK_KIND_LABELS = {"next_step": _l("联系后续事项"), "help_request": _l("求助待答复"),
                    "follow_up": _l("就业回访"), "expiry_assessment": _l("政策到期前评估"),
                    "job_help": _l("就业帮扶")}
# Only the columns Today shows: the person's own words (`detail`, encrypted) are neither
# read nor decrypted for a worklist of hundreds of tasks.
TASK_COLUMNS = (Task.id, Task.person_id, Task.kind, Task.title, Task.due_on, Task.escalated_to)


def _names(person_ids):
    if not person_ids:
        return {}
    return dict(db.session.execute(select(Person.id, Person.name)
                                   .where(Person.id.in_(set(person_ids)))).all())


def _open_tasks(*conditions):
    return db.session.execute(select(*TASK_COLUMNS).where(Task.status == "open", *conditions)
                              .order_by(Task.due_on, Task.id).limit(LIMIT)).all()


@due_provider("tracking", _l("我的帮扶待办（求助、回访、评估）"), permission="tracking.work",
              order=15)
def _tracking_items(staff, today):
    """The caller's open help-loop tasks (index ix_tracking_tasks_staff_status_due), and for
    a township or above the help requests escalated in their subtree because their worker
    missed the deadline."""
    mine = _open_tasks(Task.staff_id == staff.id)
    escalated = _open_tasks(Task.region_code.in_(subtree_codes(staff.region_code)),
                            Task.escalated_to.isnot(None)) \
        if has_permission(staff.role, "tracking.assign") else []
    names = _names([t.person_id for t in [*mine, *escalated]])
    seen, items = set(), []
    for task in [*mine, *escalated]:
        if task.id in seen:
            continue
        seen.add(task.id)
        items.append(DueItem(
            title=f"{mask_name(names.get(task.person_id, ''))} · {task.title}",
            detail=str(TASK_KIND_LABELS.get(task.kind, task.kind)),
            url=f"/console/people/{task.person_id}#h-case", deadline=task.due_on,
            overdue=task.due_on < today,
            note=str(_l("已提级督办")) if task.escalated_to else None))
    return _sort(items)


# ------------------------------------------------------------------ money

def _policy_label(catalog, code):
    policy = catalog.by_code.get(code) if catalog is not None else None
    return _plain(policy_name(catalog, policy)) if policy is not None else code


CLAIM_STEP_PERMISSION = {STATION_CHECK: "claim.check", COUNTY_APPROVE: "claim.approve",
                         FINANCE_CONFIRM: "claim.confirm"}


@due_provider("claims", _l("待我审核的补贴申请"), order=25)
def _claim_items(staff, today):
    steps = [step for step, permission in CLAIM_STEP_PERMISSION.items()
             if has_permission(staff.role, permission)]
    if not steps:
        return []
    claims = db.session.scalars(
        select(Claim).where(Claim.region_code.in_(subtree_codes(staff.region_code)),
                            Claim.status.in_(("submitted", "checked")),
                            Claim.current_step.in_(steps))
        .order_by(Claim.step_due_on, Claim.id).limit(LIMIT)).all()
    names = _names([c.person_id for c in claims])
    catalog = catalog_in_force() if claims else None
    return _sort([DueItem(title=f"{mask_name(names.get(c.person_id, ''))} · "
                                + gettext("补贴申请 #%(id)s", id=c.id),
                          detail=f"{_policy_label(catalog, c.policy)} · "
                                 f"{gettext(STEP_LABELS[c.current_step])}",
                          url=f"/console/people/{c.person_id}", deadline=c.step_due_on,
                          overdue=bool(c.step_due_on and c.step_due_on < today))
                  for c in claims])


# ------------------------------------------------------------------ partner data

FINDING_LABELS = {"dibao": _l("低保"), "employment_status": _l("就业状态"),
                  "disability_certificate": _l("残疾人证"), "disability_level": _l("残疾等级"),
                  "social_insurance_months": _l("社保缴费月数")}

@due_provider("discoveries", _l("部门数据发现的可能符合认定条件人员"), permission="application.enter",
              order=50)
def _discovery_items(staff, today):
    found = list_discoveries(staff, today, per_page=LIMIT)["items"]
    return [DueItem(title=f"{mask_name(item['name'])} · {'、'.join(item['sources'])}",
                    detail="；".join(gettext(r["text"]) for r in item["reasons"]),
                    url=(f"/console/people/{item['person_id']}" if item["person_id"]
                         else "/console/people/new"))
            for item in found]


@due_provider("contradictions", _l("与部门数据不一致、需核实的人员"), permission="application.enter",
              order=55)
def _contradiction_items(staff, today):
    found = list_contradictions(staff, today)["items"][:LIMIT]
    return [DueItem(title=f"{mask_name(item['name'])} · #{item['person_id']}",
                    detail="、".join(str(FINDING_LABELS.get(f["fact"], f["fact"]))
                                    for f in item["findings"]),
                    url=f"/console/people/{item['person_id']}")
            for item in found]
