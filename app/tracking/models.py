"""The help loop (issue 14): cases with a responsible staff member, tasks with working-day
deadlines, contacts, hires and their follow-ups, exit proposals, zero-employment households,
daily staff digests and per-region settings.

Exactly-once is the database's job here: one open case per person, one task per source
(`source_key`), one follow-up per hire and stage, one exit proposal per certification, one
open listing per household, one digest per staff member and day. The daily job inserts
with ON CONFLICT DO NOTHING and can run any number of times.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer,
                        SmallInteger, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import StaffAccount
from app.core.clock import utcnow
from app.core.stations import Station
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db
from app.people.models import Person

BigId = BigInteger().with_variant(Integer, "sqlite")
_OPEN_CASE = "status = 'open'"
_OPEN_LISTING = "cleared_on IS NULL"
_OPEN_HIRE = "ended_on IS NULL"


class Case(db.Model):
    """One person's help case; `region_code` is their residence (it moves with them)."""
    __tablename__ = "tracking_cases"
    scope_not_found = ("tracking.case_not_found", _l("帮扶档案不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    opened_reason: Mapped[str] = mapped_column(String(24))  # certified | zero_household
    categories: Mapped[list] = mapped_column(JSON, default=list)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    plan_version: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(200))
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(32))

    # Loaded per page with selectinload (app.tracking.cases.list_cases), never joined into
    # a locking query.
    person: Mapped[Person] = relationship()
    station: Mapped[Station | None] = relationship()
    staff: Mapped[StaffAccount | None] = relationship()

    __table_args__ = (
        Index("uq_tracking_cases_open_person", "person_id", unique=True,
              sqlite_where=db.text(_OPEN_CASE), postgresql_where=db.text(_OPEN_CASE)),
        Index("ix_tracking_cases_staff_status", "staff_id", "status"),
    )


class CaseHandOver(db.Model):
    """Who was responsible for a case, where, until when: every change of responsible staff
    member, station or residence region (a move, a worker leaving, a reassignment, a
    balancing), so a case that changed hands keeps its history."""
    __tablename__ = "tracking_case_handovers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tracking_cases.id"), index=True)
    why: Mapped[str] = mapped_column(String(20))  # residence_changed|worker_left|assigned|balanced
    from_region_code: Mapped[str] = mapped_column(String(12))
    to_region_code: Mapped[str] = mapped_column(String(12))
    from_station_id: Mapped[int | None] = mapped_column(Integer)
    to_station_id: Mapped[int | None] = mapped_column(Integer)
    from_staff_id: Mapped[int | None] = mapped_column(Integer)
    to_staff_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(db.Model):
    """Something a staff member owes a person, due on a working day.

    kind: next_step (from a contact), help_request (the person asked, 求助), follow_up,
    expiry_assessment, job_help. `source_key` makes a task that a batch opens exist once.
    """
    __tablename__ = "tracking_tasks"
    scope_not_found = ("tracking.task_not_found", _l("待办事项不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tracking_cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(40))  # "staff:3" | "person:5" | "system"
    title: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(EncryptedText)  # the person's own words
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | done
    due_on: Mapped[date] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_to: Mapped[str | None] = mapped_column(String(12))
    ref_id: Mapped[int | None] = mapped_column(BigId)  # follow-up, benefit or listing id
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    outcome: Mapped[str | None] = mapped_column(String(500))
    completed_by: Mapped[str | None] = mapped_column(String(40))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_tracking_tasks_staff_status_due", "staff_id", "status", "due_on"),
        Index("ix_tracking_tasks_status_due", "status", "due_on"),
    )


class Contact(db.Model):
    """A contact with the person (联系对接): how, when, what came of it, what is next."""
    __tablename__ = "tracking_contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tracking_cases.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    channel: Mapped[str] = mapped_column(String(8))  # visit | phone | wechat | station
    contacted_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))  # reached | unreached | refused
    note: Mapped[str | None] = mapped_column(EncryptedText)
    next_step: Mapped[str | None] = mapped_column(String(200))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_tracking_contacts_case_on", "case_id", "contacted_on"),
                      Index("ix_tracking_contacts_on", "contacted_on"),
                      # the statistics recount one region's contacts (app/stats/rollup.py)
                      Index("ix_tracking_contacts_region_on", "region_code", "contacted_on"))


class Hire(db.Model):
    """A job taken (from a recommendation or recorded by staff), until it ends."""
    __tablename__ = "tracking_hires"
    scope_not_found = ("tracking.hire_not_found", _l("就业记录不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_recommendations.id"), unique=True)
    employer: Mapped[str] = mapped_column(String(128))
    job_title: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # One job in progress per person: a second hire waits for the first to end.
        Index("uq_tracking_hires_open_person", "person_id", unique=True,
              sqlite_where=db.text(_OPEN_HIRE), postgresql_where=db.text(_OPEN_HIRE)),
    )


class FollowUp(db.Model):
    """A check after a hire: adaptation (default +1 month) or stability (+6 months)."""
    __tablename__ = "tracking_follow_ups"
    scope_not_found = ("tracking.follow_up_not_found", _l("回访记录不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hire_id: Mapped[int] = mapped_column(ForeignKey("tracking_hires.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    stage: Mapped[str] = mapped_column(String(12))  # adaptation | stability
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")  # scheduled|due|done|void
    still_employed: Mapped[bool | None] = mapped_column(Boolean)
    difficulties: Mapped[str | None] = mapped_column(String(500))
    answered_by: Mapped[str | None] = mapped_column(String(40))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("hire_id", "stage", name="uq_tracking_follow_ups_stage"),
                      Index("ix_tracking_follow_ups_status_due", "status", "due_on"))


class ExitProposal(db.Model):
    """A certified person employed past the stability follow-up, proposed to the county."""
    __tablename__ = "tracking_exit_proposals"
    scope_not_found = ("tracking.proposal_not_found", _l("退出建议不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|accepted|rejected
    proposed_on: Mapped[date] = mapped_column(Date)
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(500))


class ZeroHousehold(db.Model):
    """A household on the zero-employment list (动态清零) from identification to clearing."""
    __tablename__ = "tracking_zero_households"
    scope_not_found = ("tracking.household_not_found", _l("零就业家庭记录不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    identified_on: Mapped[date] = mapped_column(Date)
    services_given: Mapped[int] = mapped_column(SmallInteger, default=0)
    offers_given: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Offers refused for personal reasons: past the region's number they may count as "no
    # wish to work" (RULES.md "Tracking"); staff decide, the list only says so.
    refusals: Mapped[int] = mapped_column(SmallInteger, default=0)
    cleared_on: Mapped[date | None] = mapped_column(Date)
    cleared_way: Mapped[str | None] = mapped_column(String(24))
    cleared_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))

    __table_args__ = (
        Index("uq_tracking_zero_households_open", "household_id", unique=True,
              sqlite_where=db.text(_OPEN_LISTING), postgresql_where=db.text(_OPEN_LISTING)),
    )


class StaffDigest(db.Model):
    """What a staff member has to do today, built once a day by the daily job."""
    __tablename__ = "tracking_digests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    day: Mapped[date] = mapped_column(Date)
    counts: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("staff_id", "day", name="uq_tracking_digests_staff_day"),)


class StaffDigestLink(db.Model):
    """The WeChat identity (a mini-program login) a staff member receives the daily digest
    on, linked by a one-time code the staff member reads in the console and types in the
    mini-program. One WeChat serves one staff member; the code is kept only as a hash."""
    __tablename__ = "tracking_digest_links"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"), primary_key=True)
    person_account_id: Mapped[int | None] = mapped_column(ForeignKey("person_accounts.id"),
                                                          unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackingSettings(db.Model):
    """Per-region numbers of the help loop (nearest configured ancestor wins)."""
    __tablename__ = "tracking_region_settings"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    adaptation_months: Mapped[int] = mapped_column(SmallInteger)
    stability_months: Mapped[int] = mapped_column(SmallInteger)
    expiry_days: Mapped[int] = mapped_column(SmallInteger)
    response_days: Mapped[int] = mapped_column(SmallInteger)
    services_required: Mapped[int] = mapped_column(SmallInteger)
    offers_per_service: Mapped[int] = mapped_column(SmallInteger)
    refusals_as_no_wish: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
