"""Figures against the year's targets (notice §1) for a region subtree and a year or month,
each broken down by child region. The definitions are in docs/statistics.md and on the page
(app/console/statistics.py); the counting is in app/stats/rollup.py.

The page reads the rollups (a few rows per region: the scope and its children), after
recomputing the regions that changed since (`refresh`), so a figure is as fresh as the last
commit unless a refresher is already running (then the figures are those it leaves, a
moment later).
"""
from collections import Counter, defaultdict
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.accounts.roles import has_permission
from app.audit.services import record
from app.certification.workflow import STAFF_STEPS
from app.core.clock import local_today, utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.models import Region
from app.core.regions import get_region, requested_region
from app.extensions import db

from .models import Rollup, Target
from .rollup import refresh

# Notice §1: the region's targets for the year, unless administrators set others (Target).
DEFAULT_TARGETS = {"150000": {"helped": 80_000, "disabled_helped": 6_000}}
FIGURES = ("helped", "disabled_helped", "certified", "exits", "applications_open",
           "applications_overdue", "contacts", "cases_open", "cases_contacted", "coverage",
           "zero_open", "zero_identified", "zero_cleared", "zero_clear_days", "benefits",
           "paid_yuan", "vacancies", "positions", "filled", "fill_rate")
# Figures that are a sum over the period's months of one rollup figure.
SUMMED = ("helped", "disabled_helped", "certified", "exits", "contacts", "zero_identified",
          "zero_cleared", "benefits", "vacancies", "positions", "filled")
# Breakdown tables: rollup figure -> its keys (category, exit reason, step, policy).
BREAKDOWNS = ("certified_by", "exits", "applications", "benefits", "paid_fen")
STAFF_STEP_VALUES = {s.value for s in STAFF_STEPS}


def _groups(scope):
    """(scope region, its children, [scope] + children codes)."""
    region = get_region(scope)
    children = db.session.execute(select(Region.code, Region.name)
                                  .where(Region.parent_code == scope)
                                  .order_by(Region.code)).all()
    return region, children, [scope] + [code for code, _ in children]


def _rollup_rows(groups, year, month):
    period = Rollup.year == year
    if month:
        period = and_(period, Rollup.month == month)
    return db.session.execute(
        select(Rollup.region_code, Rollup.year, Rollup.figure, Rollup.key, Rollup.value)
        .where(Rollup.level == "t", Rollup.region_code.in_(groups),
               or_(period, Rollup.year == 0))).all()


def _share(part, whole, digits=1):
    return round(100 * part / whole, digits) if whole else None


def _line(counts, keyed, start, today):
    """One region's figures from its rollup sums."""
    line = {figure: counts.get(figure, 0) for figure in SUMMED}
    applications = keyed.get("applications", {})
    line["applications_open"] = sum(applications.values())
    line["applications_overdue"] = sum(
        n for key, n in applications.items()
        if key.split("|")[0] in STAFF_STEP_VALUES and key.split("|")[1]
        and key.split("|")[1] < today.isoformat())
    cases = keyed.get("cases_open", {})
    line["cases_open"] = sum(cases.values())
    line["cases_contacted"] = sum(n for key, n in cases.items() if key and key >= start)
    line["coverage"] = _share(line["cases_contacted"], line["cases_open"])
    line["zero_open"] = counts.get("zero_open", 0)
    cleared = line["zero_cleared"]
    line["zero_clear_days"] = round(counts.get("zero_clear_days", 0) / cleared, 1) \
        if cleared else None
    line["paid_yuan"] = Decimal(counts.get("paid_fen", 0)) / 100
    line["fill_rate"] = _share(line["filled"], line["positions"])
    return line


def _breakdown(keyed, figure):
    found = dict(keyed.get(figure, {}))
    if figure == "applications":  # by step: the deadline part of the key is not shown
        by_step = Counter()
        for key, n in found.items():
            by_step[key.split("|")[0]] += n
        return dict(by_step)
    return found


def compute_figures(scope, year, month=None, today=None):
    """Every figure for `scope` and each child region, from the rollups (no permission
    check: see `region_statistics`)."""
    today = today or local_today()
    region, children, groups = _groups(scope)
    counts, keyed = defaultdict(Counter), defaultdict(lambda: defaultdict(Counter))
    for code, _year, figure, key, value in _rollup_rows(groups, year, month):
        counts[code][figure] += value
        keyed[code][figure][key] += value
    start = f"{year:04d}-{month or 1:02d}"
    targets = targets_of(groups, year)

    def line(code, name):
        return {"region_code": code, "name": name, "targets": targets.get(code, {}),
                **_line(counts[code], keyed[code], start, today),
                "breakdowns": {f: _breakdown(keyed[code], f) for f in BREAKDOWNS}}

    own = line(region.code, region.name)
    return {"year": year, "month": month, "region": own,
            "targets": targets.get(region.code, {}),
            "children": [line(code, name) for code, name in children],
            "certified_by_category": own["breakdowns"]["certified_by"], "computed_at": utcnow()}


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


def region_statistics(staff, region_code=None, year=None, month=None):
    """The figures of the caller's subtree (or a region inside it) for a year or one of its
    months, after the regions changed since are recounted; audited."""
    if not has_permission(staff.role, "stats.read"):
        raise Forbidden("auth.forbidden", _l("没有权限执行此操作"), {"permission": "stats.read"})
    scope = requested_region(staff, region_code)
    year = year or local_today().year
    if month is not None and not 1 <= month <= 12:
        raise ValidationFailed("stats.month_invalid", _l("月份须为1至12"))
    pending = refresh()
    result = compute_figures(scope, year, month)
    result["pending"] = pending
    record("stats.viewed", "region", scope, details={"year": year, "month": month})
    return result
