"""Request and response schemas of the jobs area (they also generate the OpenAPI)."""
from flask_babel import gettext
from marshmallow import Schema, fields, validate

from app.core.clock import to_display
from app.core.masking import mask_name, mask_phone
from app.core.schemas import BigId, StrictSchema

from .lifecycle import DECLINE_REASONS, STATUS_LABELS, RecStatus
from .occupations import OCCUPATIONS
from .rules import (DISABILITY_LABELS, EDUCATION_RANK, EmployerKind, HOURS_LABELS, HoursKind,
                    PhysicalDemand, VacancyStatus)

REGION = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")
PHONE = validate.Regexp(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
SKILL = fields.String(validate=validate.Length(1, 32))
EDUCATION = validate.OneOf(list(EDUCATION_RANK))
DISABILITY = validate.OneOf(list(DISABILITY_LABELS))


def _choices(enum):
    return validate.OneOf([member.value for member in enum])


def _unique(values):
    return len(set(values)) == len(values)


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class OccupationSchema(Schema):
    code = fields.String()
    name = fields.String()
    major_group = fields.Integer()


# --- employers -------------------------------------------------------------------------

class EmployerCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(2, 128))
    credit_code = fields.String(required=True, validate=validate.Length(1, 32),
                                metadata={"example": "91150102MA0N000009"})
    kind = fields.String(required=True, validate=_choices(EmployerKind))
    region_code = fields.String(required=True, validate=REGION)
    address = fields.String(required=True, validate=validate.Length(2, 255))
    contact_name = fields.String(load_default=None, validate=validate.Length(1, 64))
    contact_phone = fields.String(load_default=None, validate=PHONE)


class EmployerUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(2, 128))
    kind = fields.String(validate=_choices(EmployerKind))
    address = fields.String(validate=validate.Length(2, 255))
    contact_name = fields.String(allow_none=True, validate=validate.Length(1, 64))
    contact_phone = fields.String(allow_none=True, validate=PHONE)


class EmployerListArgs(PageArgs):
    region_code = fields.String(load_default=None, validate=REGION)
    name = fields.String(load_default=None, validate=validate.Length(1, 64))


class EmployerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    credit_code = fields.String()
    kind = fields.String()
    kind_label = fields.Function(lambda e: gettext(e.kind_label))
    region_code = fields.String()
    address = fields.String()
    contact_name = fields.Function(lambda e: mask_name(e.contact_name), allow_none=True)
    contact_phone = fields.Function(lambda e: mask_phone(e.contact_phone), allow_none=True)
    created_at = fields.Function(lambda e: to_display(e.created_at))


class EmployerContactSchema(Schema):
    id = fields.Integer()
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)


class EmployerPageSchema(Schema):
    items = fields.List(fields.Nested(EmployerSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


# --- vacancies -------------------------------------------------------------------------

# Every editable field of a vacancy: (field class, options). Creation requires the core ones;
# an update takes any subset. The status is never client-writable (close/reopen/hires do it).
VACANCY_FIELD_SPECS = {
    "title": (fields.String, {"validate": validate.Length(2, 128)}),
    "occupation_code": (fields.String, {"validate": validate.Length(1, 32)}),
    "description": (fields.String, {"allow_none": True, "validate": validate.Length(max=4000)}),
    "region_code": (fields.String, {"validate": REGION}),
    "address": (fields.String, {"validate": validate.Length(2, 255)}),
    "lat": (fields.Float, {"allow_none": True, "validate": validate.Range(-90, 90)}),
    "lng": (fields.Float, {"allow_none": True, "validate": validate.Range(-180, 180)}),
    "salary_min": (fields.Integer, {"validate": validate.Range(0, 1_000_000)}),
    "salary_max": (fields.Integer, {"validate": validate.Range(0, 1_000_000)}),
    "hours_kind": (fields.String, {"validate": _choices(HoursKind)}),
    "hours_per_week": (fields.Integer, {"allow_none": True, "validate": validate.Range(1, 84)}),
    "headcount": (fields.Integer, {"validate": validate.Range(1, 10_000)}),
    "min_age": (fields.Integer, {"allow_none": True, "validate": validate.Range(0, 150)}),
    "max_age": (fields.Integer, {"allow_none": True, "validate": validate.Range(0, 150)}),
    "education_min": (fields.String, {"allow_none": True, "validate": EDUCATION}),
    "required_skills": (lambda **kw: fields.List(SKILL, **kw),
                        {"validate": validate.Length(max=10)}),
    "physical_demand": (fields.String, {"validate": _choices(PhysicalDemand)}),
    "suitable_for": (lambda **kw: fields.List(fields.String(validate=DISABILITY), **kw),
                     {"validate": validate.Length(max=7)}),
    "caring_job": (fields.Boolean, {}),
    "public_welfare_post": (fields.Boolean, {}),
    "opens_on": (fields.Date, {}),
    "closes_on": (fields.Date, {"allow_none": True}),
}
REQUIRED_ON_CREATE = {"title", "occupation_code", "region_code", "address", "salary_min",
                      "salary_max", "hours_kind", "headcount", "physical_demand", "opens_on"}


def _vacancy_fields(create):
    return {name: make(required=create and name in REQUIRED_ON_CREATE, **options)
            for name, (make, options) in VACANCY_FIELD_SPECS.items()}


VacancyCreateSchema = type("VacancyCreateSchema", (StrictSchema,), {
    **_vacancy_fields(create=True), "employer_id": BigId(required=True),
    "__doc__": "A new vacancy, posted on an employer's behalf."})
VacancyUpdateSchema = type("VacancyUpdateSchema", (StrictSchema,), {
    **_vacancy_fields(create=False), "__doc__": "Any subset of a vacancy's editable fields."})


class HiresSchema(StrictSchema):
    count = fields.Integer(required=True, validate=validate.Range(1, 10_000))


class VacancyListArgs(PageArgs):
    region_code = fields.String(load_default=None, validate=REGION)
    status = fields.String(load_default=None, validate=_choices(VacancyStatus))
    occupation_code = fields.String(load_default=None, validate=validate.OneOf(list(OCCUPATIONS)))
    caring_job = fields.Boolean(load_default=None)
    public_welfare_post = fields.Boolean(load_default=None)
    employer_id = BigId(load_default=None)


class EmployerRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class VacancySchema(Schema):
    id = fields.Integer()
    employer = fields.Nested(EmployerRefSchema)
    title = fields.String()
    occupation_code = fields.String()
    occupation_name = fields.String()
    description = fields.String(allow_none=True)
    region_code = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    salary_min = fields.Integer()
    salary_max = fields.Integer()
    hours_kind = fields.String()
    hours_label = fields.Function(lambda v: gettext(HOURS_LABELS[HoursKind(v.hours_kind)]))
    hours_per_week = fields.Integer(allow_none=True)
    headcount = fields.Integer()
    filled_count = fields.Integer()
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    education_min = fields.String(allow_none=True)
    required_skills = fields.List(fields.String())
    physical_demand = fields.String()
    suitable_for = fields.List(fields.String())
    caring_job = fields.Boolean()
    public_welfare_post = fields.Boolean()
    opens_on = fields.Date()
    closes_on = fields.Date(allow_none=True)
    status = fields.String()
    created_at = fields.Function(lambda v: to_display(v.created_at))
    updated_at = fields.Function(lambda v: to_display(v.updated_at))


class VacancyPageSchema(Schema):
    items = fields.List(fields.Nested(VacancySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class FillRateLineSchema(Schema):
    region_code = fields.String()
    name = fields.String()
    vacancies = fields.Integer()
    open_vacancies = fields.Integer()
    headcount = fields.Integer()
    filled = fields.Integer()
    fill_rate = fields.Float(allow_none=True)


class FillRateSchema(FillRateLineSchema):
    children = fields.List(fields.Nested(FillRateLineSchema))


class FillRateArgs(StrictSchema):
    region_code = fields.String(load_default=None, validate=REGION)


# --- matching --------------------------------------------------------------------------

class MatchFactsSchema(StrictSchema):
    """The subset of person facts (notes/FACTS.md) matching reads; unknown stays null."""
    age = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 120))
    gender = fields.String(allow_none=True, load_default=None,
                           validate=validate.OneOf(["male", "female"]))
    education = fields.String(allow_none=True, load_default=None, validate=EDUCATION)
    skills = fields.List(SKILL, load_default=list, validate=validate.Length(max=20))
    trades_trained = fields.List(SKILL, load_default=list, validate=validate.Length(max=20))
    skill_certificates = fields.List(SKILL, load_default=list, validate=validate.Length(max=20))
    disability_certificate = fields.Boolean(allow_none=True, load_default=None)
    disability_type = fields.String(allow_none=True, load_default=None, validate=DISABILITY)
    disability_level = fields.Integer(allow_none=True, load_default=None,
                                      validate=validate.Range(1, 4))
    dibao = fields.Boolean(allow_none=True, load_default=None)
    certified = fields.Boolean(allow_none=True, load_default=None)
    categories = fields.List(fields.String(validate=validate.OneOf(
        ["older", "disabled", "zero_employment_household", "land_lost", "long_term_unemployed",
         "graduate"])), load_default=list, validate=_unique)


class HomeSchema(StrictSchema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))


class MatchPreferencesSchema(StrictSchema):
    occupations = fields.List(fields.String(validate=validate.OneOf(list(OCCUPATIONS))),
                              load_default=list, validate=validate.Length(max=10))
    hours = fields.List(fields.String(validate=_choices(HoursKind)), load_default=list)
    min_salary = fields.Integer(allow_none=True, load_default=None,
                                validate=validate.Range(0, 1_000_000))
    max_travel_km = fields.Float(allow_none=True, load_default=None,
                                 validate=validate.Range(0.1, 200))
    home = fields.Nested(HomeSchema, allow_none=True, load_default=None)
    region_reach = fields.String(load_default="county",
                                 validate=validate.OneOf(["county", "league"]))


class MatchRequestSchema(StrictSchema):
    region_code = fields.String(required=True, validate=REGION,
                                metadata={"description": "the person's residence"})
    facts = fields.Nested(MatchFactsSchema, load_default=dict)
    preferences = fields.Nested(MatchPreferencesSchema, load_default=dict)
    declined_vacancy_ids = fields.List(BigId(), load_default=list,
                                       validate=validate.Length(max=500))
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))


class MatchSchema(Schema):
    rank = fields.Integer()
    score = fields.Integer()
    caring_first = fields.Boolean()
    distance_km = fields.Float(allow_none=True)
    reasons = fields.List(fields.String())
    cautions = fields.List(fields.String())
    vacancy = fields.Nested(VacancySchema)


class MatchResultSchema(Schema):
    today = fields.Date()
    considered = fields.Integer()
    matches = fields.List(fields.Nested(MatchSchema))


# --- per-person matching, preferences ----------------------------------------------------

class PreferencesSchema(StrictSchema):
    """A person's job wishes (wanted occupations, hours, minimum salary, travel, home)."""
    occupations = fields.List(fields.String(validate=validate.OneOf(list(OCCUPATIONS))),
                              load_default=list, validate=[validate.Length(max=10), _unique])
    hours = fields.List(fields.String(validate=_choices(HoursKind)), load_default=list,
                        validate=_unique)
    min_salary = fields.Integer(allow_none=True, load_default=None,
                                validate=validate.Range(0, 1_000_000))
    max_travel_km = fields.Float(allow_none=True, load_default=None,
                                 validate=validate.Range(0.1, 200))
    home = fields.Nested(HomeSchema, allow_none=True, load_default=None)
    region_reach = fields.String(load_default="county",
                                 validate=validate.OneOf(["county", "league"]))


class PreferencesOutSchema(Schema):
    occupations = fields.List(fields.String())
    hours = fields.List(fields.String())
    min_salary = fields.Integer(allow_none=True)
    max_travel_km = fields.Float(allow_none=True)
    home = fields.Nested(HomeSchema, allow_none=True)
    region_reach = fields.String()


class LimitArgs(StrictSchema):
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))


# --- recommendations -------------------------------------------------------------------

def _status_label(rec):
    return gettext(STATUS_LABELS[RecStatus(rec.status)])


def _reason_label(rec):
    return gettext(DECLINE_REASONS[rec.decline_reason][0]) if rec.decline_reason else None


class RecommendationCreateSchema(StrictSchema):
    person_id = fields.Integer(required=True, validate=validate.Range(1, 2**63 - 1))
    vacancy_id = fields.Integer(required=True, validate=validate.Range(1, 2**63 - 1))


class DeclineSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.OneOf(list(DECLINE_REASONS)))


class RecommendationSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    region_code = fields.String()
    status = fields.String()
    status_label = fields.Function(_status_label)
    suitable = fields.Boolean()
    score = fields.Integer(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    decline_reason_label = fields.Function(_reason_label, allow_none=True)
    recommended_by = fields.Function(lambda r: "system" if r.recommended_by.startswith(
        "system") else "staff")
    created_at = fields.Function(lambda r: to_display(r.created_at))
    viewed_at = fields.Function(lambda r: to_display(r.viewed_at), allow_none=True)
    applied_at = fields.Function(lambda r: to_display(r.applied_at), allow_none=True)
    interviewed_at = fields.Function(lambda r: to_display(r.interviewed_at), allow_none=True)
    decided_at = fields.Function(lambda r: to_display(r.decided_at), allow_none=True)
    vacancy = fields.Nested(VacancySchema)


class RecommendationPageSchema(Schema):
    items = fields.List(fields.Nested(RecommendationSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class RecommendationListArgs(PageArgs):
    region_code = fields.String(load_default=None, validate=REGION)
    status = fields.String(load_default=None, validate=_choices(RecStatus))
    person_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**63 - 1))


class RegionArgs(StrictSchema):
    region_code = fields.String(load_default=None, validate=REGION)


class OutcomeLineSchema(Schema):
    region_code = fields.String()
    name = fields.String()
    total = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    hire_rate = fields.Float(allow_none=True)


class OutcomeSchema(OutcomeLineSchema):
    children = fields.List(fields.Nested(OutcomeLineSchema))


class FlaggedPersonSchema(Schema):
    person_id = fields.Integer()
    name = fields.Function(lambda row: mask_name(row["name"]), allow_none=True)
    region_code = fields.String()
    declines = fields.Integer()
    last_declined_at = fields.Function(lambda row: to_display(row["last_declined_at"]),
                                       allow_none=True)


# --- recruitment events ----------------------------------------------------------------

CATEGORIES = ["older", "disabled", "zero_employment_household", "land_lost",
              "long_term_unemployed", "graduate"]


class RecruitmentEventCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(2, 128))
    starts_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(2, 255))
    organizer = fields.String(required=True, validate=validate.Length(2, 128))
    region_code = fields.String(required=True, validate=REGION)
    target_categories = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)),
                                    load_default=list, validate=_unique)
    vacancy_ids = fields.List(fields.Integer(validate=validate.Range(1, 2**63 - 1)),
                              load_default=list, validate=validate.Length(max=200))


class RecruitmentEventSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    starts_at = fields.Function(lambda e: to_display(e.starts_at))
    place = fields.String()
    organizer = fields.String()
    region_code = fields.String()
    target_categories = fields.List(fields.String())
    invited_count = fields.Integer()
    vacancies = fields.List(fields.Nested(VacancySchema))
    created_at = fields.Function(lambda e: to_display(e.created_at))


class InvitationResultSchema(Schema):
    audience = fields.Integer()
    queued = fields.Integer()
    event = fields.Nested(RecruitmentEventSchema)
