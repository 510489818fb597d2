"""Partner-department lists as they arrived (imports, with their row reports) and as they
stand (one record per source, list region and person).

Identities are stored as everywhere else: the ID number and name encrypted, the ID number's
keyed blind index for matching; the other cells of a row (dibao dates, disability grade,
contribution status) are sensitive too and sealed together. The raw file is never kept.
"""
import json
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, BigInteger, Date, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class PartnerImport(db.Model):
    """One uploaded file of one source for one region, with what it changed."""
    __tablename__ = "partner_imports"
    # The same file (by content) for the same source and region is imported once.
    __table_args__ = (UniqueConstraint("source", "region_code", "file_sha256"),)
    scope_not_found = ("partners.import_not_found", _l("导入记录不存在"))

    def scope_regions(self):
        return (self.region_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    sources_version: Mapped[str] = mapped_column(String(16))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_kind: Mapped[str] = mapped_column(String(8))
    uploaded_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    ended: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)


class PartnerImportProblem(db.Model):
    """One problem of one row (or of the header): what a department fixes and sends again."""
    __tablename__ = "partner_import_problems"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("partner_imports.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class PartnerRecord(db.Model):
    """A person on a partner's list as the latest list of that source and region has them.
    A person missing from a newer list is ended (ended_on = that list's date), not deleted:
    a dibao membership that ended is a fact too."""
    __tablename__ = "partner_records"
    __table_args__ = (UniqueConstraint("source", "region_code", "id_number_index"),
                      Index("ix_partner_records_source_region_last", "source", "region_code",
                            "last_import_id"))
    scope_not_found = ("partners.record_not_found", _l("名单记录不存在"))

    def scope_regions(self):
        return (self.community_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    id_number: Mapped[str] = mapped_column(EncryptedText)
    name: Mapped[str] = mapped_column(EncryptedText)
    values_sealed: Mapped[str] = mapped_column(EncryptedText)
    row_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    first_import_id: Mapped[int] = mapped_column(ForeignKey("partner_imports.id"))
    last_import_id: Mapped[int] = mapped_column(ForeignKey("partner_imports.id"))
    as_of: Mapped[date] = mapped_column(Date)
    ended_import_id: Mapped[int | None] = mapped_column(ForeignKey("partner_imports.id"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    # The application a station filed for the person from the discovery list (主动发现 that
    # became an application): the conversion the statistics count.
    applied_application_id: Mapped[int | None] = mapped_column(ForeignKey("cert_applications.id"))

    @property
    def values(self):
        return json.loads(self.values_sealed)


class TaxReliefProof(db.Model):
    """An employer's proof, for the tax relief of §3.1, that a person they hire has been
    registered unemployed for 6 months or more (or holds a certification the relief
    accepts). Issued only with the person's consent on record; verifiable by serial."""
    __tablename__ = "tax_relief_proofs"
    scope_not_found = ("partners.proof_not_found", _l("证明不存在"))

    def scope_regions(self):
        return (self.region_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(24), unique=True)
    # In the QR code beside the serial: the public page needs both, so a serial read off
    # paper cannot be turned into a probe of other serials.
    verify_token: Mapped[str] = mapped_column(String(32))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    basis: Mapped[str] = mapped_column(String(24))  # registered_unemployed | certified
    registered_on: Mapped[date | None] = mapped_column(Date)
    certified_on: Mapped[date | None] = mapped_column(Date)
    hired_on: Mapped[date] = mapped_column(Date)
    consent_channel: Mapped[str] = mapped_column(String(24))
    issued_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_on: Mapped[date] = mapped_column(Date)  # the Beijing date printed on it
    valid_until: Mapped[date] = mapped_column(Date)


class PartnerInvitation(db.Model):
    """A discovered person invited, through the push outbox, to apply: once per person and
    campaign round (一轮联系对接), which the unique constraint holds however many staff press
    the button at once."""
    __tablename__ = "partner_invitations"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("push_campaigns.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("partner_records.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("push_messages.id"))
    invited_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DibaoPhaseOut(db.Model):
    """A person who left dibao (低保渐退): absent from a newer list, or listed with an end
    date. Once per membership end (`key`); the person is told through the push outbox when
    they have a mini-program account, and the station reads the list either way."""
    __tablename__ = "partner_dibao_phase_outs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)  # "<record id>:<ended on>"
    record_id: Mapped[int] = mapped_column(ForeignKey("partner_records.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("partner_imports.id"))
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    ended_on: Mapped[date] = mapped_column(Date)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("push_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
