"""Request and response shapes of the personal-code views."""
from flask_babel import gettext
from marshmallow import Schema, fields, validate

from app.certification.schemas import ApplicationStepSchema
from app.core.schemas import RendersText, StrictSchema, Translated
from app.jobs.schemas import VacancySchema
from app.policies.schemas import ClockSchema, ItemSchema, StationRefSchema
from app.policies.vocabulary import BENEFICIARIES
from app.tracking.schemas import MyCaseSchema

from .services import PURPOSES


class DeviceQuerySchema(StrictSchema):
    device_id = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z2-7]{16}$"))


class DynamicCodeSchema(Schema):
    content = fields.String(metadata={"description": "D1.<device>.<step>.<mac>: render as QR"})
    device_id = fields.String()
    expires_at = fields.Integer(metadata={"description": "unix time from which it is refused"})
    refresh_at = fields.Integer(metadata={"description": "unix time of the next code"})
    server_time = fields.Integer()
    step_seconds = fields.Integer()
    printed_version = fields.Integer()


class DeviceSchema(Schema):
    device_id = fields.String()
    secret = fields.String(metadata={"description": "base32; shown ONCE, keep it in the "
                                                    "mini-program's secure storage"})
    algorithm = fields.String()
    format = fields.String()
    mac_chars = fields.Integer()
    step_seconds = fields.Integer()
    server_time = fields.Integer()
    step = fields.Integer()


class RotateSchema(StrictSchema):
    version = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1), metadata={
        "description": "the printed version being replaced; 409 code.state_changed if it is "
                       "no longer the current one"})


class RotatedSchema(Schema):
    person_id = fields.Integer()
    status = fields.String()
    printed_version = fields.Integer()


class ResolveSchema(StrictSchema):
    content = fields.String(required=True, validate=validate.Length(1, 512))
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))


class CertificationBriefSchema(Schema):
    id = fields.Integer()
    region_code = fields.String()
    categories = fields.List(fields.String())
    status = fields.String()
    starts_on = fields.Date()
    next_recheck_on = fields.Date()
    exited_on = fields.Date(allow_none=True)


class ReasonList(fields.List):
    """app.jobs.matching.Reason values, written in the caller's language."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else [r.render(gettext) for r in value]


class PolicyResultSchema(Schema):
    policy = fields.String()
    name = Translated()
    beneficiary = fields.String(metadata={"description": "who claims it: person | employer"})
    beneficiary_label = fields.Function(lambda r: gettext(BENEFICIARIES[r["beneficiary"]]))
    status = fields.String(metadata={"description": "eligible | not_eligible | "
                                                    "would_be_eligible_if"})
    reasons = fields.List(fields.Nested(ItemSchema))
    missing = fields.List(fields.Nested(ItemSchema))
    gives = Translated()
    enjoying = fields.Boolean()
    clocks = fields.List(fields.Nested(ClockSchema))


class ServicePlaceSchema(Schema):
    place = fields.String()
    label = Translated()
    stations = fields.List(fields.Nested(StationRefSchema))


class ServiceStepSchema(Schema):
    number = fields.Integer()
    title = fields.String()
    materials = fields.List(fields.String())
    where = fields.List(fields.Nested(ServicePlaceSchema))
    channel = fields.String()
    channel_label = Translated()
    time_limit = fields.String()


class EligiblePolicySchema(PolicyResultSchema):
    steps = fields.List(fields.Nested(ServiceStepSchema))


class JobMatchSchema(Schema):
    rank = fields.Integer()
    score = fields.Integer()
    caring_first = fields.Boolean()
    distance_km = fields.Float(allow_none=True)
    reasons = ReasonList()
    cautions = ReasonList()
    vacancy = fields.Nested(VacancySchema)


class ApplicationStateSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    submitted_at = fields.DateTime()
    current_step = fields.Nested(ApplicationStepSchema, allow_none=True)


class ClaimBriefSchema(Schema):
    id = fields.Integer()
    policy = fields.String()
    status = fields.String()
    current_step = fields.String(allow_none=True)
    step_due_on = fields.Date(allow_none=True)
    periods = fields.Integer()
    amount_fen = fields.Integer()
    paid_fen = fields.Integer()


class OverviewSchema(RendersText):
    today = fields.Date()
    state = fields.String(metadata={"description": "no_profile | not_applied | applying | "
                                                   "certified | exited"})
    application = fields.Nested(ApplicationStateSchema, allow_none=True)
    certification = fields.Nested(CertificationBriefSchema, allow_none=True)
    next_steps = fields.List(Translated())
    catalog_version = fields.String(allow_none=True)
    eligible = fields.List(fields.Nested(EligiblePolicySchema))
    would_be_eligible_if = fields.List(fields.Nested(PolicyResultSchema))
    benefits = fields.List(fields.Nested(ClockSchema))
    jobs = fields.List(fields.Nested(JobMatchSchema))
    case = fields.Nested(MyCaseSchema, allow_none=True, metadata={
        "description": "the help case: responsible staff member, station phone, open help "
                       "requests, next follow-up"})
    claims = fields.List(fields.Nested(ClaimBriefSchema),
                         metadata={"description": "subsidy claims in review or not yet fully paid"})


class ContactsSchema(Schema):
    phone = fields.String(allow_none=True, metadata={"description": "masked"})


class TaskSchema(Schema):
    kind = fields.String()
    id = fields.Integer(allow_none=True)
    status = fields.String()


class ProfileSchema(RendersText):
    person_id = fields.Integer()
    name = fields.String(metadata={"description": "masked"})
    id_number = fields.String(metadata={"description": "masked"})
    gender = fields.String()
    birth_year = fields.Integer()
    residence_region_code = fields.String()
    residence_region_name = fields.String()
    contacts = fields.Nested(ContactsSchema)
    employment_status = fields.String(allow_none=True)
    education = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    wants = fields.List(fields.String())
    categories = fields.List(fields.String())
    certification = fields.Nested(CertificationBriefSchema)
    case = fields.Nested(MyCaseSchema, allow_none=True)
    recommendations = fields.List(fields.Nested(PolicyResultSchema))
    open_tasks = fields.List(fields.Nested(TaskSchema))


class ReferralSchema(Schema):
    message = Translated()
    stations = fields.List(fields.Nested(StationRefSchema))


class ResolvedSchema(RendersText):
    view = fields.String(metadata={"description": "profile (in scope) | referral"})
    form = fields.String(metadata={"description": "dynamic | printed"})
    purpose = fields.String()
    profile = fields.Nested(ProfileSchema)
    referral = fields.Nested(ReferralSchema)
