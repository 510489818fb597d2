"""Tracking schemas: strict inputs (codes from fixed lists), masked outputs."""
from marshmallow import Schema, fields, validate

from app.core.clock import local_today, to_display
from app.core.idnumber import age_on
from app.core.masking import mask_name
from app.core.schemas import BigId, Id, PageArgs, StrictSchema
from app.rules.vocabulary import CATEGORIES

from .plans import load_plans

NEEDS = [n.code for n in load_plans().needs]
REGION_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")
TASK_KINDS = ["next_step", "help_request", "follow_up", "expiry_assessment", "job_help"]
TEXT = validate.Length(1, 500)


class CaseListArgs(PageArgs):
    station_id = Id(load_default=None)
    region_code = fields.String(load_default=None, validate=REGION_CODE)
    category = fields.String(load_default=None, validate=validate.OneOf(sorted(CATEGORIES)))
    need = fields.String(load_default=None, validate=validate.OneOf(NEEDS))
    priority = fields.Boolean(load_default=None)
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "closed"]))
    not_contacted_since = fields.Date(load_default=None)
    due_by = fields.Date(load_default=None)


class CasePersonSchema(Schema):
    id = fields.Integer()
    name = fields.Function(lambda p: mask_name(p.name))
    gender = fields.String()
    age = fields.Function(lambda p: age_on(p.birth_date, local_today()))


class StaffBriefSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()


class CaseStationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(metadata={"description": "the station's public office number"})


class CaseSchema(Schema):
    id = fields.Integer()
    person = fields.Nested(CasePersonSchema)
    region_code = fields.String()
    station = fields.Nested(CaseStationSchema, allow_none=True)
    staff = fields.Nested(StaffBriefSchema, allow_none=True)
    status = fields.String()
    opened_reason = fields.String()
    categories = fields.List(fields.String())
    needs = fields.List(fields.String())
    priority = fields.Boolean()
    priority_reason = fields.String(allow_none=True)
    last_contact_on = fields.Date(allow_none=True)
    next_due_on = fields.Date(allow_none=True)
    opened_at = fields.Function(lambda c: to_display(c.opened_at))


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ContactOutSchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    contacted_on = fields.Date()
    outcome = fields.String()
    next_step = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    staff_id = fields.Integer()


class PlanSchema(Schema):
    version = fields.String(allow_none=True)
    needs = fields.List(fields.Dict())


class HandOverSchema(Schema):
    why = fields.String(metadata={
        "description": "residence_changed | worker_left | assigned | balanced"})
    from_region_code = fields.String()
    to_region_code = fields.String()
    from_station_id = fields.Integer(allow_none=True)
    to_station_id = fields.Integer(allow_none=True)
    from_staff_id = fields.Integer(allow_none=True)
    to_staff_id = fields.Integer(allow_none=True)
    at = fields.Function(lambda h: to_display(h.at))


class CaseDetailSchema(CaseSchema):
    plan = fields.Nested(PlanSchema)
    contacts = fields.List(fields.Nested(ContactOutSchema))
    history = fields.List(fields.Nested(HandOverSchema))
    close_reason = fields.String(allow_none=True)


class AssignSchema(StrictSchema):
    staff_id = Id(required=True)


class PrioritySchema(StrictSchema):
    priority = fields.Boolean(required=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=200))


class NeedsSchema(StrictSchema):
    needs = fields.List(fields.String(validate=validate.Length(1, 40)), required=True,
                        validate=validate.Length(0, 10))


class BalanceSchema(Schema):
    station_id = fields.Integer()
    cases = fields.Integer()
    moved = fields.Integer()
    per_staff = fields.List(fields.Dict())


class ContactSchema(StrictSchema):
    channel = fields.String(required=True,
                            validate=validate.OneOf(["visit", "phone", "wechat", "station"]))
    contacted_on = fields.Date(required=True)
    outcome = fields.String(required=True,
                            validate=validate.OneOf(["reached", "unreached", "refused"]))
    note = fields.String(load_default=None, validate=TEXT)
    next_step = fields.String(load_default=None, validate=validate.Length(1, 64))
    next_step_days = fields.Integer(load_default=None, validate=validate.Range(1, 30))


class TrackingTaskSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    person_id = fields.Integer()
    region_code = fields.String()
    staff_id = fields.Integer(allow_none=True)
    kind = fields.String()
    origin = fields.Function(lambda t: t.origin.split(":")[0])
    title = fields.String()
    status = fields.String()
    due_on = fields.Date()
    overdue = fields.Function(lambda t: t.status == "open" and t.due_on < local_today())
    deadline_estimated = fields.Boolean()
    escalated_to = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    completed_at = fields.Function(lambda t: to_display(t.completed_at))


class StaffTrackingTaskSchema(TrackingTaskSchema):
    detail = fields.String(allow_none=True, metadata={"description": "the person's own words"})


class TrackingTaskListArgs(PageArgs):
    mine = fields.Boolean(load_default=True)
    kind = fields.String(load_default=None, validate=validate.OneOf(TASK_KINDS))
    due_by = fields.Date(load_default=None)
    overdue = fields.Boolean(load_default=None)
    escalated = fields.Boolean(load_default=None)
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "done"]))
    region_code = fields.String(load_default=None, validate=REGION_CODE)


class TrackingTaskPageSchema(Schema):
    items = fields.List(fields.Nested(StaffTrackingTaskSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class CompleteSchema(StrictSchema):
    outcome = fields.String(required=True, validate=TEXT)


class HelpRequestSchema(StrictSchema):
    topic = fields.String(required=True, validate=validate.Length(2, 64))
    detail = fields.String(load_default=None, validate=TEXT)


class CoverageArgs(StrictSchema):
    region_code = fields.String(load_default=None, validate=REGION_CODE)
    campaign_id = BigId(load_default=None)
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(load_default=None)


class CoverageLineSchema(Schema):
    region_code = fields.String()
    name = fields.String()
    cases = fields.Integer()
    contacted = fields.Integer()
    share = fields.Float(allow_none=True)


class CoverageSchema(CoverageLineSchema):
    round = fields.String(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    children = fields.List(fields.Nested(CoverageLineSchema))
    uncontacted = fields.List(fields.Nested(CaseSchema))


class HireSchema(StrictSchema):
    person_id = BigId(required=True)
    employer = fields.String(required=True, validate=validate.Length(2, 128))
    job_title = fields.String(required=True, validate=validate.Length(1, 64))
    starts_on = fields.Date(required=True)


class HireEndSchema(StrictSchema):
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(
        ["quit", "dismissed", "contract_ended", "other"]))


class FollowUpOutSchema(Schema):
    id = fields.Integer()
    hire_id = fields.Integer()
    stage = fields.String()
    due_on = fields.Date()
    status = fields.String()
    still_employed = fields.Boolean(allow_none=True)
    difficulties = fields.String(allow_none=True)


class HireOutSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    recommendation_id = fields.Integer(allow_none=True)
    employer = fields.String()
    job_title = fields.String()
    starts_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    follow_ups = fields.List(fields.Nested(FollowUpOutSchema))


class FollowUpAnswerSchema(StrictSchema):
    still_employed = fields.Boolean(required=True)
    difficulties = fields.String(load_default=None, validate=TEXT)


class ProposalSchema(Schema):
    id = fields.Integer()
    certification_id = fields.Integer()
    person_id = fields.Integer()
    region_code = fields.String()
    reason = fields.String()
    evidence = fields.Dict()
    status = fields.String()
    proposed_on = fields.Date()
    note = fields.String(allow_none=True)


class ProposalPageSchema(Schema):
    items = fields.List(fields.Nested(ProposalSchema))
    total = fields.Integer()


class ProposalListArgs(PageArgs):
    status = fields.String(load_default="pending",
                           validate=validate.OneOf(["pending", "accepted", "rejected"]))


class DecideSchema(StrictSchema):
    accept = fields.Boolean(required=True)
    note = fields.String(load_default=None, validate=TEXT)


class HouseholdListArgs(PageArgs):
    region_code = fields.String(load_default=None, validate=REGION_CODE)
    cleared = fields.Boolean(load_default=None)


class HouseholdSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    region_code = fields.String()
    identified_on = fields.Date()
    services_given = fields.Integer()
    offers_given = fields.Integer()
    rule_met = fields.Boolean(metadata={"description": "the region's services × offers rule"})
    refusals = fields.Integer()
    may_count_as_no_wish = fields.Boolean(metadata={
        "description": "refusals reached the region's number: may count as no wish to work"})
    days_on_list = fields.Integer()
    cleared_on = fields.Date(allow_none=True)
    cleared_way = fields.String(allow_none=True)


class HouseholdPageSchema(Schema):
    region_code = fields.String()
    open = fields.Integer()
    cleared = fields.Integer()
    average_days_to_clear = fields.Float(allow_none=True)
    items = fields.List(fields.Nested(HouseholdSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ServiceSchema(StrictSchema):
    offers = fields.Integer(required=True, validate=validate.Range(0, 20))
    refusals = fields.Integer(load_default=0, validate=validate.Range(0, 20),
                              metadata={"description": "offers refused for personal reasons"})
    note = fields.String(load_default=None, validate=TEXT)


class DigestSchema(Schema):
    day = fields.Date()
    counts = fields.Dict()
    push_status = fields.String(allow_none=True, metadata={
        "description": "the outbox status of today's message (queued, sent, ...); null when "
                       "no WeChat is linked for digests"})
    push_channel = fields.String(allow_none=True, metadata={"description": "wechat | sms"})


class DigestLinkCodeSchema(Schema):
    code = fields.String(metadata={
        "description": "typed into the mini-program once, within its validity"})
    expires_at = fields.Function(lambda r: to_display(r["expires_at"]))


class DigestLinkSchema(Schema):
    linked = fields.Boolean()
    linked_at = fields.Function(lambda r: to_display(r["linked_at"]), allow_none=True)
    sms_fallback = fields.Boolean(metadata={
        "description": "the linked WeChat has a phone bound: SMS when no subscription is left"})


class StaffLinkSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]{1,32}$"))


class TrackingSettingsSchema(StrictSchema):
    adaptation_months = fields.Integer(validate=validate.Range(1, 12))
    stability_months = fields.Integer(validate=validate.Range(2, 24))
    expiry_days = fields.Integer(validate=validate.Range(7, 180))
    response_days = fields.Integer(validate=validate.Range(1, 10))
    services_required = fields.Integer(validate=validate.Range(1, 10))
    offers_per_service = fields.Integer(validate=validate.Range(1, 10))
    refusals_as_no_wish = fields.Integer(validate=validate.Range(1, 10))


class TrackingSettingsOutSchema(Schema):
    adaptation_months = fields.Integer()
    stability_months = fields.Integer()
    expiry_days = fields.Integer()
    response_days = fields.Integer()
    services_required = fields.Integer()
    offers_per_service = fields.Integer()
    refusals_as_no_wish = fields.Integer()
    region_code = fields.String(allow_none=True)


class MyCaseSchema(Schema):
    """What the person sees of their own case."""
    id = fields.Integer()
    staff_name = fields.String(allow_none=True)
    station = fields.Nested(CaseStationSchema, allow_none=True)
    needs = fields.List(fields.Dict())
    open_requests = fields.List(fields.Nested(TrackingTaskSchema))
    next_follow_up = fields.Nested(FollowUpOutSchema, allow_none=True)
