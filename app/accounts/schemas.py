"""Request and response schemas of the accounts area (they also generate the OpenAPI)."""
from flask_babel import gettext
from marshmallow import fields, validate

from app.core.schemas import Id, PageArgs, StrictSchema
from app.core.clock import to_display
from app.core.masking import mask_phone

from .roles import Role


class WeChatLoginSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class PhoneBindSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(1, 128))
    privacy_notice_version = fields.String(required=True, validate=validate.Length(1, 32))


class StaffLoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256),
                             load_only=True)
    totp_code = fields.String(validate=validate.Regexp(r"^\d{6}$"), load_default=None)


class RefreshSchema(StrictSchema):
    refresh_token = fields.String(required=True, validate=validate.Length(1, 2048))


class TokenPairSchema(StrictSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class StaffSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    role_label = fields.Function(lambda s: gettext(s.role_label))
    region_code = fields.String()
    station_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    totp_enabled = fields.Boolean()
    # Stored in UTC, shown in Beijing time (ISO 8601 with +08:00).
    last_login_at = fields.Function(lambda s: to_display(s.last_login_at), allow_none=True)


class PersonAccountSchema(StrictSchema):
    """A job seeker's WeChat account. Its id is the account's, never a person's: the person
    record (and its id) is at /people/me once they have registered."""
    account_id = fields.Integer(attribute="id", dump_only=True)
    phone = fields.Function(lambda a: mask_phone(a.phone), allow_none=True)
    phone_bound = fields.Function(lambda a: a.phone is not None)
    privacy_notice_version = fields.String(allow_none=True)


class StaffLoginResultSchema(TokenPairSchema):
    staff = fields.Nested(StaffSchema)


class PersonLoginResultSchema(TokenPairSchema):
    account = fields.Nested(PersonAccountSchema)
    new_account = fields.Boolean()



ROLES = [role.value for role in Role]


class StaffCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    display_name = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3}){0,2}$"))
    station_id = Id(load_default=None)


class StaffUpdateSchema(StrictSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    region_code = fields.String(validate=validate.Regexp(r"^\d{6}(\d{3}){0,2}$"))
    station_id = Id()
    active = fields.Boolean()


class PasswordChangeSchema(StrictSchema):
    old_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))


class TotpSetupSchema(StrictSchema):
    secret = fields.String()
    otpauth_uri = fields.String()


class TotpCodeSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))


class StaffListArgs(PageArgs):
    pass


class StaffGrantListArgs(PageArgs):
    pass


class StaffGrantSchema(StrictSchema):
    """A grant waiting for (or decided by) a second security admin. For "update", null
    fields stay as they are; region_code is the account's region after the change."""
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["create", "update"]})
    status = fields.String(metadata={"enum": ["pending", "approved", "rejected"]})
    staff_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    role_label = fields.Function(lambda g: gettext(g.role_label) if g.role_label else None,
                                 allow_none=True)
    region_code = fields.String()
    station_id = fields.Integer(allow_none=True)
    active = fields.Boolean(allow_none=True)
    requested_by = fields.Integer()
    requested_at = fields.Function(lambda g: to_display(g.requested_at))
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.Function(lambda g: to_display(g.decided_at), allow_none=True)
