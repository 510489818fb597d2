"""Certification schemas: strict inputs (status, region, approver never client-writable),
masked outputs."""
from marshmallow import Schema, fields, validate

from app.core.clock import local_today, to_display
from app.core.idnumber import age_on
from app.core.masking import mask_name
from app.core.schemas import BigId, Id, PageArgs, StrictSchema

from .notify import application_number
from .services import STATUS_LABELS, current_step
from .workflow import CertificationStatus, Status

NOTE = fields.String(load_default=None, validate=validate.Length(max=500))
REGION_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")
CATEGORY = fields.String(validate=validate.Length(1, 40))


class CommitmentSchema(StrictSchema):
    accepted = fields.Boolean(required=True)
    version = fields.String(required=True, validate=validate.Length(1, 32))


class PersonApplySchema(StrictSchema):
    person_id = BigId(load_default=None, metadata={"description": "set when applying on behalf of a relative"})
    station_id = Id(load_default=None)
    categories = fields.List(CATEGORY, load_default=None, validate=validate.Length(1, 6))
    commitment = fields.Nested(CommitmentSchema, required=True)


class StaffApplySchema(StrictSchema):
    person_id = BigId(required=True)
    categories = fields.List(CATEGORY, load_default=None, validate=validate.Length(1, 6))
    commitment = fields.Nested(CommitmentSchema, required=True)


class NoteSchema(StrictSchema):
    note = NOTE


class StepDecisionSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(["pass", "return"]))
    note = NOTE


class CountyDecisionSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(["certify", "reject", "return"]))
    categories = fields.List(CATEGORY, load_default=None, validate=validate.Length(1, 6))
    reason = fields.String(load_default=None, validate=validate.Length(1, 32))
    note = NOTE


class ObjectionSchema(StrictSchema):
    summary = fields.String(required=True, validate=validate.Length(2, 1000))
    channel = fields.String(required=True,
                            validate=validate.OneOf(["phone", "in_person", "letter", "online"]))


class ObjectionDecisionSchema(StrictSchema):
    upheld = fields.Boolean(required=True)
    note = fields.String(required=True, validate=validate.Length(1, 500))


class ExitSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 32))
    exited_on = fields.Date(required=True)
    note = NOTE


class SettingsSchema(StrictSchema):
    station_days = fields.Integer(validate=validate.Range(1, 30))
    township_days = fields.Integer(validate=validate.Range(1, 30))
    county_days = fields.Integer(validate=validate.Range(1, 30))
    notice_enabled = fields.Boolean()
    notice_days = fields.Integer(validate=validate.Range(1, 30))
    recheck_months = fields.Integer(validate=validate.Range(1, 36))


class SettingsOutSchema(Schema):
    station_days = fields.Integer()
    township_days = fields.Integer()
    county_days = fields.Integer()
    notice_enabled = fields.Boolean()
    notice_days = fields.Integer()
    recheck_months = fields.Integer()
    region_code = fields.String(allow_none=True, metadata={"description": "region the settings apply to"})


class CalendarSchema(StrictSchema):
    holidays = fields.List(fields.Date(), required=True, validate=validate.Length(max=60))
    workdays = fields.List(fields.Date(), required=True, validate=validate.Length(max=20))
    source = fields.String(required=True, validate=validate.Length(2, 255))


class CalendarOutSchema(Schema):
    year = fields.Integer()
    source = fields.String(metadata={"description": "loaded | package | fallback"})
    estimated = fields.Boolean()
    holidays = fields.List(fields.String())
    workdays = fields.List(fields.String())
    document = fields.String(allow_none=True)


class ApplicationListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    region_code = fields.String(validate=REGION_CODE)
    channel = fields.String(validate=validate.OneOf(["self", "proxy", "station"]))
    category = fields.String(validate=validate.Regexp(r"^[a-z_]{1,40}$"))
    overdue = fields.Boolean()


class CertificationListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in CertificationStatus]))
    region_code = fields.String(validate=REGION_CODE)
    recheck_due_by = fields.Date()


class NoticeArgs(StrictSchema):
    region_code = fields.String(required=True, validate=REGION_CODE)


class AssessmentArgs(StrictSchema):
    person_id = BigId(load_default=None)


class EvidenceFormSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.Length(1, 32))


class EvidenceFileSchema(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# ------------------------------------------------------------------ output

class ApplicationStepSchema(Schema):
    level = fields.String()
    label = fields.String()
    holder = fields.String()
    holder_level = fields.String()
    phone = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    deadline_estimated = fields.Boolean(metadata={"description": "the holiday schedule of that year is not loaded: weekends-only estimate"})
    escalated = fields.Boolean()


STEP_SCHEMA = ApplicationStepSchema()


class StationBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    address = fields.String()


class PersonBriefSchema(Schema):
    id = fields.Integer()
    name = fields.Function(lambda p: mask_name(p.name))
    gender = fields.String()
    age = fields.Function(lambda p: age_on(p.birth_date, local_today()))


class EvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    uploaded_at = fields.Function(lambda e: to_display(e.uploaded_at))


class EventSchema(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    level = fields.String(allow_none=True)
    by = fields.Function(lambda e: e.actor.split(":")[0])
    note = fields.String(allow_none=True)
    occurred_at = fields.Function(lambda e: to_display(e.occurred_at))


class ApplicationSchema(Schema):
    id = fields.Integer()
    number = fields.Function(lambda a: application_number(a.id))
    status = fields.String()
    status_label = fields.Function(lambda a: str(STATUS_LABELS[Status(a.status)]))
    channel = fields.String()
    region_code = fields.String()
    station = fields.Nested(StationBriefSchema)
    person = fields.Nested(PersonBriefSchema)
    claimed_categories = fields.List(fields.String())
    detected_categories = fields.List(fields.String())
    decided_categories = fields.List(fields.String(), allow_none=True)
    rules_version = fields.String()
    commitment = fields.Function(lambda a: {"channel": a.commitment_channel,
                                            "version": a.commitment_version,
                                            "signed_at": to_display(a.commitment_signed_at)})
    current_step = fields.Method("_step")
    notice = fields.Function(lambda a: {"starts_on": a.notice_starts_on.isoformat(),
                                        "ends_on": a.notice_ends_on.isoformat()}
                             if a.notice_starts_on else None)
    last_note = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    resubmissions = fields.Integer()
    submitted_at = fields.Function(lambda a: to_display(a.submitted_at))
    updated_at = fields.Function(lambda a: to_display(a.updated_at))
    closed_at = fields.Function(lambda a: to_display(a.closed_at))

    def _step(self, application):
        step = current_step(application)
        return STEP_SCHEMA.dump(step) if step else None


class ApplicationDetailSchema(ApplicationSchema):
    events = fields.List(fields.Nested(EventSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema))


class ApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class CategoryResultSchema(Schema):
    code = fields.String()
    label = fields.String()
    status = fields.String(metadata={"description": "met | unmet | unknown"})
    unmet = fields.List(fields.String())
    missing = fields.List(fields.String(), metadata={"description": "facts to add before the rule can decide"})
    evidence = fields.List(fields.Dict())


class AssessmentSchema(Schema):
    rules_version = fields.String()
    categories = fields.List(fields.Nested(CategoryResultSchema))
    application_evidence = fields.List(fields.Dict(), metadata={
        "description": "documents the channel needs: proxy consent form, paper commitment"})
    confirmed_by_lists = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "evidence kinds a partner department's list confirms (no upload needed), by list"})


class CertificationSchema(Schema):
    id = fields.Integer()
    person = fields.Nested(PersonBriefSchema)
    application_id = fields.Integer()
    region_code = fields.String()
    categories = fields.List(fields.String())
    rules_version = fields.String()
    status = fields.String()
    starts_on = fields.Date()
    next_recheck_on = fields.Date()
    exited_on = fields.Date(allow_none=True)
    exit_reason = fields.String(allow_none=True)
    exit_note = fields.String(allow_none=True)


class CertificationPageSchema(Schema):
    items = fields.List(fields.Nested(CertificationSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ObjectionOutSchema(Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    channel = fields.String()
    status = fields.String()
    recorded_at = fields.Function(lambda o: to_display(o.recorded_at))
    decided_at = fields.Function(lambda o: to_display(o.decided_at))


class NoticeEntrySchema(Schema):
    """Only what a public notice may show (masked name, sex, age, category, period, station)."""
    name = fields.String()
    gender = fields.String()
    age = fields.Integer()
    categories = fields.List(fields.String())
    period = fields.Dict()
    station = fields.String()
    station_phone = fields.String()


class RulesSchema(Schema):
    version = fields.String()
    categories = fields.List(fields.Dict())
    evidence_kinds = fields.Dict()
    exit_reasons = fields.Dict()
    reject_reasons = fields.Dict()


class EscalationResultSchema(Schema):
    escalated = fields.Integer()
