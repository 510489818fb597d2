"""Persons, households and the legal basis on which we hold their data.

Sensitive values (ID number, phone, name, disability, dibao, household members' details)
are encrypted at rest; ID number and phone also get a keyed blind index for lookups.
"""
import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, BigInteger, Boolean, Date, ForeignKey, Integer, Numeric,
                        SmallInteger, String, UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")

EMPLOYMENT_STATUSES = ("unemployed", "employed", "flexible", "self_employed", "student",
                       "retired")
EDUCATION_LEVELS = ("none", "primary", "junior", "senior", "vocational", "college",
                    "bachelor", "master", "doctor")
DISABILITY_TYPES = ("visual", "hearing", "speech", "physical", "intellectual", "mental",
                    "multiple")
WANTS = ("job", "startup", "training")
BUSINESS_KINDS = ("sole_proprietor", "small_firm")
RELATIONS = ("self", "spouse", "child", "parent", "sibling", "grandparent", "grandchild",
             "other")
# Tables whose rows are a person's data as the person-facing views read it: a change to any
# of them bumps persons.revision through triggers (migration 0010), persons itself included.
PERSON_DATA_TABLES = ("persons", "households", "household_members", "legal_bases",
                      "cert_applications", "certifications", "benefits", "job_preferences",
                      "job_recommendations", "tracking_cases", "tracking_tasks",
                      "tracking_follow_ups", "money_claims", "money_claim_lines")
SENSITIVE_FACTS = ("dibao", "disability_certificate", "disability_level", "disability_type")


class Basis(StrEnum):
    CONSENT = "consent"                  # separate consent (PIPL arts. 14, 29)
    GUARDIAN_CONSENT = "guardian_consent"  # for a member under 14 (art. 31)
    STATUTORY_DUTY = "statutory_duty"    # art. 13(3): e.g. an imported dibao list


class Purpose(StrEnum):
    CERTIFICATION = "certification"      # process identity and sensitive facts to certify
    PROXY_SERVICE = "proxy_service"      # a family member may apply and follow up (亲情服务)
    MINOR_MEMBER = "minor_member"        # hold an under-14 household member's details


class Channel(StrEnum):
    MINIPROGRAM = "miniprogram"          # the person ticked the notice in the mini-program
    PROXY_MINIPROGRAM = "proxy_miniprogram"  # declared by a family member, checked at station
    STATION_PAPER = "station_paper"      # signed on paper at the station
    STATION_ELECTRONIC = "station_electronic"  # signed on the station's pad
    DATA_IMPORT = "data_import"          # statutory duty, from a partner department's list


class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    registered_size: Mapped[int | None] = mapped_column(SmallInteger)
    business_income: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list["HouseholdMember"]] = relationship(
        back_populates="household", order_by="HouseholdMember.id",
        cascade="all, delete-orphan")


class HouseholdMember(db.Model):
    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    # {"name", "birth_date", "gender", "guardian": {"name", "relation"} | null}
    details_sealed: Mapped[str] = mapped_column(EncryptedText)
    employment_status: Mapped[str | None] = mapped_column(String(16))
    registered_unemployed: Mapped[bool | None] = mapped_column(Boolean)
    able_to_work: Mapped[bool | None] = mapped_column(Boolean)
    willing_to_work: Mapped[bool | None] = mapped_column(Boolean)
    guardian_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_bases.id"))

    household: Mapped[Household] = relationship(back_populates="members")

    @property
    def details(self):
        return json.loads(self.details_sealed)

    @details.setter
    def details(self, value):
        self.details_sealed = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def name(self):
        return self.details.get("name")

    @property
    def gender(self):
        return self.details.get("gender")

    @property
    def birth_date(self):
        raw = self.details.get("birth_date")
        return date.fromisoformat(raw) if raw else None


class Person(db.Model):
    __tablename__ = "persons"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("people.not_found", _l("人员不存在"))

    def scope_regions(self):
        """A person lies where they live (get_in_scope)."""
        return (self.residence_region_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_accounts.id"), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    id_number: Mapped[str] = mapped_column(EncryptedText)
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    residence_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)

    urban_resident: Mapped[bool | None] = mapped_column(Boolean)
    residence_since: Mapped[date | None] = mapped_column(Date)
    employment_status: Mapped[str | None] = mapped_column(String(16))
    registered_unemployed: Mapped[bool | None] = mapped_column(Boolean)
    unemployment_registered_on: Mapped[date | None] = mapped_column(Date)
    social_insurance_months: Mapped[int | None] = mapped_column(SmallInteger)
    unemployment_insured: Mapped[bool | None] = mapped_column(Boolean)
    # dibao and disability facts, sealed together: {"dibao": .., "disability_*": ..}
    sensitive_sealed: Mapped[str | None] = mapped_column(EncryptedText)
    land_lost: Mapped[bool | None] = mapped_column(Boolean)
    land_compensation_monthly: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    graduate_left_on: Mapped[date | None] = mapped_column(Date)
    ever_employed: Mapped[bool | None] = mapped_column(Boolean)
    education: Mapped[str | None] = mapped_column(String(16))
    skills: Mapped[list] = mapped_column(JSON, default=list)
    trades_trained: Mapped[list] = mapped_column(JSON, default=list)
    skill_certificates: Mapped[list] = mapped_column(JSON, default=list)
    wants: Mapped[list] = mapped_column(JSON, default=list)
    business_registered_on: Mapped[date | None] = mapped_column(Date)
    business_kind: Mapped[str | None] = mapped_column(String(16))
    in_startup_training: Mapped[bool | None] = mapped_column(Boolean)
    in_vocational_training: Mapped[bool | None] = mapped_column(Boolean)
    passed_skill_evaluation_on: Mapped[date | None] = mapped_column(Date)
    public_welfare_placements: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Bumped by database triggers (migration 0010) on any change to the person's data in
    # PERSON_DATA_TABLES: views cached under it are never served stale. Never set it here.
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # A record a family member created for a relative (亲情服务) whom nobody has vouched for
    # yet: the real person claims it by registering themselves; a station visit vouches it.
    unvouched: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    created_by: Mapped[str] = mapped_column(String(40))  # "staff:12" / "person:3"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    household: Mapped[Household | None] = relationship()

    @property
    def sensitive(self):
        return json.loads(self.sensitive_sealed) if self.sensitive_sealed else {}

    def set_sensitive(self, **values):
        merged = {**self.sensitive, **values}
        self.sensitive_sealed = json.dumps(merged, sort_keys=True)

    dibao = property(lambda self: self.sensitive.get("dibao"))
    disability_certificate = property(lambda self: self.sensitive.get("disability_certificate"))
    disability_level = property(lambda self: self.sensitive.get("disability_level"))
    disability_type = property(lambda self: self.sensitive.get("disability_type"))


class LegalBasis(db.Model):
    """Why we may hold a person's data (PIPL arts. 13, 14, 29-31): who, when, how, notice."""
    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    basis: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(24))
    notice_version: Mapped[str] = mapped_column(String(32))
    given_by: Mapped[str] = mapped_column(String(16))  # "self" | "guardian" | "department"
    relation: Mapped[str | None] = mapped_column(String(16))  # of a proxy or guardian
    # A proxy consent names the family member's account that may act.
    granted_to_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_accounts.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    recorded_by: Mapped[str] = mapped_column(String(40))  # "staff:12" / "person:3"
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProxyLinkStatus(StrEnum):
    PENDING = "pending"    # asked for; grants nothing yet
    ACTIVE = "active"      # confirmed by the relative or verified at a station
    DECLINED = "declined"  # refused by the relative


class ProxyLink(db.Model):
    """亲情服务: a family member's account asks to act for a person (the relative).

    The request grants nothing: it takes effect only when the relative confirms it in the
    mini-program or a station in the relative's region verifies it; only then is the
    proxy-service legal basis (granted to the family member's account) recorded.
    """
    __tablename__ = "proxy_links"
    __table_args__ = (UniqueConstraint("person_id", "account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("person_accounts.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10))
    # Facts the family member entered, applied only once the link takes effect.
    pending_facts_sealed: Mapped[str | None] = mapped_column(EncryptedText)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(40))  # "person:3" / "staff:12"
    legal_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_bases.id"))

    requester = relationship("PersonAccount")

    @property
    def requester_phone(self):
        return self.requester.phone if self.requester is not None else None

    @property
    def pending_facts(self):
        return json.loads(self.pending_facts_sealed) if self.pending_facts_sealed else {}
