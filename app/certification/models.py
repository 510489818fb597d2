"""Applications, their history and evidence, certifications, public-notice objections and
per-region deadline settings."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer,
                        SmallInteger, String)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.core.clock import utcnow
from app.core.stations import Station
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db
from app.people.models import Person

from .workflow import OPEN, CertificationStatus

BigId = BigInteger().with_variant(Integer, "sqlite")
_OPEN_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(OPEN)) + ")"
_ACTIVE_SQL = f"status = '{CertificationStatus.ACTIVE.value}'"


class Application(db.Model):
    __tablename__ = "cert_applications"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("certification.not_found", _l("申请不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # self | proxy | station
    # The station that took the application; its region scopes every staff look-up.
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    entered_by: Mapped[str] = mapped_column(String(40))  # "person:3" | "staff:12"
    entered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    proxy_account_id: Mapped[int | None] = mapped_column(ForeignKey("person_accounts.id"),
                                                         index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"))
    commitment_channel: Mapped[str] = mapped_column(String(8))  # app | paper
    commitment_version: Mapped[str] = mapped_column(String(32))
    commitment_signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_categories: Mapped[list] = mapped_column(JSON, default=list)
    detected_categories: Mapped[list] = mapped_column(JSON, default=list)  # met at submission
    rules_version: Mapped[str] = mapped_column(String(32))

    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step_deadline: Mapped[date | None] = mapped_column(Date, index=True)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_to: Mapped[str | None] = mapped_column(String(12))
    notice_starts_on: Mapped[date | None] = mapped_column(Date)
    notice_ends_on: Mapped[date | None] = mapped_column(Date)

    decided_categories: Mapped[list | None] = mapped_column(JSON)
    last_note: Mapped[str | None] = mapped_column(String(500))  # return note or reject reason
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    resubmissions: Mapped[int] = mapped_column(SmallInteger, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    station: Mapped[Station] = relationship()
    events: Mapped[list["ApplicationEvent"]] = relationship(
        order_by="ApplicationEvent.id", back_populates="application")
    evidence: Mapped[list["Evidence"]] = relationship(order_by="Evidence.id")

    __table_args__ = (
        # One open application per person, enforced by the database on both engines.
        Index("uq_cert_applications_open_person", "person_id", unique=True,
              sqlite_where=db.text(_OPEN_SQL), postgresql_where=db.text(_OPEN_SQL)),
    )


class ApplicationEvent(db.Model):
    """The history the applicant and staff see (the audit chain keeps the tamper-evident copy)."""
    __tablename__ = "cert_application_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("cert_applications.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")


class Evidence(db.Model):
    __tablename__ = "cert_evidence"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("evidence.not_found", _l("材料不存在"))

    def scope_regions(self):
        """Evidence lies where its application does (get_in_scope)."""
        return (db.session.get(Application, self.application_id).region_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("cert_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(40))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certification(db.Model):
    __tablename__ = "certifications"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("certification.certification_not_found", _l("认定记录不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("cert_applications.id"), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    categories: Mapped[list] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), index=True)  # CertificationStatus
    starts_on: Mapped[date] = mapped_column(Date)
    next_recheck_on: Mapped[date] = mapped_column(Date, index=True)
    exited_on: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(32))
    exit_note: Mapped[str | None] = mapped_column(String(500))
    exited_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Persons gain `.certifications`, which build_facts reads (people cannot import us).
    person: Mapped[Person] = relationship(
        backref=backref("certifications", order_by="Certification.id"))

    __table_args__ = (
        Index("uq_certifications_active_person", "person_id", unique=True,
              sqlite_where=db.text(_ACTIVE_SQL), postgresql_where=db.text(_ACTIVE_SQL)),
    )


class Objection(db.Model):
    """An objection raised during the public notice (received by phone or at the station)."""
    __tablename__ = "cert_objections"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("certification.objection_not_found", _l("异议不存在"))

    def scope_regions(self):
        """An objection lies where its application does (get_in_scope)."""
        return (db.session.get(Application, self.application_id).region_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("cert_applications.id"), index=True)
    summary: Mapped[str] = mapped_column(EncryptedText)  # may name third parties
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10))  # ObjectionStatus
    recorded_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))


class RegionSettings(db.Model):
    """Working-day deadlines and the public notice, set per region (nearest ancestor wins)."""
    __tablename__ = "cert_region_settings"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    station_days: Mapped[int] = mapped_column(SmallInteger)
    township_days: Mapped[int] = mapped_column(SmallInteger)
    county_days: Mapped[int] = mapped_column(SmallInteger)
    notice_enabled: Mapped[bool] = mapped_column(Boolean)
    notice_days: Mapped[int] = mapped_column(SmallInteger)
    recheck_months: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
