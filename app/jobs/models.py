"""Employers and their vacancies."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, Float, ForeignKey,
                        Index, Integer, SmallInteger, String, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

from .occupations import occupation_name
from .rules import EMPLOYER_KIND_LABELS, EmployerKind

BigId = BigInteger().with_variant(Integer, "sqlite")


class Employer(db.Model):
    __tablename__ = "employers"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("jobs.employer_not_found", _l("用人单位不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    # Public registration data (printed on the business licence), not personal data.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str] = mapped_column(String(255))
    # The contact of a sole proprietor is often the owner's own mobile: personal data.
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def kind_label(self):
        return EMPLOYER_KIND_LABELS[EmployerKind(self.kind)]


class Vacancy(db.Model):
    """A posted job. `county_code` (the first six digits of region_code) lets matching fetch
    one county's open vacancies through one index range, whatever the size of the rest."""
    __tablename__ = "vacancies"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("jobs.vacancy_not_found", _l("岗位不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    occupation_code: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(255))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    salary_min: Mapped[int] = mapped_column(Integer)
    salary_max: Mapped[int] = mapped_column(Integer)
    hours_kind: Mapped[str] = mapped_column(String(16))
    hours_per_week: Mapped[int | None] = mapped_column(SmallInteger)
    headcount: Mapped[int] = mapped_column(Integer)
    filled_count: Mapped[int] = mapped_column(Integer, default=0)
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    max_age: Mapped[int | None] = mapped_column(SmallInteger)
    education_min: Mapped[str | None] = mapped_column(String(16))
    required_skills: Mapped[list] = mapped_column(JSON, default=list)
    physical_demand: Mapped[str] = mapped_column(String(8))
    suitable_for: Mapped[list] = mapped_column(JSON, default=list)
    caring_job: Mapped[bool] = mapped_column(Boolean, default=False)
    public_welfare_post: Mapped[bool] = mapped_column(Boolean, default=False)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employer: Mapped[Employer] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        Index("ix_vacancies_county_status", "county_code", "status"),
        Index("ix_vacancies_lat_lng", "lat", "lng"),
        CheckConstraint("salary_min <= salary_max", name="salary_range"),
        CheckConstraint("filled_count >= 0 AND filled_count <= headcount", name="filled_count"),
        CheckConstraint("status IN ('open', 'closed', 'filled')", name="status"),
    )

    @property
    def occupation_name(self):
        return occupation_name(self.occupation_code)


class JobPreference(db.Model):
    """A person's job wishes, read by their matches. Home coordinates locate a home: they
    are personal data and sealed at rest."""
    __tablename__ = "job_preferences"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    occupations: Mapped[list] = mapped_column(JSON, default=list)
    hours: Mapped[list] = mapped_column(JSON, default=list)
    min_salary: Mapped[int | None] = mapped_column(Integer)
    max_travel_km: Mapped[float | None] = mapped_column(Float)
    region_reach: Mapped[str] = mapped_column(String(8), default="county")
    home_sealed: Mapped[str | None] = mapped_column(EncryptedText)  # "lat,lng"
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def home(self):
        if not self.home_sealed:
            return None
        lat, lng = self.home_sealed.split(",")
        return {"lat": float(lat), "lng": float(lng)}

    @home.setter
    def home(self, value):
        self.home_sealed = None if not value else f"{value['lat']:.6f},{value['lng']:.6f}"

    def as_dict(self):
        return {"occupations": list(self.occupations or []), "hours": list(self.hours or []),
                "min_salary": self.min_salary, "max_travel_km": self.max_travel_km,
                "region_reach": self.region_reach or "county", "home": self.home}


class Recommendation(db.Model):
    """A vacancy recommended to a person, and what came of it (app.jobs.lifecycle).

    `region_code` is the person's residence when recommended: staff lists count by it.
    `suitable` says the engine's hard filters passed when it was made.
    """
    __tablename__ = "job_recommendations"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("jobs.recommendation_not_found", _l("推荐记录不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(12), default="recommended")
    suitable: Mapped[bool] = mapped_column(Boolean, default=True)
    score: Mapped[int | None] = mapped_column(Integer)
    decline_reason: Mapped[str | None] = mapped_column(String(24))
    recommended_by: Mapped[str] = mapped_column(String(40))  # "staff:12" / "system"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    vacancy: Mapped[Vacancy] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        Index("uq_job_recommendations_person_vacancy", "person_id", "vacancy_id", unique=True),
        Index("ix_job_recommendations_region_status", "region_code", "status"),
        CheckConstraint("status IN ('recommended', 'viewed', 'applied', 'interviewed', "
                        "'hired', 'declined')", name="rec_status"),
    )


event_vacancies = db.Table(
    "recruitment_event_vacancies",
    db.Column("event_id", ForeignKey("recruitment_events.id"), primary_key=True),
    db.Column("vacancy_id", ForeignKey("vacancies.id"), primary_key=True),
)


class RecruitmentEvent(db.Model):
    """A special recruitment event (专场招聘) for target groups in a region subtree."""
    __tablename__ = "recruitment_events"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("jobs.event_not_found", _l("招聘活动不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(255))
    organizer: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    target_categories: Mapped[list] = mapped_column(JSON, default=list)
    invited_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vacancies: Mapped[list[Vacancy]] = relationship(secondary=event_vacancies,
                                                    order_by="Vacancy.id")
