"""Claims, their monthly lines, funds and their ledger, payment batches, payments and bank
return files.

Exactly-once lives in the schema (SECURITY.md 22):
- a claim line is one (person, policy, period): `uq_money_lines_period` makes a second
  payment of a month impossible, whatever the code above does;
- the approver of a claim is neither its enterer nor its checker, and the finance confirmer
  is none of them: `ck_money_claims_second_person` / `ck_money_claims_confirmer`;
- a line has at most two payments (the first and one re-batch after correction):
  `uq_money_payments_attempt` with `ck_money_payments_attempt` (names take the `ck_<table>_` prefix);
- a ledger entry moves a positive amount from one account to another, so every transaction
  is balanced by construction (hordak's legs that sum to zero, as one row of two legs).
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        SmallInteger, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class Claim(db.Model):
    __tablename__ = "money_claims"
    scope_not_found = ("money.claim_not_found", _l("补贴申请不存在"))
    __table_args__ = (
        CheckConstraint(
            "approved_by_staff_id IS NULL OR (approved_by_staff_id <> COALESCE(entered_by_staff_id, 0)"
            " AND approved_by_staff_id <> COALESCE(checked_by_staff_id, 0))",
            name="second_person"),
        CheckConstraint(
            "confirmed_by_staff_id IS NULL OR (confirmed_by_staff_id <> COALESCE(approved_by_staff_id, 0)"
            " AND confirmed_by_staff_id <> COALESCE(entered_by_staff_id, 0)"
            " AND confirmed_by_staff_id <> COALESCE(checked_by_staff_id, 0))",
            name="confirmer"),
        CheckConstraint("amount_fen >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    policy: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    payee_type: Mapped[str] = mapped_column(String(16))  # person | employer
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    channel: Mapped[str] = mapped_column(String(16))  # self | station
    status: Mapped[str] = mapped_column(String(16), index=True)
    steps: Mapped[list] = mapped_column(JSON)
    current_step: Mapped[str | None] = mapped_column(String(24))
    step_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    month_from: Mapped[date] = mapped_column(Date)
    month_to: Mapped[date | None] = mapped_column(Date)
    periods: Mapped[int] = mapped_column(SmallInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    catalog_version: Mapped[str] = mapped_column(String(32))
    eligibility: Mapped[dict] = mapped_column(JSON)  # engine status and reasons at claim date
    claimed_on: Mapped[date] = mapped_column(Date)
    account_number: Mapped[str] = mapped_column(EncryptedText)
    account_bank: Mapped[str] = mapped_column(String(64))
    consent_channel: Mapped[str | None] = mapped_column(String(24))  # staff entry only
    entered_by: Mapped[str] = mapped_column(String(40))
    entered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    checked_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    approved_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    confirmed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    last_note: Mapped[str | None] = mapped_column(String(500))
    # The loan interest subsidy's quarter as the bank filed it (principal, rate, interest).
    loan: Mapped[dict | None] = mapped_column(JSON)
    # How each required material was shown at the station check: {kind: "upload" | source}.
    materials: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events = relationship("ClaimEvent", order_by="ClaimEvent.id", lazy="selectin")
    lines = relationship("ClaimLine", order_by="ClaimLine.period", lazy="selectin")
    evidence = relationship("ClaimEvidence", order_by="ClaimEvidence.id", lazy="selectin")


class ClaimEvidence(db.Model):
    """A material of a claim: checked and cleaned as certification's evidence is, encrypted,
    stored under a random name in EVIDENCE_DIR."""
    __tablename__ = "money_claim_evidence"
    scope_not_found = ("evidence.not_found", _l("材料不存在"))

    def scope_regions(self):
        """Evidence lies where its claim does (get_in_scope)."""
        return (db.session.get(Claim, self.claim_id).region_code,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("money_claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(40))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MoneySettings(db.Model):
    """Working days of each review step and whether finance confirms, per region (nearest
    configured ancestor wins)."""
    __tablename__ = "money_region_settings"
    __table_args__ = (CheckConstraint(
        "station_check_days BETWEEN 1 AND 30 AND county_approve_days BETWEEN 1 AND 30"
        " AND finance_confirm_days BETWEEN 1 AND 30", name="days"),)

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    station_check_days: Mapped[int] = mapped_column(SmallInteger)
    county_approve_days: Mapped[int] = mapped_column(SmallInteger)
    finance_confirm_days: Mapped[int] = mapped_column(SmallInteger)
    finance_confirm: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClaimEvent(db.Model):
    """One step of a claim, for the applicant's tracker (the audit chain has them too)."""
    __tablename__ = "money_claim_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("money_claims.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClaimLine(db.Model):
    """One payable period of an approved claim: written at approval, never twice."""
    __tablename__ = "money_claim_lines"
    __table_args__ = (
        UniqueConstraint("person_id", "policy", "period", name="uq_money_lines_period"),
        CheckConstraint("amount_fen > 0", name="amount"),
        Index("ix_money_lines_batchable", "region_code", "fund_source", "payee_type", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("money_claims.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    policy: Mapped[str] = mapped_column(String(64))
    period: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    fund_source: Mapped[str] = mapped_column(String(32))
    payee_type: Mapped[str] = mapped_column(String(16))
    # held (awaiting finance) | payable | batched | paid | failed
    status: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("money_batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fund(db.Model):
    """A region's fund of one source. Its balance is never stored: it is the sum of the
    ledger entries into it minus those out of it, up to a date."""
    __tablename__ = "money_funds"
    scope_not_found = ("money.fund_not_found", _l("资金账户不存在"))
    __table_args__ = (UniqueConstraint("region_code", "source", name="uq_money_funds_source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    """A transfer of `amount_fen` from one account to another on `posted_on`. Accounts are
    names: `fund:<id>`, `finance:<region>` (allocations come from there), `payees:batch:<id>`
    (money sent out), `unit:<employer id>` (what a unit owes back or is owed)."""
    __tablename__ = "money_ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive"),
        CheckConstraint("from_account <> to_account", name="two_accounts"),
        Index("ix_money_ledger_to", "to_account", "posted_on"),
        Index("ix_money_ledger_from", "from_account", "posted_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("money_funds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # allocation | payment | refund | recovery | advance | top_up
    posted_on: Mapped[date] = mapped_column(Date)
    from_account: Mapped[str] = mapped_column(String(48))
    to_account: Mapped[str] = mapped_column(String(48))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(db.Model):
    """A payment batch (an envelope): its line count and total are fixed when built."""
    __tablename__ = "money_batches"
    scope_not_found = ("money.batch_not_found", _l("支付批次不存在"))
    # Money leaves only from a batch a second finance officer approved (openIMIS's approved
    # payroll; SECURITY.md 4: a bulk export needs a second approver).
    __table_args__ = (CheckConstraint(
        "approved_by_staff_id IS NULL OR approved_by_staff_id <> built_by_staff_id",
        name="second_person"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("money_funds.id"), index=True)
    payee_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # built | approved | sent | reconciled
    line_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(80))
    built_by: Mapped[str] = mapped_column(String(40))
    built_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    approved_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    sent_by: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(db.Model):
    """One line in one batch, with the account as it was when the batch was built."""
    __tablename__ = "money_payments"
    __table_args__ = (
        UniqueConstraint("line_id", "attempt", name="uq_money_payments_attempt"),
        CheckConstraint("attempt IN (1, 2)", name="attempt"),
        CheckConstraint("amount_fen > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("money_batches.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("money_claim_lines.id"), index=True)
    attempt: Mapped[int] = mapped_column(SmallInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    payee_name: Mapped[str] = mapped_column(EncryptedText)
    account_number: Mapped[str] = mapped_column(EncryptedText)
    account_bank: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # issued | paid | failed
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    bank_ref: Mapped[str | None] = mapped_column(String(64))
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BankReturn(db.Model):
    """A bank return file as received (kept raw), and what reconciling it found."""
    __tablename__ = "money_bank_returns"
    __table_args__ = (UniqueConstraint("batch_id", "file_sha256", name="uq_money_returns_file"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("money_batches.id"), index=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)
    summary: Mapped[dict] = mapped_column(JSON)
    uploaded_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(db.Model):
    """A public-welfare post developed at a unit through an approved request."""
    __tablename__ = "money_posts"
    scope_not_found = ("money.post_not_found", _l("公益性岗位不存在"))
    __table_args__ = (
        CheckConstraint("approved_by_staff_id IS NULL OR approved_by_staff_id <> requested_by_staff_id",
                        name="second_person"),
        CheckConstraint("headcount BETWEEN 1 AND 500", name="headcount"),
        CheckConstraint("term_to > term_from", name="term"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    headcount: Mapped[int] = mapped_column(SmallInteger)
    term_from: Mapped[date] = mapped_column(Date)
    term_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # requested | approved
    monthly_fen: Mapped[int] = mapped_column(BigInteger)  # per person: post + insurance subsidy
    catalog_version: Mapped[str | None] = mapped_column(String(32))
    requested_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    approved_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placements = relationship("Placement", order_by="Placement.id", lazy="selectin")
    settlements = relationship("PostSettlement", order_by="PostSettlement.quarter", lazy="selectin")


class Placement(db.Model):
    """A person in a post: their 1st or 2nd placement ever, never a 3rd."""
    __tablename__ = "money_placements"
    __table_args__ = (
        UniqueConstraint("person_id", "sequence", name="uq_money_placements_sequence"),
        CheckConstraint("sequence IN (1, 2)", name="sequence"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("money_posts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    sequence: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the post's term end: placements end on time
    left_on: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(32))
    placed_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostSettlement(db.Model):
    """A post's quarter: the advance paid at its start, then the settlement."""
    __tablename__ = "money_post_settlements"
    __table_args__ = (UniqueConstraint("post_id", "quarter", name="uq_money_settlements_quarter"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("money_posts.id"), index=True)
    quarter: Mapped[date] = mapped_column(Date)
    headcount: Mapped[int] = mapped_column(SmallInteger)
    advance_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # advanced | settled
    months_worked: Mapped[int | None] = mapped_column(SmallInteger)
    due_fen: Mapped[int | None] = mapped_column(BigInteger)
    difference_fen: Mapped[int | None] = mapped_column(BigInteger)  # > 0 top-up, < 0 recovery
    advanced_by: Mapped[str] = mapped_column(String(40))
    settled_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
