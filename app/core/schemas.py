"""Shared schema pieces: the error shape (documented in OpenAPI), strict input bases and
product text rendered in the caller's language."""
from contextvars import ContextVar

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from .i18n import N_, Renderable

# The caller's gettext while a RendersText schema writes a response.
_translate = ContextVar("translate", default=None)


# C0 control characters other than tab and newlines: never legitimate in our input, and
# PostgreSQL refuses NUL in text outright.
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def _control_paths(value, path=""):
    if isinstance(value, str):
        if any(ch in _CONTROL for ch in value):
            yield path or "_schema"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _control_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_paths(item, f"{path}.{index}" if path else str(index))


class StrictSchema(Schema):
    """Input schemas refuse unknown fields (no mass assignment, SECURITY.md 14) and text
    with control characters."""

    class Meta:
        unknown = RAISE

    @pre_load(pass_collection=True)
    def _refuse_control_characters(self, data, **kwargs):
        bad = sorted(set(_control_paths(data)))
        if bad:
            raise ValidationError({path: [_l("不能包含控制字符")] for path in bad})
        return data


def caller_translate():
    """gettext in the caller's locale, resolved once: flask_babel.gettext looks the locale
    and the catalog up again on every call, too slow for the many parts of a result."""
    return get_translations().gettext


class Translated(fields.String):
    """Text a person reads: app.core.i18n.Text (or Join) built by a pure module is rendered
    here, in the caller's locale; a plain string is written as is."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, Renderable):
            value = value.render(_translate.get() or caller_translate())
        return super()._serialize(value, attr, obj, **kwargs)


class RendersText(Schema):
    """Base of response schemas whose data carries many app.core.i18n.Text: the caller's
    gettext is looked up once per response and used by every Translated field inside."""

    def dump(self, obj, *args, **kwargs):
        token = _translate.set(caller_translate())
        try:
            return super().dump(obj, *args, **kwargs)
        finally:
            _translate.reset(token)


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "auth.token_invalid"})
    message = fields.String(required=True, metadata={"example": N_("登录凭证无效，请重新登录")})
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


MAX_PAGE = 10_000


INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT


def Id(**kwargs):  # noqa: N802 - used like a field class
    """An id in input that points at an INTEGER primary key: an id beyond the column's range
    is a 422 at the door, not an overflow in the database driver (a 500)."""
    return fields.Integer(validate=validate.Range(1, INT32_MAX), **kwargs)


def BigId(**kwargs):  # noqa: N802 - used like a field class
    """An id in input that points at a BIGINT primary key (persons, vacancies, ...)."""
    return fields.Integer(validate=validate.Range(1, INT64_MAX), **kwargs)


class PageArgs(StrictSchema):
    """Paging for every list: page size capped (SECURITY.md 15) and the page number bounded,
    so no offset can overflow a database integer."""
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))
