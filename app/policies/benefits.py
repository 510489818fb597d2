"""Benefit records and the per-person policy view.

Staff with `benefit.manage` record that a person enjoys a policy (from a start day, to an
end day or open) and end it; every change is audited. The engine's clocks give each
benefit a `due_on` (recorded end, else the planned end: 3-year pool cap, retirement, fixed
term) kept on the row, so the expiry list for the assessment before a policy ends (notice
§2.4) is one indexed query over the caller's subtree.

The per-person view evaluates the catalog in force against the person's facts
(app.people.facts.build_facts, which reads `person.benefits`) and adds the service steps
with real stations near the person's residence, their own station first.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.accounts.roles import has_permission
from app.audit.services import record
from app.core.clock import local_today
from app.core.concurrency import guarded_update, lock_row
from app.core.conflicts import register_conflict
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.idnumber import age_on
from app.core.masking import mask_name
from app.core.models import get_in_scope, subtree_codes
from app.extensions import db
from app.people.facts import build_facts
from app.people.models import Person
from app.people.services import own_person, who

from .engine import benefits_ending_within, due_dates, evaluate, policy_name
from .models import Benefit
from .services import catalog_in_force, department_of, describe_steps, stations_near

DEFAULT_WINDOW_DAYS = 60

# Two periods of one person and policy never overlap (migration 0012): a request that lost
# the race past the Python check gets the same answer as one that did not.
register_conflict("ex_benefits_no_overlap", "policies.benefit_overlap",
                  _l("该人员在此期间已有这项政策的享受记录"), sqlite_hint="ex_benefits_no_overlap")


def _require(caller, permission):
    if not has_permission(caller.role, permission):
        raise Forbidden("auth.forbidden", _l("没有权限执行此操作"), {"permission": permission})


# ---------------------------------------------------------------- due dates


def refresh_due_dates(person, catalog=None, today=None):
    """Recompute `due_on` of every benefit of the person (a new record in a shared pool
    shortens the others' remaining time)."""
    today = today or local_today()
    catalog = catalog or catalog_in_force(today)
    db.session.flush()
    db.session.expire(person, ["benefits"])
    facts = build_facts(person, today)
    due = due_dates(catalog, facts)
    for benefit in person.benefits:
        benefit.due_on = due.get((benefit.policy, benefit.starts_on), benefit.ends_on)


# ---------------------------------------------------------------- records


def _overlapping(person_id, policy, start, end, ignore_id=None):
    query = select(Benefit.id).where(
        Benefit.person_id == person_id, Benefit.policy == policy,
        or_(Benefit.ends_on.is_(None), Benefit.ends_on >= start))
    if end is not None:
        query = query.where(Benefit.starts_on <= end)
    if ignore_id is not None:
        query = query.where(Benefit.id != ignore_id)
    return db.session.scalar(query.limit(1))


def _check_dates(start, end):
    if end is not None and end < start:
        raise ValidationFailed("policies.benefit_dates", _l("结束日期不能早于开始日期"),
                               {"field": "end"})


def record_benefit(staff, person_id, *, policy, start, end=None, source="station"):
    """Record that a person in the caller's subtree enjoys `policy` from `start` (to `end`
    or open). The policy must be in the catalog in force; one record per policy and period."""
    _require(staff, "benefit.manage")
    person = get_in_scope(Person, staff, person_id)
    lock_row(Person, person.id)  # one benefit decision per person at a time
    today = local_today()
    catalog = catalog_in_force(today)
    if policy not in catalog.by_code:
        raise ValidationFailed("policies.benefit_unknown_policy", _l("政策不存在"),
                               {"field": "policy", "catalog_version": catalog.version})
    _check_dates(start, end)
    if start > today + timedelta(days=366):
        raise ValidationFailed("policies.benefit_dates", _l("开始日期不能晚于一年以后"),
                               {"field": "start"})
    if _overlapping(person.id, policy, start, end):
        raise Conflict("policies.benefit_overlap", _l("该人员在此期间已有这项政策的享受记录"))
    row = Benefit(person_id=person.id, policy=policy, starts_on=start, ends_on=end,
                  region_code=person.residence_region_code, source=source,
                  catalog_version=catalog.version, approved_by=who(staff))
    db.session.add(row)
    refresh_due_dates(person, catalog, today)
    db.session.flush()
    record("policy.benefit_recorded", "benefit", row.id,
           details={"person_id": person.id, "policy": policy, "start": start.isoformat(),
                    "end": end.isoformat() if end else None, "source": source})
    return row


def _already_ended():
    return Conflict("policies.benefit_ended", _l("该享受记录已经终止"))


def end_benefit(staff, benefit_id, *, end, reason):
    """End a benefit on `end` (the last day it runs) for a reason of END_REASONS."""
    _require(staff, "benefit.manage")
    row = get_in_scope(Benefit, staff, benefit_id)
    lock_row(Person, row.person_id)  # due dates of the person's other benefits change too
    if row.end_reason is not None:
        raise _already_ended()
    _check_dates(row.starts_on, end)
    if row.ends_on is not None and end > row.ends_on:
        raise ValidationFailed("policies.benefit_dates", _l("终止日期不能晚于原定结束日期"),
                               {"field": "end"})
    # Of concurrent ends exactly one finds the row still running.
    if not guarded_update(row, {"end_reason": None},
                          {"ends_on": end, "end_reason": reason, "ended_by": who(staff)}):
        raise _already_ended()
    refresh_due_dates(row.person)
    db.session.flush()
    record("policy.benefit_ended", "benefit", row.id,
           details={"person_id": row.person_id, "policy": row.policy,
                    "end": end.isoformat(), "reason": reason})
    return row


def benefits_ending(staff, days=DEFAULT_WINDOW_DAYS, page=1, per_page=20):
    """Benefits in the caller's subtree that run out within `days` from today, soonest
    first (the assessment and hand-over before a policy ends, notice §2.4)."""
    _require(staff, "benefit.read")
    today = local_today()
    query = (select(Benefit, Person).join(Person, Person.id == Benefit.person_id)
             .where(Benefit.region_code.in_(subtree_codes(staff.region_code)),
                    Benefit.due_on >= today, Benefit.due_on <= today + timedelta(days=days)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Benefit.due_on, Benefit.id)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    catalog = catalog_in_force(today)
    items = [{"benefit": b, "person": p, "days_left": (b.due_on - today).days,
              "policy_name": _policy_name(catalog, b.policy)} for b, p in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "days": days, "as_of": today}


def _policy_name(catalog, code):
    policy = catalog.by_code.get(code)
    return policy_name(catalog, policy) if policy else code


# ---------------------------------------------------------------- the person's view


def policy_view(person, today=None):
    """Every policy of the catalog in force evaluated for `person`, with the clocks of the
    benefits enjoyed, the service steps near their residence and the catalog version."""
    today = today or local_today()
    catalog = catalog_in_force(today)
    facts = build_facts(person, today)
    results = evaluate(catalog, facts)
    # Plain snapshots: the staff view commits its audit entry before the response is
    # written, and expired rows would each be loaded again.
    near = {place: [_station_ref(s) for s in stations]
            for place, stations in stations_near(person.residence_region_code).items()}
    for result in results:
        policy = catalog.by_code[result["policy"]]
        result["department"] = department_of(policy)
        result["steps"] = describe_steps(policy, near)
    return {"person": _person_ref(person, today), "catalog_version": catalog.version, "evaluated_on": today,
            "retirement_base_age": facts["retirement_base_age"],
            "results": results, "benefits": [_benefit_ref(b) for b in person.benefits],
            "expiring": benefits_ending_within(catalog, facts, DEFAULT_WINDOW_DAYS)}


def _station_ref(station):
    return {"id": station.id, "name": station.name, "kind_label": station.kind_label,
            "region_code": station.region_code, "address": station.address,
            "opening_hours": station.opening_hours, "phone": station.phone}


def _person_ref(person, today):
    return {"id": person.id, "name": mask_name(person.name), "gender": person.gender,
            "age": age_on(person.birth_date, today),
            "residence_region_code": person.residence_region_code}


BENEFIT_FIELDS = ("id", "person_id", "policy", "starts_on", "ends_on", "due_on", "region_code",
                  "source", "catalog_version", "approved_by", "ended_by", "end_reason")


def _benefit_ref(benefit):
    return {name: getattr(benefit, name) for name in BENEFIT_FIELDS}


def view_for_staff(staff, person_id):
    """A staff read of a person's policy view: in scope only, always audited."""
    person = get_in_scope(Person, staff, person_id)
    view = policy_view(person)
    record("policy.person_viewed", "person", person.id,
           details={"catalog_version": view["catalog_version"]})
    return view


def view_for_account(account):
    """The policy view of the person linked to the caller's own account."""
    person = own_person(account, required=False)
    if person is None:
        raise NotFound("policies.person_not_registered",
                       _l("请先登记个人信息（在小程序“我的信息”中填写，或到所在社区家门口就业服务站登记），"
                          "再查看可享受的政策"))
    return policy_view(person)


def refresh_running_due_dates(today=None, batch=200):
    """Recompute `due_on` for every person with a benefit not yet over (run daily, and
    after a new catalog version or changed facts such as contribution months). Returns how
    many rows changed. Works in batches of persons; the caller commits."""
    today = today or local_today()
    catalog = catalog_in_force(today)
    person_ids = db.session.scalars(
        select(Benefit.person_id).where(or_(Benefit.due_on.is_(None), Benefit.due_on >= today))
        .distinct().order_by(Benefit.person_id)).all()
    changed = 0
    for offset in range(0, len(person_ids), batch):
        chunk = person_ids[offset:offset + batch]
        for person in db.session.scalars(select(Person).where(Person.id.in_(chunk))):
            before = {b.id: b.due_on for b in person.benefits}
            refresh_due_dates(person, catalog, today)
            changed += sum(1 for b in person.benefits if before.get(b.id) != b.due_on)
        db.session.flush()
    if changed:
        record("policy.benefit_due_refreshed", "benefit", None,
               details={"persons": len(person_ids), "changed": changed})
    return changed
