"""People schemas. Responses mask name, ID number and phone; only /reveal returns them."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core.clock import local_today
from app.core.idnumber import age_on
from app.core.names import MAX_LENGTH as MAX_NAME_LENGTH, is_valid_name, normalize_name
from app.core.masking import mask_id_number, mask_name, mask_phone
from app.core.schemas import StrictSchema

from .facts import zero_employment
from .models import (BUSINESS_KINDS, DISABILITY_TYPES, EDUCATION_LEVELS, EMPLOYMENT_STATUSES,
                     RELATIONS, WANTS, Channel)
from .services import REVEALABLE

REGION_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")


class PersonName(fields.String):
    """A person's name, normalized (app.core.names) before it is checked and stored."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(1, MAX_NAME_LENGTH), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = normalize_name(super()._deserialize(value, attr, data, **kwargs))
        if not is_valid_name(name):
            raise ValidationError(_l("姓名只能包含汉字、蒙古文、字母和间隔号"))
        return name


TAG = fields.String(validate=validate.Length(1, 50))
GENDERS = ("male", "female")


def _choice(values, **kwargs):
    return fields.String(allow_none=True, validate=validate.OneOf(values), **kwargs)


class ConsentSchema(StrictSchema):
    notice_version = fields.String(required=True, validate=validate.Length(1, 32))
    channel = fields.String(load_default=None,
                            validate=validate.OneOf([c.value for c in Channel]))


class FactsSchema(StrictSchema):
    urban_resident = fields.Boolean(allow_none=True)
    residence_since = fields.Date(allow_none=True)
    employment_status = _choice(EMPLOYMENT_STATUSES)
    registered_unemployed = fields.Boolean(allow_none=True)
    unemployment_registered_on = fields.Date(allow_none=True)
    social_insurance_months = fields.Integer(allow_none=True, validate=validate.Range(0, 720))
    unemployment_insured = fields.Boolean(allow_none=True)
    dibao = fields.Boolean(allow_none=True)
    disability_certificate = fields.Boolean(allow_none=True)
    disability_level = fields.Integer(allow_none=True, validate=validate.Range(1, 4))
    disability_type = _choice(DISABILITY_TYPES)
    land_lost = fields.Boolean(allow_none=True)
    land_compensation_monthly = fields.Float(allow_none=True,
                                               validate=validate.Range(0, 1_000_000))
    graduate_left_on = fields.Date(allow_none=True)
    ever_employed = fields.Boolean(allow_none=True)
    education = _choice(EDUCATION_LEVELS)
    skills = fields.List(TAG, validate=validate.Length(max=30))
    trades_trained = fields.List(TAG, validate=validate.Length(max=30))
    skill_certificates = fields.List(TAG, validate=validate.Length(max=30))
    wants = fields.List(fields.String(validate=validate.OneOf(WANTS)),
                        validate=validate.Length(max=3))
    business_registered_on = fields.Date(allow_none=True)
    business_kind = _choice(BUSINESS_KINDS)
    in_startup_training = fields.Boolean(allow_none=True)
    in_vocational_training = fields.Boolean(allow_none=True)
    passed_skill_evaluation_on = fields.Date(allow_none=True)

    @validates_schema
    def _dates_not_in_future(self, data, **kwargs):
        today = local_today()
        late = [name for name, value in data.items()
                if name.endswith(("_on", "_since")) and value is not None and value > today]
        if late:
            raise ValidationError(_l("日期不能晚于今天"), late[0])


class IdentitySchema(StrictSchema):
    name = PersonName(required=True)
    id_number = fields.String(required=True, validate=validate.Length(15, 18))
    residence_region_code = fields.String(required=True, validate=REGION_CODE)
    consent = fields.Nested(ConsentSchema, load_default=None)
    facts = fields.Nested(FactsSchema, load_default=dict)


class ResidenceSchema(StrictSchema):
    residence_region_code = fields.String(required=True, validate=REGION_CODE)
    residence_since = fields.Date(load_default=None)


class StaffPersonCreateSchema(IdentitySchema):
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^1\d{10}$"))


class RelativeCreateSchema(IdentitySchema):
    relation = fields.String(required=True,
                             validate=validate.OneOf([r for r in RELATIONS if r != "self"]))


class ProxyConfirmSchema(StrictSchema):
    notice_version = fields.String(required=True, validate=validate.Length(1, 32))


class ProxyVerifySchema(StrictSchema):
    notice_version = fields.String(required=True, validate=validate.Length(1, 32))
    channel = fields.String(required=True,
                            validate=validate.OneOf([Channel.STATION_PAPER.value,
                                                     Channel.STATION_ELECTRONIC.value]))


class ProxyLinkSchema(Schema):
    """A request to act for a relative. It names the person only once it is in effect: a
    pending request says nothing about whether the ID number was registered."""
    id = fields.Integer()
    status = fields.String()
    relation = fields.String()
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    person_id = fields.Function(lambda link: link.person_id if link.status == "active" else None,
                                allow_none=True)


class IncomingProxyLinkSchema(Schema):
    """A request as the relative sees it: who asks (masked) and as what."""
    id = fields.Integer()
    status = fields.String()
    relation = fields.String()
    requested_at = fields.DateTime()
    requester_phone = fields.Function(lambda link: mask_phone(link.requester_phone),
                                      allow_none=True)


class StaffProxyLinkSchema(ProxyLinkSchema):
    person_id = fields.Integer()
    account_id = fields.Integer()
    decided_by = fields.String(allow_none=True)


class LookupSchema(StrictSchema):
    id_number = fields.String(required=True, validate=validate.Length(15, 18))


class RevealSchema(StrictSchema):
    field = fields.String(required=True, validate=validate.OneOf(REVEALABLE))
    purpose = fields.String(required=True, validate=validate.Length(2, 200))


class RevealResultSchema(Schema):
    field = fields.String()
    value = fields.String()


class GuardianSchema(StrictSchema):
    name = PersonName(required=True)
    relation = fields.String(required=True, validate=validate.OneOf(RELATIONS))
    notice_version = fields.String(required=True, validate=validate.Length(1, 32))
    channel = fields.String(load_default=None,
                            validate=validate.OneOf([c.value for c in Channel]))


class MemberInSchema(StrictSchema):
    name = PersonName(required=True)
    relation = fields.String(required=True,
                             validate=validate.OneOf([r for r in RELATIONS if r != "self"]))
    birth_date = fields.Date(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    employment_status = _choice(EMPLOYMENT_STATUSES, load_default=None)
    registered_unemployed = fields.Boolean(allow_none=True, load_default=None)
    able_to_work = fields.Boolean(allow_none=True, load_default=None)
    willing_to_work = fields.Boolean(allow_none=True, load_default=None)
    guardian = fields.Nested(GuardianSchema, allow_none=True, load_default=None)


class SelfMemberSchema(StrictSchema):
    able_to_work = fields.Boolean(allow_none=True, load_default=True)
    willing_to_work = fields.Boolean(allow_none=True, load_default=True)


class HouseholdInSchema(StrictSchema):
    registered_size = fields.Integer(allow_none=True, load_default=None,
                                     validate=validate.Range(1, 30))
    business_income = fields.Boolean(allow_none=True, load_default=None)
    self_member = fields.Nested(SelfMemberSchema, data_key="self", load_default=None)
    members = fields.List(fields.Nested(MemberInSchema), load_default=list,
                          validate=validate.Length(max=20))


def _age(birth):
    return None if birth is None else age_on(birth, local_today())


class MemberOutSchema(Schema):
    id = fields.Integer()
    relation = fields.String()
    name = fields.Function(lambda m: mask_name(m.name))
    age = fields.Function(lambda m: _age(m.birth_date))
    gender = fields.Function(lambda m: m.gender)
    employment_status = fields.String(allow_none=True)
    registered_unemployed = fields.Boolean(allow_none=True)
    able_to_work = fields.Boolean(allow_none=True)
    willing_to_work = fields.Boolean(allow_none=True)
    has_guardian = fields.Function(lambda m: m.guardian_basis_id is not None)


class HouseholdOutSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "null until a household is recorded"})
    registered_size = fields.Integer(allow_none=True)
    business_income = fields.Boolean(allow_none=True)
    members = fields.List(fields.Nested(MemberOutSchema))
    zero_employment_household = fields.Boolean(allow_none=True)


def household_view(person):
    """The household with the zero-employment verdict (None while something is unknown)."""
    household = person.household
    if household is None:
        return {"id": None, "registered_size": None, "business_income": None, "members": [],
                "zero_employment_household": None}
    return {"id": household.id, "registered_size": household.registered_size,
            "business_income": household.business_income, "members": household.members,
            "zero_employment_household": zero_employment(person, local_today())}


class PersonSchema(Schema):
    id = fields.Integer()
    name = fields.Function(lambda p: mask_name(p.name))
    id_number = fields.Function(lambda p: mask_id_number(p.id_number))
    phone = fields.Function(lambda p: mask_phone(p.phone), allow_none=True)
    gender = fields.String()
    age = fields.Function(lambda p: _age(p.birth_date))
    residence_region_code = fields.String()
    has_wechat = fields.Function(lambda p: p.person_account_id is not None)
    unvouched = fields.Boolean()
    urban_resident = fields.Boolean(allow_none=True)
    residence_since = fields.Date(allow_none=True)
    employment_status = fields.String(allow_none=True)
    registered_unemployed = fields.Boolean(allow_none=True)
    unemployment_registered_on = fields.Date(allow_none=True)
    social_insurance_months = fields.Integer(allow_none=True)
    unemployment_insured = fields.Boolean(allow_none=True)
    dibao = fields.Boolean(allow_none=True)
    disability_certificate = fields.Boolean(allow_none=True)
    disability_level = fields.Integer(allow_none=True)
    disability_type = fields.String(allow_none=True)
    land_lost = fields.Boolean(allow_none=True)
    land_compensation_monthly = fields.Float(allow_none=True)
    graduate_left_on = fields.Date(allow_none=True)
    ever_employed = fields.Boolean(allow_none=True)
    education = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    trades_trained = fields.List(fields.String())
    skill_certificates = fields.List(fields.String())
    wants = fields.List(fields.String())
    business_registered_on = fields.Date(allow_none=True)
    business_kind = fields.String(allow_none=True)
    in_startup_training = fields.Boolean(allow_none=True)
    in_vocational_training = fields.Boolean(allow_none=True)
    passed_skill_evaluation_on = fields.Date(allow_none=True)
