"""Published versions of the policy catalog, and the benefits persons enjoy.

A catalog version row is never changed once written: a new catalog is a new version, so
every evaluation can name the exact rules it used."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.people.models import Person


class PolicyVersion(db.Model):
    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    # The version in force on a day is the one with the latest effective_from on or before
    # it, unless its effective_to has passed: two versions never start on the same day.
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    effective_to: Mapped[date | None] = mapped_column(Date)
    document: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(80))
    published_by: Mapped[str] = mapped_column(String(64))  # "staff:<id>" or "system:<how>"
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


BigId = BigInteger().with_variant(Integer, "sqlite")


class Benefit(db.Model):
    """A policy a person enjoys (or enjoyed), from when to when, as approved by staff.

    `region_code` is the person's residence when the benefit was recorded: staff see the
    benefits of their subtree. `due_on` is when the benefit runs out as the clock engine
    computed it when last recorded or changed (the recorded end, else the planned end: the
    3-year cap, retirement, a fixed term), so the expiry list is one indexed query.
    """
    __tablename__ = "benefits"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("policies.benefit_not_found", _l("享受记录不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    policy: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # station | import | seed
    catalog_version: Mapped[str] = mapped_column(String(32))
    approved_by: Mapped[str] = mapped_column(String(40))  # "staff:12" / "system:seed"
    ended_by: Mapped[str | None] = mapped_column(String(40))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Persons gain `.benefits`, which build_facts reads (people cannot import us).
    person: Mapped[Person] = relationship(
        backref=backref("benefits", order_by="Benefit.starts_on"))

    # The names of the facts contract (FACTS.md: {"policy", "start", "end"}).
    start = property(lambda self: self.starts_on)
    end = property(lambda self: self.ends_on)
