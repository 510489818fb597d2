"""Money schemas: strict inputs (status, amounts, approvers, region are never client-written)
and masked outputs (account numbers show their last four digits only)."""
from marshmallow import Schema, fields, validate

from app.core.masking import mask_name
from app.core.schemas import BigId, PageArgs, StrictSchema

from .payrules import FUND_SOURCES, PAY_RULES, PAYEE_TYPES, fen_to_yuan

NOTE = fields.String(load_default=None, validate=validate.Length(max=500))
ACCOUNT = fields.String(validate=validate.Regexp(r"^\d{12,25}$"),
                        metadata={"description": "bank card or social security card account, digits"})
BANK = fields.String(validate=validate.Length(2, 64))
STATUSES = ["submitted", "checked", "approved", "confirmed", "returned", "refused"]


def mask_account(number):
    return f"****{number[-4:]}" if number else None


YUAN = validate.Regexp(r"^\d{1,10}(\.\d{1,2})?$")


class LoanSchema(StrictSchema):
    """One quarter of a guaranteed loan as the handling bank filed it."""
    principal = fields.String(required=True, validate=YUAN, metadata={"description": "yuan"})
    annual_rate = fields.String(required=True, validate=validate.Regexp(
        r"^(?:[0-9]|1[0-9])(\.\d{1,4})?$"),
        metadata={"description": "percent a year, e.g. 3.45"})
    interest_paid = fields.String(required=True, validate=YUAN,
                                  metadata={"description": "interest paid this quarter, yuan"})
    bank_loan_no = fields.String(load_default=None, validate=validate.Length(1, 40))
    overdue = fields.Boolean(load_default=False)
    extended = fields.Boolean(load_default=False)


class MyClaimSchema(StrictSchema):
    policy = fields.String(required=True, validate=validate.OneOf(sorted(PAY_RULES)))
    month_from = fields.Date(required=True, metadata={
        "description": "first month claimed (any day of it); for one-off subsidies the claim month"})
    month_to = fields.Date(load_default=None, metadata={"description": "last month (monthly subsidies)"})
    account_number = fields.String(required=True, validate=ACCOUNT.validate)
    account_bank = fields.String(required=True, validate=BANK.validate)
    loan = fields.Nested(LoanSchema, load_default=None,
                         metadata={"description": "the loan quarter (loan interest subsidy only)"})


class StaffClaimSchema(MyClaimSchema):
    person_id = BigId(required=True)
    employer_id = BigId(load_default=None)
    consent_channel = fields.String(required=True, validate=validate.OneOf(
        ["station_paper", "station_electronic"]))


class ResubmitSchema(StrictSchema):
    account_number = fields.String(load_default=None, validate=ACCOUNT.validate)
    account_bank = fields.String(load_default=None, validate=BANK.validate)


class ClaimNoteSchema(StrictSchema):
    note = NOTE


class ReasonSchema(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(1, 500))


class ClaimListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    policy = fields.String(load_default=None, validate=validate.OneOf(sorted(PAY_RULES)))


class ClaimEventSchema(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String()
    note = fields.String(allow_none=True)
    at = fields.DateTime()


class LineSchema(Schema):
    id = fields.Integer()
    period = fields.Date()
    amount_fen = fields.Integer()
    amount = fields.Function(lambda line: fen_to_yuan(line.amount_fen))
    status = fields.String()
    batch_id = fields.Integer(allow_none=True)


class ClaimEvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class ClaimEvidenceFormSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.Length(1, 32))


class ClaimEvidenceFileSchema(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MoneySettingsSchema(StrictSchema):
    station_check_days = fields.Integer(validate=validate.Range(1, 30))
    county_approve_days = fields.Integer(validate=validate.Range(1, 30))
    finance_confirm_days = fields.Integer(validate=validate.Range(1, 30))
    finance_confirm = fields.Boolean()


class MoneySettingsOutSchema(Schema):
    station_check_days = fields.Integer()
    county_approve_days = fields.Integer()
    finance_confirm_days = fields.Integer()
    finance_confirm = fields.Boolean()
    region_code = fields.String(allow_none=True)


class ClaimSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    policy = fields.String()
    region_code = fields.String()
    payee_type = fields.String()
    employer_id = fields.Integer(allow_none=True)
    channel = fields.String()
    status = fields.String()
    steps = fields.List(fields.String())
    current_step = fields.String(allow_none=True)
    step_due_on = fields.Date(allow_none=True)
    month_from = fields.Date()
    month_to = fields.Date(allow_none=True)
    periods = fields.Integer()
    amount_fen = fields.Integer()
    amount = fields.Function(lambda claim: fen_to_yuan(claim.amount_fen))
    catalog_version = fields.String()
    eligibility = fields.Dict()
    claimed_on = fields.Date()
    account = fields.Function(lambda claim: mask_account(claim.account_number))
    account_bank = fields.String()
    consent_channel = fields.String(allow_none=True)
    entered_by = fields.String()
    checked_by_staff_id = fields.Integer(allow_none=True)
    approved_by_staff_id = fields.Integer(allow_none=True)
    confirmed_by_staff_id = fields.Integer(allow_none=True)
    last_note = fields.String(allow_none=True)
    version = fields.Integer()
    lines = fields.List(fields.Nested(LineSchema))
    events = fields.List(fields.Nested(ClaimEventSchema))
    loan = fields.Dict(allow_none=True)
    materials = fields.Dict(allow_none=True)
    evidence = fields.List(fields.Nested(ClaimEvidenceSchema))


class ClaimPageSchema(Schema):
    items = fields.List(fields.Nested(ClaimSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


# ---------------------------------------------------------------- funds


class FundSchema(Schema):
    id = fields.Integer()
    region_code = fields.String()
    source = fields.String()
    name = fields.String()
    balance_fen = fields.Integer()
    balance = fields.Function(lambda f: fen_to_yuan(f["balance_fen"]) if isinstance(f, dict)
                              else fen_to_yuan(f.balance_fen))
    as_of = fields.Date()


class FundArgs(StrictSchema):
    on = fields.Date(load_default=None, metadata={"description": "balance at the end of this day"})


class OpenFundSchema(StrictSchema):
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3}){0,2}$"))
    source = fields.String(required=True, validate=validate.OneOf(sorted(FUND_SOURCES)))


class AllocationSchema(StrictSchema):
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**13))
    posted_on = fields.Date(load_default=None)
    reference = fields.String(required=True, validate=validate.Length(2, 64))


class EntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    posted_on = fields.Date()
    from_account = fields.String()
    to_account = fields.String()
    amount_fen = fields.Integer()
    reference = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_by = fields.String()


class FundDetailSchema(FundSchema):
    entries = fields.List(fields.Nested(EntrySchema))


# ---------------------------------------------------------------- batches


class BuildBatchSchema(StrictSchema):
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3}){0,2}$"))
    fund_source = fields.String(required=True, validate=validate.OneOf(sorted(FUND_SOURCES)))
    payee_type = fields.String(required=True, validate=validate.OneOf(sorted(PAYEE_TYPES)))


class PaymentSchema(Schema):
    id = fields.Integer()
    line_id = fields.Integer()
    attempt = fields.Integer()
    amount_fen = fields.Integer()
    paid_fen = fields.Integer()
    payee = fields.Function(lambda p: mask_name(p.payee_name))
    account = fields.Function(lambda p: mask_account(p.account_number))
    account_bank = fields.String()
    status = fields.String()
    failure_reason = fields.String(allow_none=True)
    bank_ref = fields.String(allow_none=True)


class BatchSchema(Schema):
    id = fields.Integer()
    batch_no = fields.String()
    region_code = fields.String()
    fund_id = fields.Integer()
    payee_type = fields.String()
    status = fields.String()
    line_count = fields.Integer()
    total_fen = fields.Integer()
    total = fields.Function(lambda b: fen_to_yuan(b.total_fen))
    checksum = fields.String()
    built_by = fields.String()
    approved_by_staff_id = fields.Integer(allow_none=True)
    sent_by = fields.String(allow_none=True)
    paid_count = fields.Integer()
    failed_count = fields.Integer()


class BatchDetailSchema(BatchSchema):
    payments = fields.List(fields.Nested(PaymentSchema))


class ExportArgs(StrictSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class ReturnFileSchema(StrictSchema):
    content = fields.String(required=True, validate=validate.Length(1, 20_000_000),
                            metadata={"description": "the bank's return file (CSV text)"})


class ReconcileResultSchema(Schema):
    batch = fields.Nested(BatchSchema)
    paid = fields.Integer()
    failed = fields.Integer()
    already = fields.Integer()
    errors = fields.List(fields.Dict())


class CorrectionSchema(StrictSchema):
    account_number = fields.String(required=True, validate=ACCOUNT.validate)
    account_bank = fields.String(required=True, validate=BANK.validate)


class MyMoneySchema(Schema):
    claims = fields.List(fields.Nested(ClaimSchema))
    payments = fields.List(fields.Nested(PaymentSchema))


# ---------------------------------------------------------------- public-welfare posts


class PostRequestSchema(StrictSchema):
    employer_id = BigId(required=True)
    title = fields.String(required=True, validate=validate.Length(2, 128))
    headcount = fields.Integer(required=True, strict=True, validate=validate.Range(1, 500))
    term_from = fields.Date(required=True)
    term_to = fields.Date(required=True)


class PlacePersonSchema(StrictSchema):
    person_id = BigId(required=True)
    starts_on = fields.Date(required=True)


class LeaveSchema(StrictSchema):
    left_on = fields.Date(required=True, metadata={"description": "the last day worked"})
    reason = fields.String(required=True, validate=validate.OneOf(
        ["employed", "resigned", "dismissed", "retired", "moved", "death", "other"]))


class QuarterSchema(StrictSchema):
    quarter = fields.Date(required=True, metadata={"description": "any day of the quarter"})


class PlacementSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    person_id = fields.Integer()
    sequence = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    exit_reason = fields.String(allow_none=True)


class SettlementSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    quarter = fields.Date()
    headcount = fields.Integer()
    advance_fen = fields.Integer()
    status = fields.String()
    months_worked = fields.Integer(allow_none=True)
    due_fen = fields.Integer(allow_none=True)
    difference_fen = fields.Integer(allow_none=True)
    outcome = fields.Function(lambda s: None if s.difference_fen is None else
                              "top_up" if s.difference_fen > 0 else
                              "recovery" if s.difference_fen < 0 else "even")


class PostSchema(Schema):
    id = fields.Integer()
    employer_id = fields.Integer()
    region_code = fields.String()
    title = fields.String()
    headcount = fields.Integer()
    term_from = fields.Date()
    term_to = fields.Date()
    status = fields.String()
    monthly_fen = fields.Integer()
    catalog_version = fields.String(allow_none=True)
    requested_by_staff_id = fields.Integer()
    approved_by_staff_id = fields.Integer(allow_none=True)
    placements = fields.List(fields.Nested(PlacementSchema))
    settlements = fields.List(fields.Nested(SettlementSchema))


class FiguresArgs(StrictSchema):
    month = fields.Date(required=True, metadata={"description": "any day of the month"})


class FigureSchema(Schema):
    policy = fields.String()
    claims = fields.Integer()
    approved_lines = fields.Integer()
    approved_fen = fields.Integer()
    paid_lines = fields.Integer()
    paid_fen = fields.Integer()


class FiguresSchema(Schema):
    month = fields.Date()
    items = fields.List(fields.Nested(FigureSchema))
