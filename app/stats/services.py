"""Figures against the year's targets (notice §1) for a region subtree, each broken down by
child region. Definitions (also on the statistics page and in docs/statistics.md):

- helped: persons who were certified (认定就业困难人员) or registered unemployed and became
  employed during the year (a hire recorded on a recommendation, or a certification exited
  because the person found work), each person once a year, counted in the region of
  residence at the employment (the recommendation's region; for an exit, the residence on
  record).
- disabled_helped: the same, for persons certified in the "disabled" category (the
  disability certificate is a sealed field; the certification was decided on it).
- certified: certifications that took effect in the year (by category as well).
- exits: certifications exited in the year.
- applications_open / applications_overdue: open applications now; those past their
  working-day deadline at a staff step.
- recommendations / hires: recommendations made in the year; hires recorded in the year.

Computed from the rows on each request (a read of the subtree's rows for the year); the
rollups the 1M-person benchmark needs are not built yet.
"""
from collections import Counter
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, exists, func, or_, select, union_all

from app.accounts.roles import has_permission
from app.audit.services import record
from app.certification.models import Application, Certification
from app.certification.workflow import OPEN, STAFF_STEPS
from app.core.clock import DISPLAY_TZ, local_today, utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.models import Region, RegionClosure
from app.core.regions import get_region, requested_region
from app.extensions import db
from app.jobs.models import Recommendation
from app.people.models import Person

from .models import Target

# Notice §1: the region's targets for the year, unless administrators set others (Target).
DEFAULT_TARGETS = {"150000": {"helped": 80_000, "disabled_helped": 6_000}}
FIGURES = ("helped", "disabled_helped", "certified", "exits", "applications_open",
           "applications_overdue", "recommendations", "hires")


def _year_bounds(year):
    start = datetime(year, 1, 1, tzinfo=DISPLAY_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=DISPLAY_TZ)
    return start, end


def _groups(scope):
    """(scope region, its children) and the closure rows mapping each descendant to them."""
    region = get_region(scope)
    children = db.session.execute(select(Region.code, Region.name)
                                  .where(Region.parent_code == scope)
                                  .order_by(Region.code)).all()
    return region, children, [scope] + [code for code, _ in children]


def _by_group(query_rows):
    counts = {}
    for code, value in query_rows:
        counts[code] = value
    return counts


def _eligible(person_id, on):
    """Certified by then, or registered unemployed."""
    certified = exists().where(Certification.person_id == person_id,
                               Certification.starts_on <= on)
    registered = exists().where(Person.id == person_id, or_(
        Person.registered_unemployed.is_(True), Person.unemployment_registered_on.isnot(None)))
    return or_(certified, registered)


def _employment_events(year):
    """(person_id, region_code, on) for every employment recorded in the year."""
    start, end = _year_bounds(year)
    hires = select(Recommendation.person_id.label("person_id"),
                   Recommendation.region_code.label("region_code"),
                   func.date(Recommendation.decided_at).label("on")).where(
        Recommendation.status == "hired", Recommendation.decided_at >= start,
        Recommendation.decided_at < end)
    exits = select(Certification.person_id.label("person_id"),
                   Person.residence_region_code.label("region_code"),
                   Certification.exited_on.label("on")) \
        .join(Person, Person.id == Certification.person_id).where(
        Certification.exit_reason == "employed", Certification.exited_on >= start.date(),
        Certification.exited_on < end.date())
    return union_all(hires, exits).subquery()


def _helped(groups, year, disabled=False):
    events = _employment_events(year)
    condition = _eligible(events.c.person_id, events.c.on)
    if disabled:
        condition = and_(condition, exists().where(
            Certification.person_id == events.c.person_id,
            cast(Certification.categories, String).like('%"disabled"%')))
    rows = db.session.execute(
        select(RegionClosure.ancestor_code, func.count(events.c.person_id.distinct()))
        .join(events, events.c.region_code == RegionClosure.descendant_code)
        .where(RegionClosure.ancestor_code.in_(groups), condition)
        .group_by(RegionClosure.ancestor_code)).all()
    return _by_group(rows)


def _count(groups, model, region_column, *conditions):
    rows = db.session.execute(
        select(RegionClosure.ancestor_code, func.count(model.id))
        .join(model, region_column == RegionClosure.descendant_code)
        .where(RegionClosure.ancestor_code.in_(groups), *conditions)
        .group_by(RegionClosure.ancestor_code)).all()
    return _by_group(rows)


def _certified_by_category(scope, year):
    start, end = _year_bounds(year)
    rows = db.session.scalars(
        select(Certification.categories)
        .join(RegionClosure, RegionClosure.descendant_code == Certification.region_code)
        .where(RegionClosure.ancestor_code == scope, Certification.starts_on >= start.date(),
               Certification.starts_on < end.date())).all()
    return Counter(code for categories in rows for code in categories or [])


def compute_figures(scope, year, today=None):
    """Every figure for `scope` and each child region (no permission check: see
    `region_statistics`)."""
    today = today or local_today()
    region, children, groups = _groups(scope)
    start, end = _year_bounds(year)
    staff_steps = [s.value for s in STAFF_STEPS]
    columns = {
        "helped": _helped(groups, year),
        "disabled_helped": _helped(groups, year, disabled=True),
        "certified": _count(groups, Certification, Certification.region_code,
                            Certification.starts_on >= start.date(),
                            Certification.starts_on < end.date()),
        "exits": _count(groups, Certification, Certification.region_code,
                        Certification.exited_on >= start.date(),
                        Certification.exited_on < end.date()),
        "applications_open": _count(groups, Application, Application.region_code,
                                    Application.status.in_([s.value for s in OPEN])),
        "applications_overdue": _count(groups, Application, Application.region_code,
                                       Application.status.in_(staff_steps),
                                       Application.step_deadline < today),
        "recommendations": _count(groups, Recommendation, Recommendation.region_code,
                                  Recommendation.created_at >= start,
                                  Recommendation.created_at < end),
        "hires": _count(groups, Recommendation, Recommendation.region_code,
                        Recommendation.status == "hired", Recommendation.decided_at >= start,
                        Recommendation.decided_at < end),
    }

    targets = targets_of(groups, year)

    def line(code, name):
        return {"region_code": code, "name": name, "targets": targets.get(code, {}),
                **{figure: columns[figure].get(code, 0) for figure in FIGURES}}

    return {"year": year, "region": line(region.code, region.name),
            "targets": targets.get(region.code, {}),
            "children": [line(code, name) for code, name in children],
            "certified_by_category": dict(_certified_by_category(scope, year))}


def targets_of(codes, year):
    """{region code: {"helped": n, "disabled_helped": n}} for the regions that have targets."""
    found = {code: dict(DEFAULT_TARGETS[code]) for code in codes if code in DEFAULT_TARGETS}
    for target in db.session.scalars(select(Target).where(Target.region_code.in_(codes),
                                                          Target.year == year)):
        found[target.region_code] = {"helped": target.helped,
                                     "disabled_helped": target.disabled_helped}
    return found


def set_target(staff, region_code, year, helped, disabled_helped):
    """An administrator sets a region's targets for a year (a region of their subtree; the
    region's own targets are split across its children this way). Audited."""
    if not has_permission(staff.role, "region.manage"):
        raise Forbidden("auth.forbidden", _l("没有权限执行此操作"), {"permission": "region.manage"})
    scope = requested_region(staff, region_code)
    if not (2000 <= year <= 2100) or helped < 0 or disabled_helped < 0 \
            or disabled_helped > helped or helped > 10_000_000:
        raise ValidationFailed("stats.target_invalid",
                               _l("目标须为不小于0的整数，且残疾人目标不能大于总目标"))
    target = db.session.get(Target, (scope, year))
    if target is None:
        target = Target(region_code=scope, year=year)
        db.session.add(target)
    target.helped, target.disabled_helped = helped, disabled_helped
    target.updated_by, target.updated_at = f"staff:{staff.id}", utcnow()
    db.session.flush()
    record("stats.target_set", "region", scope,
           details={"year": year, "helped": helped, "disabled_helped": disabled_helped})
    return target


def region_statistics(staff, region_code=None, year=None):
    """The figures of the caller's subtree (or a region inside it) for a year; audited."""
    if not has_permission(staff.role, "stats.read"):
        raise Forbidden("auth.forbidden", _l("没有权限执行此操作"), {"permission": "stats.read"})
    scope = requested_region(staff, region_code)
    year = year or local_today().year
    result = compute_figures(scope, year)
    record("stats.viewed", "region", scope, details={"year": year})
    return result
