"""The statistics' rollups: counts per region and month, refreshed by the events.

Every change to a row the figures count (a hire, a certification, an application's step, a
contact, a case, a zero-employment listing, a benefit, a paid claim line, a vacancy) marks
its region and source (the family of figures its table feeds, COUNTERS) dirty in the same
transaction (`stats_dirty`, written at commit by the session listener below;
`guarded_update` reports its rows too). Before the statistics page reads, the dirty pairs
are recounted: the region's own rows ('o') of that source are counted again from the raw
rows of that region only, and the difference is added to the subtree totals ('t') of the
region and of every region above it. So the page reads a handful of rows per region instead of
scanning the subtree, and its figures are as fresh as the last commit.

`rebuild()` (`flask stats rebuild`) counts everything afresh: after a bulk load that bypassed
the ORM (COPY, the daily job's set-based SQL), or to check the increments.

One refresher at a time (a PostgreSQL advisory lock; SQLite serializes writers anyway): two
refreshers of one region would each add the same difference to the totals.
"""
import json
from collections import Counter, defaultdict

from sqlalchemy import (Integer, String, cast, delete, event, extract, func, insert, or_, select,
                        text, tuple_)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app.certification.models import Application, Certification
from app.certification.workflow import OPEN
from app.core.clock import utcnow
from app.core.concurrency import dialect_insert
from app.core.models import RegionClosure
from app.extensions import db
from app.jobs.models import Vacancy
from app.money.models import ClaimLine
from app.people.models import Person
from app.policies.models import Benefit
from app.tracking.models import Case, Contact, Hire, ZeroHousehold

from .models import Dirty, Rollup

LOCK_KEY = 170017  # pg advisory lock of the refresher (issue 17)
REFRESH_BATCH = 2000
_KEY = ("region_code", "year", "month", "figure", "key")


# ------------------------------------------------------------------ marking

def _regions_of(instance):
    """The region codes a changed row counts in: its region now and before the change."""
    state = sa_inspect(instance)
    codes = {getattr(instance, "region_code", None)}
    if "region_code" in state.attrs:
        codes |= set(state.attrs.region_code.history.deleted or ())
    return {code for code in codes if code}


# A person's unemployment registration decides whether their employments count as "helped"
# (employment_events): changing it marks the regions of their employments, not their own.
REGISTRATION = ("registered_unemployed", "unemployment_registered_on")


def _registration_changed(instance):
    state = sa_inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in REGISTRATION)


def _note(session, instances):
    marked = session.info.setdefault("stats_dirty", set())
    for instance in instances:
        sources = SOURCES_OF.get(type(instance))
        if sources:
            marked |= {(code, source) for code in _regions_of(instance) for source in sources}
        elif isinstance(instance, Person) and instance.id and _registration_changed(instance):
            session.info.setdefault("stats_persons", set()).add(instance.id)


def _employment_regions(session, person_ids):
    """The regions of these persons' employments (queried at commit, after the flush)."""
    events = _employments(sorted(person_ids))
    return {(code, "employment") for code in session.scalars(
        select(events.c.region_code).distinct()) if code}


def _after_flush(session, _context):
    _note(session, list(session.new) + list(session.dirty) + list(session.deleted))


def _before_commit(session):
    """Write the regions marked in this transaction, sorted (no deadlock between two
    committers), as part of the transaction."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    _note(session, session.info.pop("touched", ()))
    persons = session.info.pop("stats_persons", None)
    if persons:
        session.info.setdefault("stats_dirty", set()).update(
            _employment_regions(session, persons))
    marked = session.info.pop("stats_dirty", None)
    if not marked:
        return
    now = utcnow()
    stmt = dialect_insert(session.get_bind(), Dirty.__table__).values(
        [{"region_code": code, "source": source, "marked_at": now}
         for code, source in sorted(marked)])
    session.execute(stmt.on_conflict_do_nothing(index_elements=["region_code", "source"]))


def _after_rollback(session):
    session.info.pop("stats_dirty", None)
    session.info.pop("touched", None)
    session.info.pop("stats_persons", None)


LISTENERS = (("after_flush", _after_flush), ("before_commit", _before_commit),
             ("after_rollback", _after_rollback))


def install():
    """Listen to every session's flushes and commits (once, however often called)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# ------------------------------------------------------------------ own counts

def _ym(column):
    return cast(extract("year", column), Integer), cast(extract("month", column), Integer)


def _grouped(region, day, value, *where, key=None, codes=None):
    """(region, year, month, key, value) rows of one table, grouped."""
    year, month = _ym(day)
    group = [region, year, month] + ([key] if key is not None else [])
    query = select(*group, value).where(day.isnot(None), *where).group_by(*group)
    if codes is not None:
        query = query.where(region.in_(codes))
    for row in db.session.execute(query):
        if key is None:
            yield row[0], row[1], row[2], "", row[3]
        else:
            yield row[0], row[1], row[2], row[3] or "", row[4]


def _certified(codes):
    for code, year, month, categories, count in _grouped(
            Certification.region_code, Certification.starts_on, func.count(),
            key=cast(Certification.categories, String), codes=codes):
        yield code, year, month, "certified", "", count
        for category in json.loads(categories or "[]"):
            yield code, year, month, "certified_by", category, count


# figure -> (region column, day column, value, conditions, key column): one grouped query
SPECS = {
    "exits": (Certification.region_code, Certification.exited_on, func.count(), (),
              Certification.exit_reason),
    "contacts": (Contact.region_code, Contact.contacted_on, func.count(), (), None),
    "zero_identified": (ZeroHousehold.region_code, ZeroHousehold.identified_on, func.count(),
                        (), None),
    "benefits": (Benefit.region_code, Benefit.starts_on, func.count(), (), Benefit.policy),
    "paid_fen": (ClaimLine.region_code, ClaimLine.period, func.sum(ClaimLine.amount_fen),
                 (ClaimLine.status == "paid",), ClaimLine.policy),
    "vacancies": (Vacancy.region_code, Vacancy.opens_on, func.count(), (), None),
    "positions": (Vacancy.region_code, Vacancy.opens_on, func.sum(Vacancy.headcount), (), None),
    "filled": (Vacancy.region_code, Vacancy.opens_on, func.sum(Vacancy.filled_count), (), None),
}


def _simple(*figures):
    """A counter of figures that are each one grouped count (or sum) of one table."""
    def count(codes):
        for figure in figures:
            region, day, value, where, key = SPECS[figure]
            for code, year, month, found_key, number in _grouped(region, day, value, *where,
                                                                  key=key, codes=codes):
                yield code, year, month, figure, found_key, number
    return count


def _cleared(codes):
    """Households cleared per month, and the days from listing to clearing summed (the page
    divides: average days to clearing)."""
    query = select(ZeroHousehold.region_code, ZeroHousehold.identified_on,
                   ZeroHousehold.cleared_on).where(ZeroHousehold.cleared_on.isnot(None))
    if codes is not None:
        query = query.where(ZeroHousehold.region_code.in_(codes))
    for code, identified, cleared in db.session.execute(query):
        yield code, cleared.year, cleared.month, "zero_cleared", "", 1
        yield code, cleared.year, cleared.month, "zero_clear_days", "", (cleared - identified).days


def _in(region, codes, *conditions):
    return (*conditions, region.in_(codes)) if codes is not None else conditions


def _applications(codes):
    """Open applications now (year = month = 0) by step and step deadline."""
    for code, status, deadline, count in db.session.execute(
            select(Application.region_code, Application.status, Application.step_deadline,
                   func.count())
            .where(*_in(Application.region_code, codes,
                        Application.status.in_([s.value for s in OPEN])))
            .group_by(Application.region_code, Application.status, Application.step_deadline)):
        yield code, 0, 0, "applications", f"{status}|{deadline.isoformat() if deadline else ''}", count


def _cases(codes):
    """Open cases now by the month of their latest contact."""
    year, month = _ym(Case.last_contact_on)
    for code, y, m, count in db.session.execute(
            select(Case.region_code, year, month, func.count())
            .where(*_in(Case.region_code, codes, Case.status == "open"))
            .group_by(Case.region_code, year, month)):
        yield code, 0, 0, "cases_open", f"{y:04d}-{m:02d}" if y else "", count


def _zero_open(codes):
    for code, count in db.session.execute(
            select(ZeroHousehold.region_code, func.count())
            .where(*_in(ZeroHousehold.region_code, codes, ZeroHousehold.cleared_on.is_(None)))
            .group_by(ZeroHousehold.region_code)):
        yield code, 0, 0, "zero_open", "", count


def _employments(persons=None):
    """(person_id, region_code, day) of every hire and every exit because of work (of the
    persons `persons` selects, when given: the filter sits inside each branch, on
    person_id's index)."""
    hires = select(Hire.person_id.label("person_id"), Hire.region_code.label("region_code"),
                   Hire.starts_on.label("day"))
    exits = select(Certification.person_id, Certification.region_code,
                   Certification.exited_on).where(Certification.exit_reason == "employed",
                                                  Certification.exited_on.isnot(None))
    if persons is not None:
        hires = hires.where(Hire.person_id.in_(persons))
        exits = exits.where(Certification.person_id.in_(persons))
    return hires.union_all(exits).subquery()


def _persons_employed_in(codes):
    """A SELECT of the persons with an employment in `codes` (region indexes)."""
    return select(Hire.person_id).where(Hire.region_code.in_(codes)).union(
        select(Certification.person_id).where(Certification.region_code.in_(codes),
                                              Certification.exit_reason == "employed"))


def employment_events(codes=None):
    """[(person_id, region_code, day, disabled)] of every employment of an eligible person:
    a hire (staff-recorded or from a recommendation) or an exit from certification because
    the person found work; eligible = certified by that day, or registered unemployed. With
    `codes`, the events of the persons who have one in those regions (all their events:
    which one is their first of the year decides where they count)."""
    events = _employments(None if codes is None else _persons_employed_in(codes))
    certified = select(Certification.id).where(Certification.person_id == events.c.person_id,
                                               Certification.starts_on <= events.c.day)
    disabled = certified.where(cast(Certification.categories, String).like('%"disabled"%'))
    registered = select(Person.id).where(Person.id == events.c.person_id, or_(
        Person.registered_unemployed.is_(True), Person.unemployment_registered_on.isnot(None)))
    query = select(events.c.person_id, events.c.region_code, events.c.day,
                   disabled.exists()).where(or_(certified.exists(), registered.exists()))
    return db.session.execute(query).all()


def _helped(codes):
    """Each person once a year: at their first employment of the year (earliest day; on one
    day, the lowest region code), in that employment's region."""
    first = {}
    for person_id, region, on, disabled in employment_events(codes):
        slot = (person_id, on.year)
        if slot not in first or (on, region) < first[slot][:2]:
            first[slot] = (on, region, disabled)
    for on, region, disabled in first.values():
        if codes is None or region in codes:
            yield region, on.year, on.month, "helped", "", 1
            if disabled:
                yield region, on.year, on.month, "disabled_helped", "", 1


# source -> (its counters, the figures they write). A changed row marks its region dirty
# for the sources its table feeds (SOURCES_OF); a recount touches only those figures.
COUNTERS = {
    "employment": ((_helped,), ("helped", "disabled_helped")),
    "certifications": ((_certified, _simple("exits")), ("certified", "certified_by", "exits")),
    "applications": ((_applications,), ("applications",)),
    "contacts": ((_simple("contacts"),), ("contacts",)),
    "cases": ((_cases,), ("cases_open",)),
    "zero": ((_simple("zero_identified"), _cleared, _zero_open),
             ("zero_identified", "zero_cleared", "zero_clear_days", "zero_open")),
    "benefits": ((_simple("benefits"),), ("benefits",)),
    "paid": ((_simple("paid_fen"),), ("paid_fen",)),
    "vacancies": ((_simple("vacancies", "positions", "filled"),),
                  ("vacancies", "positions", "filled")),
}
SOURCES_OF = {Hire: ("employment",), Certification: ("employment", "certifications"),
              Application: ("applications",), Contact: ("contacts",), Case: ("cases",),
              ZeroHousehold: ("zero",), Benefit: ("benefits",), ClaimLine: ("paid",),
              Vacancy: ("vacancies",)}


def own_counts(codes=None, sources=None):
    """{(region, year, month, figure, key): value} counted from the raw rows of `codes`
    (every region when None), for `sources` (all when None)."""
    counts = Counter()
    for source in sources or COUNTERS:
        for counter in COUNTERS[source][0]:
            for code, year, month, figure, key, value in counter(codes):
                counts[(code, int(year), int(month), figure, key[:64])] += int(value or 0)
    return +counts


# ------------------------------------------------------------------ applying

def _locked(wait):
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    result = db.session.execute(text(f"SELECT {function}(:k)"), {"k": LOCK_KEY}).scalar()
    return True if wait else bool(result)


def _ancestors(codes):
    found = defaultdict(list)
    for ancestor, descendant in db.session.execute(
            select(RegionClosure.ancestor_code, RegionClosure.descendant_code)
            .where(RegionClosure.descendant_code.in_(codes))):
        found[descendant].append(ancestor)
    return {code: found.get(code) or [code] for code in codes}


def _rows(counts, level):
    return [dict(zip(_KEY, key), level=level, value=value) for key, value in counts.items()]


def _upsert(rows, add):
    """INSERT ... ON CONFLICT DO UPDATE of rollup rows, sorted (no deadlock between two
    writers); `add` adds the value to the row there, else replaces it."""
    table = Rollup.__table__
    stmt = dialect_insert(db.session.get_bind(), table)
    value = table.c["value"] + stmt.excluded["value"] if add else stmt.excluded["value"]
    stmt = stmt.on_conflict_do_update(index_elements=[c.name for c in table.primary_key],
                                      set_={"value": value})
    db.session.execute(stmt, sorted(rows, key=lambda r: tuple(r[k] for k in _KEY)))


def _apply(codes, sources):
    """Recount the own rows of `codes` for `sources`; write the rows that changed and add
    the differences to every total above them."""
    figures = [f for source in sources for f in COUNTERS[source][1]]
    new = own_counts(codes, sources)
    old = Counter({tuple(row)[:5]: row[5] for row in db.session.execute(
        select(Rollup.region_code, Rollup.year, Rollup.month, Rollup.figure, Rollup.key,
               Rollup.value).where(Rollup.level == "o", Rollup.region_code.in_(codes),
                                   Rollup.figure.in_(figures)))})
    changes = Counter({key: new.get(key, 0) - old.get(key, 0) for key in set(old) | set(new)})
    changes = Counter({key: change for key, change in changes.items() if change})
    if not changes:
        return
    _upsert(_rows(Counter({key: new.get(key, 0) for key in changes}), "o"), add=False)
    db.session.execute(delete(Rollup).where(Rollup.level == "o", Rollup.region_code.in_(codes),
                                            Rollup.value == 0))
    ancestors, totals = _ancestors(codes), Counter()
    for key, change in changes.items():
        for ancestor in ancestors.get(key[0], [key[0]]):
            totals[(ancestor, *key[1:])] += change
    _upsert(_rows(totals, "t"), add=True)


def refresh(limit=REFRESH_BATCH, wait=False):
    """Recount up to `limit` dirty (region, source) pairs; returns how many are still dirty
    (None when another refresher holds the lock and `wait` is False)."""
    if not _locked(wait):
        return None
    pairs = db.session.execute(select(Dirty.region_code, Dirty.source)
                               .order_by(Dirty.marked_at, Dirty.region_code, Dirty.source)
                               .limit(limit)).all()
    if pairs:
        db.session.execute(delete(Dirty).where(
            tuple_(Dirty.region_code, Dirty.source).in_([tuple(p) for p in pairs])))
        by_source = defaultdict(list)
        for code, source in pairs:
            by_source[source].append(code)
        for source, codes in sorted(by_source.items()):
            if source in COUNTERS:
                _apply(sorted(codes), [source])
    return db.session.scalar(select(func.count()).select_from(Dirty))


def rebuild():
    """Count everything afresh (a bulk load, or a check of the increments)."""
    _locked(wait=True)
    db.session.execute(delete(Dirty))
    db.session.execute(delete(Rollup))
    rows = _rows(own_counts(), "o")
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Rollup), rows[start:start + 5000])
    closure, own = RegionClosure, Rollup.__table__.alias("own")
    totals = select(closure.ancestor_code, text("'t'"), own.c.year, own.c.month, own.c.figure,
                    own.c.key, func.sum(own.c.value)) \
        .join(own, own.c.region_code == closure.descendant_code).where(own.c.level == "o") \
        .group_by(closure.ancestor_code, own.c.year, own.c.month, own.c.figure, own.c.key)
    db.session.execute(insert(Rollup).from_select(
        ["region_code", "level", "year", "month", "figure", "key", "value"], totals))
    return len(rows)
