"""The daily job (`flask tracking daily`): what the calendar brings each morning.

It opens the follow-ups that fell due, the expiry assessments of benefits ending soon,
escalates help requests whose response deadline passed, lists zero-employment households
not yet listed, opens cases missed by the hooks, moves cases whose person moved (the
residence hook moves them at once; this is the safety net), queues the persons' reminders
and writes one digest per staff member, queued to their linked WeChat (app.tracking.digests).
Every step is keyed in the database (task source keys, follow-up status, digest per staff and day, push dedupe keys),
so running it twice on one day opens nothing twice.
"""
import logging
import time
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import Date, String, cast, func, literal, or_, select, text, update

from app.accounts.models import StaffAccount
from app.accounts.roles import Role

from app.audit.services import record
from app.certification.models import Certification
from app.certification.workflow import CertificationStatus
from app.core.clock import local_today, utcnow
from app.core.concurrency import dialect_insert
from app.core.models import RegionClosure
from app.core.i18n import N_, render_value
from app.core.stations import Station
from app.extensions import db
from app.people.models import Person
from app.policies.engine import policy_name
from app.policies.models import Benefit
from app.policies.services import catalog_in_force
from app.wechat.services import enqueue_message

from .cases import OPEN, hand_over, least_loaded, move_case, open_case, open_case_of
from .digests import push_digests
from .hires import identify_household
from .models import Case, FollowUp, StaffDigest, Task, TrackingSettings, ZeroHousehold
from .settings import default_settings, settings_for, workday_deadline
from .work import add_task

log = logging.getLogger(__name__)
BATCH = 2000
DAILY_LOCK_KEY = 0x7472_6163_6B31  # "track1": the advisory lock of the daily run
STAGE_TITLES = {"adaptation": N_("入职适应期回访"), "stability": N_("就业稳定期回访")}


def _settings(cache, region_code):
    if region_code not in cache:
        cache[region_code] = settings_for(region_code)
    return cache[region_code]


def open_missing_cases(limit=BATCH):
    """Active certifications without an open case (a safety net under the hook)."""
    rows = db.session.scalars(select(Certification).where(
        Certification.status == CertificationStatus.ACTIVE,
        ~select(Case.id).where(Case.person_id == Certification.person_id,
                               Case.status == OPEN).exists())
        .order_by(Certification.id).limit(limit)).all()
    for certification in rows:
        open_case(certification.person, "certified", certification.categories)
    return len(rows)


def reassign_departed(limit=BATCH):
    """Open cases whose responsible worker left the station (deactivated, moved, another
    role) or that have none while the station has workers: the least-loaded worker of the
    case's station takes each, with its open tasks."""
    left = select(Case).outerjoin(StaffAccount, StaffAccount.id == Case.staff_id).where(
        Case.status == OPEN, Case.station_id.is_not(None),
        or_(Case.staff_id.is_(None), StaffAccount.active.is_(False),
            StaffAccount.station_id.is_distinct_from(Case.station_id),
            StaffAccount.role != Role.STATION_STAFF))
    staffed = select(StaffAccount.station_id).where(
        StaffAccount.active.is_(True), StaffAccount.role == Role.STATION_STAFF)
    rows = db.session.scalars(left.where(Case.station_id.in_(staffed))
                              .order_by(Case.id).limit(limit)).all()
    moved = 0
    for case in rows:
        target = least_loaded(case.station_id)
        if target is None or target == case.staff_id:
            continue
        previous = case.staff_id
        hand_over(case, "worker_left", staff_id=target)
        record("tracking.case_assigned", "case", case.id,
               details={"from": previous, "to": target, "why": "worker_left"})
        moved += 1
    db.session.flush()
    return moved


def move_moved_cases(limit=BATCH):
    rows = db.session.execute(select(Case, Person).join(Person, Person.id == Case.person_id)
                              .where(Case.status == OPEN,
                                     Case.region_code != Person.residence_region_code)
                              .limit(limit)).all()
    return sum(1 for case, person in rows if move_case(case, person))


def _station_of(case):
    station = db.session.get(Station, case.station_id) if case and case.station_id else None
    return station


def _remind_follow_up(follow_up, person, case):
    if person.person_account_id is None:
        return False
    station = _station_of(case)
    values = {"item": gettext(STAGE_TITLES[follow_up.stage]),
              "due_at": follow_up.due_on.isoformat() + "T09:00:00+08:00",
              "station": station.name if station else gettext("服务站"),
              "contact_phone": station.phone if station else "12333"}
    enqueue_message("follow_up_reminder", person.person_account_id, values,
                    f"track:fu:{follow_up.id}", page_query={"id": str(follow_up.id)})
    return True


def open_due_follow_ups(today, limit=BATCH * 5):
    """scheduled -> due for every follow-up whose day came; a task and a reminder each."""
    rows = db.session.scalars(select(FollowUp).where(FollowUp.status == "scheduled",
                                                     FollowUp.due_on <= today)
                              .order_by(FollowUp.id).limit(limit)
                              .with_for_update(skip_locked=True)).all()
    opened = reminded = 0
    cache = {}
    for follow_up in rows:
        changed = db.session.execute(update(FollowUp).where(
            FollowUp.id == follow_up.id, FollowUp.status == "scheduled").values(status="due")
            .execution_options(synchronize_session=False)).rowcount
        if not changed:
            continue
        follow_up.status = "due"
        person = db.session.get(Person, follow_up.person_id)
        case = open_case_of(person.id)
        if case is not None:
            due, estimated = workday_deadline(
                today, _settings(cache, case.region_code).response_days)
            add_task(case, "follow_up", gettext(STAGE_TITLES[follow_up.stage]), due, "system",
                     ref_id=follow_up.id, source_key=f"followup:{follow_up.id}",
                     estimated=estimated)
        opened += 1
        reminded += _remind_follow_up(follow_up, person, case)
    return opened, reminded


def _expiry_days(region_column):
    """The expiry window of a region in SQL: the nearest configured ancestor's, else the
    default (what settings_for answers, for every row of one statement)."""
    nearest = (select(TrackingSettings.expiry_days)
               .join(RegionClosure, RegionClosure.ancestor_code == TrackingSettings.region_code)
               .where(RegionClosure.descendant_code == region_column)
               .order_by(RegionClosure.depth).limit(1).scalar_subquery())
    return func.coalesce(nearest, default_settings().expiry_days)


def _plus_days(day, days):
    """`day` + an integer SQL expression of days, as a date both databases compare right."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(literal(day.isoformat()), literal("+") + cast(days, String)
                         + literal(" days"))
    return cast(literal(day), Date) + days


def open_expiry_assessments(today):
    """An assessment task before a benefit runs out (default 60 days), and the notice.

    One INSERT ... SELECT ... ON CONFLICT (source_key) DO NOTHING opens every task due;
    only the rows it inserted (RETURNING) are told, so a second run tells nobody twice."""
    longest = max([default_settings().expiry_days] + list(db.session.scalars(
        select(TrackingSettings.expiry_days))))
    source_key = (literal("expiry:") + cast(Benefit.id, String) + literal(":")
                  + cast(Benefit.due_on, String))
    chosen = (select(Case.id, Case.person_id, Case.region_code, Case.staff_id,
                     literal("expiry_assessment"), literal("system"),
                     literal(gettext("政策到期前评估")), literal("open"), Benefit.due_on,
                     literal(False), Benefit.id, source_key, literal(utcnow()))
              .join(Case, (Case.person_id == Benefit.person_id) & (Case.status == OPEN))
              .where(Benefit.due_on >= today,
                     Benefit.due_on <= today + timedelta(days=longest),
                     Benefit.due_on <= _plus_days(today, _expiry_days(Case.region_code))))
    table = Task.__table__
    stmt = dialect_insert(db.session.get_bind(), table).from_select(
        ["case_id", "person_id", "region_code", "staff_id", "kind", "origin", "title", "status",
         "due_on", "deadline_estimated", "ref_id", "source_key", "created_at"], chosen
    ).on_conflict_do_nothing(index_elements=["source_key"]).returning(table.c.person_id,
                                                                      table.c.ref_id)
    opened = db.session.execute(stmt).all()
    notified = 0
    if opened:
        catalog = catalog_in_force(today)
        rows = db.session.execute(
            select(Benefit, Person.person_account_id).join(Person, Person.id == Benefit.person_id)
            .where(Benefit.id.in_([ref for _, ref in opened]),
                   Person.person_account_id.is_not(None))).all()
        for benefit, account_id in rows:
            enqueue_message("policy_expiring", account_id,
                            {"policy": _name(catalog, benefit.policy),
                             "expires_on": benefit.due_on},
                            f"track:exp:{benefit.id}:{benefit.due_on.isoformat()}")
            notified += 1
    return len(opened), notified


def _name(catalog, code):
    """The policy's name as the person reads it (the catalog keeps it as a Text to render)."""
    policy = catalog.by_code.get(code) if catalog is not None else None
    return render_value(policy_name(catalog, policy), gettext) if policy is not None else code


def escalate_missed_requests(today):
    """Help requests past their response deadline go to the township (once)."""
    return db.session.execute(update(Task).where(
        Task.kind == "help_request", Task.status == "open", Task.due_on < today,
        Task.escalated_to.is_(None)).values(escalated_to="township")
        .execution_options(synchronize_session=False)).rowcount


def list_new_households(limit=BATCH):
    """Households of zero-employment certified persons not listed yet."""
    listed = select(ZeroHousehold.household_id).where(ZeroHousehold.cleared_on.is_(None))
    persons = db.session.scalars(select(Person).join(
        Certification, (Certification.person_id == Person.id)
        & (Certification.status == CertificationStatus.ACTIVE))
        .where(Person.household_id.is_not(None), Person.household_id.not_in(listed),
               Person.employment_status.is_distinct_from("employed"))
        .order_by(Person.id).limit(limit)).all()
    return sum(1 for person in persons if identify_household(person) is not None)


def _counts(today):
    """The columns of a digest over open tasks, in digest order."""
    return (func.count(), func.count().filter(Task.due_on < today),
            func.count().filter(Task.due_on == today),
            func.count().filter(Task.kind == "help_request"),
            func.count().filter(Task.kind == "follow_up"),
            func.count().filter(Task.escalated_to.is_not(None)))


def _escalation_rows(today):
    """The township's share: every township reviewer counts the requests escalated to the
    township in their subtree (their worker missed the deadline), so the one who must act
    on them is told too."""
    return db.session.execute(
        select(StaffAccount.id, *_counts(today))
        .join(RegionClosure, RegionClosure.ancestor_code == StaffAccount.region_code)
        .join(Task, Task.region_code == RegionClosure.descendant_code)
        .where(StaffAccount.active.is_(True), StaffAccount.role == Role.TOWNSHIP_REVIEWER,
               Task.status == "open", Task.escalated_to == "township")
        .group_by(StaffAccount.id)).all()


def write_digests(today):
    """One digest per staff member with open tasks (or, for a township reviewer, requests
    escalated in their subtree): counts only (the list is in the app)."""
    rows = db.session.execute(select(Task.staff_id, *_counts(today))
                              .where(Task.status == "open", Task.staff_id.is_not(None))
                              .group_by(Task.staff_id)).all()
    rows = {row[0]: row for row in rows} | {row[0]: row for row in _escalation_rows(today)}
    if not rows:
        return 0
    values = [{"staff_id": staff_id, "day": today, "created_at": utcnow(),
               "counts": {"open": total, "overdue": overdue, "due_today": due_today,
                          "help_requests": requests, "follow_ups": follow_ups,
                          "escalated": escalated}}
              for staff_id, total, overdue, due_today, requests, follow_ups, escalated
              in sorted(rows.values())]
    written = 0
    for chunk in range(0, len(values), 500):
        stmt = dialect_insert(db.session.get_bind(), StaffDigest.__table__).values(
            values[chunk:chunk + 500]).on_conflict_do_nothing(
            index_elements=["staff_id", "day"]).returning(StaffDigest.__table__.c.id)
        written += len(db.session.execute(stmt).all())
    return written


def _timed(name, step):
    started = time.perf_counter()
    result = step()
    log.info("tracking daily: %s took %.2f s", name, time.perf_counter() - started)
    return result


def _single_flight():
    """One daily run at a time: a second one (a cron overlap, another host) waits here for
    the first to commit, then finds nothing left to open. Without it the two would lock the
    same rows in different orders and one would die in a deadlock (the keys would still
    keep everything once, but a run would be lost). SQLite has a single writer anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DAILY_LOCK_KEY})


def run_daily(today=None):
    """Everything the day brings; returns the counts (also in one audit entry)."""
    today = today or local_today()
    _single_flight()
    counts = {"cases_opened": _timed("cases", open_missing_cases),
              "cases_moved": _timed("moves", move_moved_cases),
              "cases_reassigned": _timed("hand-over", reassign_departed)}
    counts["follow_ups_opened"], counts["follow_up_reminders"] = _timed(
        "follow-ups", lambda: open_due_follow_ups(today))
    counts["assessments_opened"], counts["expiry_notices"] = _timed(
        "assessments", lambda: open_expiry_assessments(today))
    counts["requests_escalated"] = _timed("escalations", lambda: escalate_missed_requests(today))
    counts["households_listed"] = _timed("households", list_new_households)
    counts["digests_written"] = _timed("digests", lambda: write_digests(today))
    counts["digests_pushed"] = _timed("digest pushes", lambda: push_digests(today))
    db.session.flush()
    record("tracking.daily_run", "day", today.isoformat(), details=counts)
    return counts
