"""Shared schema pieces: the error shape (documented in OpenAPI) and strict input bases."""
from marshmallow import RAISE, Schema, fields, validate

from .i18n import N_


class StrictSchema(Schema):
    """Input schemas refuse unknown fields: no mass assignment (SECURITY.md 14)."""

    class Meta:
        unknown = RAISE


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "auth.token_invalid"})
    message = fields.String(required=True, metadata={"example": N_("登录凭证无效，请重新登录")})
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


MAX_PAGE = 10_000


class PageArgs(StrictSchema):
    """Paging for every list: page size capped (SECURITY.md 15) and the page number bounded,
    so no offset can overflow a database integer."""
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))
