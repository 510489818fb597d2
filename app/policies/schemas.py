"""Request and response schemas of the policies area (they also generate the OpenAPI)."""
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.clock import local_today, to_display
from app.core.idnumber import age_on
from app.core.masking import mask_name
from app.core.schemas import PageArgs, RendersText, StrictSchema, Translated
from app.rules.vocabulary import FACTS


REGION_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")
MAX_SOURCE_CHARS = 400_000


class StrictBoolean(fields.Boolean):
    """JSON true/false only: not 1, "yes" or "true" (1 == True would pass a truthy set)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _fact_field(name, spec):
    """A strict field for one fact of the FACTS.md contract: no "yes" for true, no "5" for 5."""
    kwargs = {"allow_none": True, "load_default": None}
    if spec.type == "int":
        low = int(spec.low) if spec.low is not None else None
        high = int(spec.high) if spec.high is not None else None
        if name == "retirement_base_age":
            return fields.Integer(strict=True, validate=validate.OneOf([50, 55, 60]), **kwargs)
        return fields.Integer(strict=True, validate=validate.Range(low, high), **kwargs)
    if spec.type == "number":
        return fields.Float(allow_nan=False, validate=validate.Range(spec.low, spec.high), **kwargs)
    if spec.type == "bool":
        return StrictBoolean(**kwargs)
    if spec.type == "date":
        return fields.Date(**kwargs)
    if spec.type == "enum":
        return fields.String(validate=validate.OneOf(list(spec.values)), **kwargs)
    if spec.type == "str":
        return fields.String(validate=REGION_CODE, **kwargs)
    member = fields.String(validate=validate.OneOf(list(spec.values)) if spec.values
                           else validate.Length(1, 64))
    return fields.List(member, validate=validate.Length(max=50), **kwargs)


class BenefitInputSchema(StrictSchema):
    policy = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{2,63}$"))
    start = fields.Date(required=True)
    end = fields.Date(allow_none=True, load_default=None)


EvaluationFactsSchema = StrictSchema.from_dict(
    {**{name: _fact_field(name, spec) for name, spec in FACTS.items()
        if not spec.derived and name != "today"},
     "today": fields.Date(load_default=None),
     "benefits": fields.List(fields.Nested(BenefitInputSchema), validate=validate.Length(max=50),
                             load_default=list)},
    name="EvaluationFactsSchema")


class EvaluateSchema(StrictSchema):
    facts = fields.Nested(EvaluationFactsSchema, required=True)


class PublishSchema(StrictSchema):
    """Either `document` (the rule document as a JSON object) or `source` (its YAML or
    JSON text, so that errors can name lines)."""
    document = fields.Dict()
    source = fields.String(validate=validate.Length(1, MAX_SOURCE_CHARS))

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        if ("document" in data) == ("source" in data):
            raise ValidationError(gettext("请提供 document 或 source 其中之一"), "_schema")


class CatalogQuerySchema(StrictSchema):
    region_code = fields.String(validate=REGION_CODE, load_default=None)
    on = fields.Date(load_default=None)


# ---------------------------------------------------------------- responses


class LabelSchema(Schema):
    code = fields.String()
    label = fields.String()


class AmountSchema(Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)
    unit = fields.String()
    display = Translated()
    basis = fields.String()
    basis_label = fields.String()
    note = fields.String()
    region = fields.String(allow_none=True)


class DurationSchema(Schema):
    text = fields.String()
    months = fields.Integer(allow_none=True)
    clock = fields.String(allow_none=True)


class StationRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind_label = fields.String()
    region_code = fields.String()
    address = fields.String()
    opening_hours = fields.String()
    phone = fields.String()


class PlaceSchema(Schema):
    place = fields.String()
    label = fields.String()
    stations = fields.List(fields.Nested(StationRefSchema))


class ClaimStepSchema(Schema):
    number = fields.Integer()
    title = fields.String()
    materials = fields.List(fields.String())
    where = fields.List(fields.Nested(PlaceSchema))
    channel = fields.String()
    channel_label = fields.String()
    time_limit = fields.String()


class PolicySummarySchema(Schema):
    code = fields.String()
    name = fields.String()
    summary = fields.String()
    who = fields.String()
    beneficiary = fields.String()
    beneficiary_label = fields.String()
    notice_ref = fields.String()
    department = fields.Nested(LabelSchema)
    partners = fields.List(fields.Nested(LabelSchema))
    gives = Translated()
    amounts = fields.List(fields.Nested(AmountSchema))
    duration = fields.Nested(DurationSchema)


class PolicyDetailSchema(PolicySummarySchema, RendersText):
    catalog_version = fields.String()
    steps = fields.List(fields.Nested(ClaimStepSchema))


class CatalogSchema(RendersText):
    version = fields.String()
    title = fields.String()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    policies = fields.List(fields.Nested(PolicySummarySchema))


class VersionSchema(Schema):
    id = fields.Integer()
    version = fields.String()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    checksum = fields.String()
    published_by = fields.String()
    published_at = fields.Function(lambda row: to_display(row.published_at),
                                   metadata={"description": "Beijing time, ISO 8601"})


class ItemSchema(Schema):
    text = Translated()
    facts = fields.List(fields.String())


class ClockSchema(Schema):
    policy = fields.String()
    start = fields.Date()
    end = fields.Date(allow_none=True)
    recorded_end = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    months_used = fields.Integer()
    active = fields.Boolean()
    over_cap = fields.Boolean()
    rule = fields.String(metadata={"description": "cap | extend_to_retirement | fixed | open | "
                                                  "undetermined"})
    pool = fields.String(allow_none=True)
    cap_months = fields.Integer(allow_none=True)
    pool_months_used = fields.Integer(allow_none=True)
    first_approved_on = fields.Date(allow_none=True)
    retirement_date = fields.Date(allow_none=True)
    remaining_months = fields.Integer(allow_none=True)
    missing = fields.List(fields.String())


class ResultSchema(Schema):
    """One policy evaluated for one person; its texts are rendered in the caller's language."""
    policy = fields.String()
    name = Translated()
    beneficiary = fields.String()
    catalog_version = fields.String()
    status = fields.String(metadata={"description": "eligible | not_eligible | "
                                                    "would_be_eligible_if"})
    reasons = fields.List(fields.Nested(ItemSchema))
    failing = fields.List(fields.Nested(ItemSchema))
    missing = fields.List(fields.Nested(ItemSchema))
    gives = Translated()
    enjoying = fields.Boolean()
    clocks = fields.List(fields.Nested(ClockSchema))


class EvaluationSchema(RendersText):
    catalog_version = fields.String()
    evaluated_on = fields.Date()
    results = fields.List(fields.Nested(ResultSchema))
    expiring = fields.List(fields.Nested(ClockSchema))


# ---------------------------------------------------------------- benefits and the person's view

BENEFIT_SOURCES = ("station", "import")
END_REASONS = ("expired", "employed", "certification_exit", "moved", "recorded_in_error",
               "other")


class BenefitCreateSchema(StrictSchema):
    policy = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{2,63}$"))
    start = fields.Date(required=True)
    end = fields.Date(allow_none=True, load_default=None)
    source = fields.String(load_default="station", validate=validate.OneOf(BENEFIT_SOURCES))


class BenefitEndSchema(StrictSchema):
    end = fields.Date(required=True, metadata={"description": "the last day it runs"})
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))


class BenefitSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    policy = fields.String()
    start = fields.Date(attribute="starts_on")
    end = fields.Date(attribute="ends_on", allow_none=True)
    due_on = fields.Date(allow_none=True, metadata={
        "description": "when it runs out: the recorded end, else the planned end of its clock"})
    region_code = fields.String()
    source = fields.String()
    catalog_version = fields.String()
    approved_by = fields.String(metadata={"description": "staff:<id> or system:<how>"})
    ended_by = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)


class ExpiringArgs(PageArgs):
    days = fields.Integer(load_default=60, validate=validate.Range(1, 366))


class PersonRefSchema(Schema):
    id = fields.Integer()
    name = fields.Function(lambda p: mask_name(p.name))
    gender = fields.String()
    age = fields.Function(lambda p: age_on(p.birth_date, local_today()))
    residence_region_code = fields.String()


class ExpiringItemSchema(Schema):
    benefit = fields.Nested(BenefitSchema)
    person = fields.Nested(PersonRefSchema)
    policy_name = Translated()
    days_left = fields.Integer()


class ExpiringPageSchema(RendersText):
    items = fields.List(fields.Nested(ExpiringItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    days = fields.Integer()
    as_of = fields.Date()


class PersonResultSchema(ResultSchema):
    department = fields.Nested(LabelSchema)
    steps = fields.List(fields.Nested(ClaimStepSchema))


class PersonSnapshotSchema(Schema):
    """A person already masked by the service (app.policies.benefits)."""
    id = fields.Integer()
    name = fields.String()
    gender = fields.String()
    age = fields.Integer()
    residence_region_code = fields.String()


class PersonPoliciesSchema(RendersText):
    person = fields.Nested(PersonSnapshotSchema)
    catalog_version = fields.String()
    evaluated_on = fields.Date()
    retirement_base_age = fields.Integer(allow_none=True)
    results = fields.List(fields.Nested(PersonResultSchema))
    benefits = fields.List(fields.Nested(BenefitSchema))
    expiring = fields.List(fields.Nested(ClockSchema))
