"""Request and response schemas of the push area."""
import re

from marshmallow import Schema, ValidationError, fields, validates

from app.core.clock import to_display
from app.core.schemas import StrictSchema

from .services import SUBSCRIBE_CHOICES

TEMPLATE_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MAX_TEMPLATES_PER_CALL = 3  # wx.requestSubscribeMessage asks for at most 3 at a time


def _display(attr):
    return fields.Function(lambda obj: to_display(
        obj.get(attr) if isinstance(obj, dict) else getattr(obj, attr)), allow_none=True)


class SubscriptionReportSchema(StrictSchema):
    """The success result of wx.requestSubscribeMessage, as the mini-program received it:
    `{"result": {"errMsg": "requestSubscribeMessage:ok", "<template id>": "accept"}}`."""
    result = fields.Dict(keys=fields.String(), values=fields.String(), required=True)

    @validates("result")
    def check_result(self, value, **_):
        choices = {k: v for k, v in value.items() if k != "errMsg"}
        if not choices:
            raise ValidationError("no template choice in the result")
        if len(choices) > MAX_TEMPLATES_PER_CALL:
            raise ValidationError(f"at most {MAX_TEMPLATES_PER_CALL} templates per call")
        for template_id, choice in choices.items():
            if not TEMPLATE_ID_RE.match(template_id):
                raise ValidationError(f"malformed template id {template_id[:64]!r}")
            if choice not in SUBSCRIBE_CHOICES:
                raise ValidationError(f"choice must be one of {', '.join(SUBSCRIBE_CHOICES)}")
        if len(value.get("errMsg", "")) > 256:
            raise ValidationError("errMsg too long")


class SubscriptionSchema(Schema):
    template_id = fields.String()
    kinds = fields.List(fields.String())
    titles = fields.List(fields.String())
    quota = fields.Integer(metadata={"description": "messages that may still be sent"})
    last_result = fields.String(allow_none=True)
    updated_at = _display("updated_at")


class AttemptSchema(Schema):
    attempt_no = fields.Integer()
    channel = fields.String()
    result = fields.String()
    errcode = fields.String(allow_none=True)
    errmsg = fields.String(allow_none=True)
    started_at = _display("started_at")
    finished_at = _display("finished_at")


class MessageSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"description": "queued, sending, sent, failed, unknown, expired"})
    channel = fields.String(metadata={"description": "wechat, or sms after a fallback"})
    fallback_reason = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    attempt_count = fields.Integer()
    created_at = _display("created_at")
    next_attempt_at = fields.Function(
        lambda m: to_display(m.next_attempt_at) if m.status == "queued" else None,
        allow_none=True, metadata={"description": "when a queued message is tried next"})
    sent_at = _display("sent_at")
    attempts = fields.List(fields.Nested(AttemptSchema))
