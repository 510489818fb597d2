"""Request and response schemas of campaigns."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.core.clock import to_display
from app.core.schemas import PageArgs, RendersText, StrictSchema, Translated

from .models import CampaignStatus, PersonStatus
from .services import CATEGORIES, WANTS

REGION_CODE = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3}){0,2}$"))


def _display(attr):
    return fields.Function(lambda obj: to_display(getattr(obj, attr)), allow_none=True,
                           metadata={"type": "string", "format": "date-time"})


class CampaignCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 64))
    kind = fields.String(required=True, validate=validate.Length(1, 40))
    values = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)),
                         values=fields.String(validate=validate.Length(0, 200)),
                         required=True)
    region_code = REGION_CODE
    person_status = fields.String(load_default=PersonStatus.CERTIFIED.value,
                                  validate=validate.OneOf([s.value for s in PersonStatus]))
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(CATEGORIES))
    wants = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(WANTS))
    not_before = fields.AwareDateTime(required=True)
    not_after = fields.AwareDateTime(required=True)
    holiday = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["new_year", "spring_festival",
                                                     "helping_disabled_day"]))

    @validates("values")
    def check_values(self, value, **_):
        if len(value) > 10:
            raise ValidationError("at most 10 values")


class CountsSchema(Schema):
    queued = fields.Integer()
    sent = fields.Integer()
    sms_fallback = fields.Integer(metadata={"description": "sent by SMS instead of WeChat"})
    no_quota = fields.Integer(metadata={"description": "had no WeChat subscription left"})
    failed = fields.Integer()
    unknown = fields.Integer()
    expired = fields.Integer()
    total = fields.Integer()


class CampaignSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.String())
    region_code = fields.String()
    person_status = fields.String()
    category = fields.String(allow_none=True)
    wants = fields.String(allow_none=True)
    holiday = fields.String(allow_none=True)
    not_before = _display("not_before")
    not_after = _display("not_after")
    status = fields.String(metadata={"enum": [s.value for s in CampaignStatus]})
    matched_at_creation = fields.Integer()
    enqueued = fields.Integer()
    counts = fields.Nested(CountsSchema)
    created_at = _display("created_at")
    expanded_at = _display("expanded_at")


class CampaignPageSchema(Schema):
    items = fields.List(fields.Nested(CampaignSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class CampaignListArgs(PageArgs):
    pass


class HolidayArgs(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(1901, 2099))


class HolidaySchema(RendersText):
    code = fields.String()
    name = Translated()
    on = fields.Date()
    calendar = fields.String(metadata={"description": "solar | lunar | weekday"})
