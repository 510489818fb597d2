"""Cases and who is responsible for them (包联责任人).

A case opens when a certification becomes active (or a person's household is listed as
zero-employment); the database allows one open case per person, so a second opening of the
same person returns the case already there. The responsible staff member is a station
worker of the station serving the person's residence, the one with the fewest open cases;
the case follows the person when their residence moves.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import StaffAccount
from app.accounts.roles import Role
from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import lock
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.models import get_in_scope, is_within, subtree_codes
from app.core.regions import requested_region
from app.core.regiontree import level_of
from app.core.stations import Station, stations_serving
from app.extensions import db
from app.people.facts import build_facts
from app.people.models import Person

from .models import Case, CaseHandOver, FollowUp, Hire, Task
from .plans import derive_needs, load_plans, plan_of

OPEN = "open"
KEEP = object()  # hand_over: this part of the case stays as it is
# What a page of cases shows of the person and the staff member: the few columns it needs
# (a person row carries encrypted and JSON columns a list never reads).
CASE_PAGE_LOADS = (
    selectinload(Case.person).load_only(Person.id, Person.name, Person.gender,
                                        Person.birth_date),
    selectinload(Case.station),
    selectinload(Case.staff).load_only(StaffAccount.id, StaffAccount.display_name))


def serving_station(region_code, preferred_id=None):
    """The station of a residence: `preferred_id` when it serves there, else the nearest
    township- or community-level one; None when no station serves the place."""
    stations = [s for s in stations_serving(region_code) if level_of(s.region_code) >= 4]
    for station in stations:
        if station.id == preferred_id:
            return station
    return stations[0] if stations else None


def open_counts(station_id):
    """{staff id: open cases} for the active station workers of a station."""
    staff_ids = db.session.scalars(select(StaffAccount.id).where(
        StaffAccount.station_id == station_id, StaffAccount.active.is_(True),
        StaffAccount.role == Role.STATION_STAFF).order_by(StaffAccount.id)).all()
    counts = dict(db.session.execute(
        select(Case.staff_id, func.count()).where(Case.staff_id.in_(staff_ids),
                                                  Case.status == OPEN)
        .group_by(Case.staff_id)).all()) if staff_ids else {}
    return {staff_id: counts.get(staff_id, 0) for staff_id in staff_ids}


def least_loaded(station_id):
    counts = open_counts(station_id) if station_id else {}
    return min(counts, key=lambda s: (counts[s], s)) if counts else None


def _needs_of(person):
    plans = load_plans()
    return derive_needs(plans, build_facts(person, local_today())), plans.version


def open_case(person, reason, categories=(), station_id=None):
    """Open the person's case, or return the open one (merging the categories).

    Exactly one open case per person is the database's rule (uq_tracking_cases_open_person):
    two concurrent openings both end with the same case.
    """
    existing = open_case_of(person.id)
    if existing is None:
        station = serving_station(person.residence_region_code, station_id)
        needs, version = _needs_of(person)
        case = Case(person_id=person.id, region_code=person.residence_region_code,
                    station_id=station and station.id,
                    staff_id=least_loaded(station and station.id), status=OPEN,
                    opened_reason=reason, categories=sorted(set(categories)), needs=needs,
                    plan_version=version, priority=False, opened_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(case)
                db.session.flush()
        except IntegrityError:
            existing = open_case_of(person.id)
        else:
            record("tracking.case_opened", "case", case.id,
                   details={"person_id": person.id, "reason": reason,
                            "station_id": case.station_id, "staff_id": case.staff_id,
                            "needs": needs})
            return case
    merged = sorted(set(existing.categories or []) | set(categories))
    if merged != sorted(existing.categories or []):
        existing.categories = merged
        db.session.flush()
    return existing


def open_case_of(person_id):
    return db.session.scalar(select(Case).where(Case.person_id == person_id,
                                                Case.status == OPEN))


def close_case(case, reason):
    """Close a case (the certification ended); its open tasks are closed with it."""
    if case.status != OPEN:
        return case
    case.status, case.closed_at, case.close_reason = "closed", utcnow(), reason
    db.session.execute(Task.__table__.update().where(Task.case_id == case.id,
                                                     Task.status == "open")
                       .values(status="done", outcome="case_closed", completed_at=utcnow(),
                               completed_by="system"))
    db.session.flush()
    record("tracking.case_closed", "case", case.id, details={"reason": reason})
    return case


def hand_over(case, why, *, staff_id, station_id=KEEP, region_code=KEEP):
    """Change who is responsible for a case (and, on a move, its station and region): the
    open tasks go with it and the change is kept in the case's history."""
    region_code = case.region_code if region_code is KEEP else region_code
    station_id = case.station_id if station_id is KEEP else station_id
    db.session.add(CaseHandOver(
        case_id=case.id, why=why, from_region_code=case.region_code,
        to_region_code=region_code, from_station_id=case.station_id, to_station_id=station_id,
        from_staff_id=case.staff_id, to_staff_id=staff_id, at=utcnow()))
    case.region_code, case.station_id, case.staff_id = region_code, station_id, staff_id
    db.session.execute(Task.__table__.update().where(Task.case_id == case.id,
                                                     Task.status == "open")
                       .values(region_code=region_code, staff_id=staff_id))
    db.session.flush()


def move_case(case, person, why="residence_changed"):
    """The person moved: the case goes to the station serving the new residence and its
    least-loaded worker (the same station keeps its worker). Their job in progress and the
    follow-ups still to come move too, so the new station can answer them."""
    lock(case)
    if case.status != OPEN or case.region_code == person.residence_region_code:
        return False
    old = case.region_code
    station = serving_station(person.residence_region_code)
    station_id = station and station.id
    staff_id = case.staff_id if station_id == case.station_id and case.station_id else \
        least_loaded(station_id)
    hand_over(case, why, staff_id=staff_id, station_id=station_id,
              region_code=person.residence_region_code)
    for model, still_open in ((Hire, Hire.ended_on.is_(None)),
                              (FollowUp, FollowUp.status.in_(["scheduled", "due"]))):
        db.session.execute(update(model).where(model.person_id == person.id, still_open)
                           .values(region_code=case.region_code)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    record("tracking.case_moved", "case", case.id,
           details={"from": old, "to": case.region_code, "station_id": case.station_id,
                    "staff_id": case.staff_id, "why": why})
    return True


def still_serves(staff, station_id):
    return (staff is not None and staff.active and staff.role == Role.STATION_STAFF
            and staff.station_id == station_id)


def release_cases_of(staff, why="worker_left"):
    """Hand the open cases of a worker who no longer serves their station to the
    least-loaded worker who does (a station without one keeps them until it has one: the
    daily job hands them over then). Returns how many changed hands."""
    cases = db.session.scalars(select(Case).where(Case.staff_id == staff.id,
                                                  Case.status == OPEN)
                               .order_by(Case.id).with_for_update()).all()
    moved = 0
    for case in cases:
        if still_serves(staff, case.station_id):
            continue
        target = least_loaded(case.station_id)
        if target is None:
            continue
        hand_over(case, why, staff_id=target)
        record("tracking.case_assigned", "case", case.id,
               details={"from": staff.id, "to": target, "why": why})
        moved += 1
    return moved


def history_of(case):
    return db.session.scalars(select(CaseHandOver).where(CaseHandOver.case_id == case.id)
                              .order_by(CaseHandOver.id)).all()


def view_case(staff, case_id):
    """A staff read of a case with its plan (audited)."""
    case = get_in_scope(Case, staff, case_id)
    record("tracking.case_viewed", "case", case.id)
    return case


def plan_view(case):
    return {"version": case.plan_version, "needs": plan_of(load_plans(), case.needs or [])}


# ------------------------------------------------------------------ lists

def list_cases(staff, *, mine=False, station_id=None, region_code=None, category=None,
               need=None, priority=None, status=OPEN, not_contacted_since=None,
               due_by=None, page=1, per_page=20):
    """Cases in the caller's subtree, or only theirs (`mine`), newest contact last."""
    region_code = requested_region(staff, region_code)
    query = select(Case)
    if mine:
        query = query.where(Case.staff_id == staff.id)
    else:
        query = query.where(Case.region_code.in_(subtree_codes(region_code)))
    if station_id is not None:
        query = query.where(Case.station_id == station_id)
    if status:
        query = query.where(Case.status == status)
    if priority is not None:
        query = query.where(Case.priority.is_(priority))
    # Codes come from fixed lists (schemas): the JSON text match is exact and safe.
    if category:
        query = query.where(cast(Case.categories, String).like(f'%"{category}"%'))
    if need:
        query = query.where(cast(Case.needs, String).like(f'%"{need}"%'))
    if not_contacted_since:
        query = query.where(or_(Case.last_contact_on.is_(None),
                                Case.last_contact_on < not_contacted_since))
    if due_by:
        query = query.where(Case.id.in_(select(Task.case_id).where(
            Task.status == "open", Task.due_on <= due_by)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Case.priority.desc(),
                                              Case.last_contact_on.asc().nulls_first(),
                                              Case.id)
                               .options(*CASE_PAGE_LOADS)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def next_due(case_ids):
    """{case id: earliest open task due date} for a page of cases (one query)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(select(Task.case_id, func.min(Task.due_on)).where(
        Task.case_id.in_(case_ids), Task.status == "open").group_by(Task.case_id)).all())


# ------------------------------------------------------------------ responsibility

def _station_worker(staff, staff_id, station_id):
    worker = db.session.get(StaffAccount, staff_id)
    if worker is None or not is_within(worker.region_code, staff.region_code):
        raise NotFound("staff.not_found", _l("工作人员不存在"))
    if not worker.active or worker.role != Role.STATION_STAFF or worker.station_id != station_id:
        raise ValidationFailed("tracking.not_station_worker",
                               _l("责任人须为该服务站在岗的工作人员"), {"staff_id": staff_id})
    return worker


def assign_case(staff, case, staff_id):
    """Make a worker of the case's station responsible for it (audited)."""
    if case.status != OPEN:
        raise Conflict("tracking.case_closed", _l("该帮扶档案已关闭"))
    worker = _station_worker(staff, staff_id, case.station_id)
    previous = case.staff_id
    hand_over(case, "assigned", staff_id=worker.id)
    record("tracking.case_assigned", "case", case.id,
           details={"from": previous, "to": worker.id})
    return case


def balance_station(staff, station_id):
    """Even out a station's open cases among its active workers: cases of a worker who
    left (or none) go first; nobody ends with more than one case above another."""
    station = db.session.get(Station, station_id)
    if station is None or not is_within(station.region_code, staff.region_code):
        raise NotFound("station.not_found", _l("服务站不存在"))
    counts = open_counts(station_id)
    if not counts:
        raise Conflict("tracking.no_station_workers", _l("该服务站没有在岗的工作人员"))
    cases = db.session.scalars(select(Case).where(Case.station_id == station_id,
                                                  Case.status == OPEN)
                               .order_by(Case.id).with_for_update()).all()
    moves = []
    total = len(cases)
    ceiling = -(-total // len(counts))
    held = {s: 0 for s in counts}
    loose = []
    for case in cases:
        if case.staff_id in held and held[case.staff_id] < ceiling:
            held[case.staff_id] += 1
        else:
            loose.append(case)
    for case in loose:
        target = min(held, key=lambda s: (held[s], s))
        held[target] += 1
        moves.append((case, case.staff_id, target))
    for case, _, target in moves:
        hand_over(case, "balanced", staff_id=target)
    record("tracking.station_balanced", "station", station_id,
           details={"cases": total, "moved": len(moves), "workers": len(counts)})
    return {"station_id": station_id, "cases": total, "moved": len(moves),
            "per_staff": [{"staff_id": s, "cases": n} for s, n in sorted(held.items())]}


def mark_priority(staff, case, priority, reason=None):
    """Mark (or unmark) a person for priority help (心态失衡、生活失意) with a reason."""
    if priority and not (reason and reason.strip()):
        raise ValidationFailed("tracking.priority_reason_required", _l("标记重点帮扶须说明原因"))
    case.priority = priority
    case.priority_reason = reason.strip() if priority else None
    db.session.flush()
    record("tracking.priority_marked", "case", case.id, details={"priority": priority})
    return case


def set_needs(staff, case, needs):
    """Record the case's needs by hand (codes of the plan version in force)."""
    plans = load_plans()
    unknown = [code for code in needs if plans.by_code(code) is None]
    if unknown:
        raise ValidationFailed("tracking.need_unknown", _l("帮扶需求类型不正确"),
                               {"needs": unknown, "known": [n.code for n in plans.needs]})
    case.needs, case.plan_version = sorted(set(needs)), plans.version
    db.session.flush()
    record("tracking.needs_set", "case", case.id, details={"needs": case.needs})
    return case


def person_of(case):
    return db.session.get(Person, case.person_id)
