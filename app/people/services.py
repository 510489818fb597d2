"""People: identity, facts, households and the legal basis for holding them.

Callers are a StaffAccount (at a station or office) or a PersonAccount (the mini-program).
Every write needs a live legal basis (SECURITY.md 3); every object is looked up within the
staff member's region subtree (another region's person answers 404).
"""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import StaffAccount
from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import lock
from app.core.crypto import blind_index, blind_indexer, normalize_for_index
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.hooks import emit
from app.core.idnumber import InvalidIdNumber, age_on, parse_id_number
from app.core.models import Region, get_in_scope, is_within
from app.core.regions import region_in_scope
from app.extensions import db

from .models import (SENSITIVE_FACTS, Basis, Channel, Household, HouseholdMember, LegalBasis,
                     Person, Purpose)

FACT_FIELDS = (
    "urban_resident", "residence_since", "employment_status", "registered_unemployed",
    "unemployment_registered_on", "social_insurance_months", "unemployment_insured",
    "land_lost", "land_compensation_monthly", "graduate_left_on", "ever_employed",
    "education", "skills", "trades_trained", "skill_certificates", "wants",
    "business_registered_on", "business_kind", "in_startup_training",
    "in_vocational_training", "passed_skill_evaluation_on") + SENSITIVE_FACTS
STAFF_CHANNELS = (Channel.STATION_PAPER, Channel.STATION_ELECTRONIC)
MINOR_AGE = 14


def who(caller):
    kind = "staff" if isinstance(caller, StaffAccount) else "person"
    return f"{kind}:{caller.id}"


def index_of(value):
    return blind_index(normalize_for_index(value), current_app.config["BLIND_INDEX_KEY"])


def indexer():
    """index_of as a function for many values (a partner list's rows)."""
    index = blind_indexer(current_app.config["BLIND_INDEX_KEY"])
    return lambda value: index(normalize_for_index(value))


def parse_identity(raw, today=None):
    """The validated ID number, or a 422 whose code names the reason."""
    try:
        return parse_id_number(raw, today or local_today())
    except InvalidIdNumber as exc:
        messages = {"format": _l("身份证号码格式不正确"), "checksum": _l("身份证号码校验位不正确"),
                    "birth_date": _l("身份证号码中的出生日期不存在"),
                    "early_birth_date": _l("身份证号码中的出生年份早于1850年，请核对"),
                    "future_birth_date": _l("身份证号码中的出生日期晚于今天")}
        raise ValidationFailed(f"people.id_number_{exc.reason}", messages[exc.reason],
                               {"field": "id_number"}) from None


def check_residence(code, known=False):
    """Usual residence must be a known division of Inner Mongolia. `known`: the caller has
    just read rows that prove the region exists (its closure rows), so it is not read again."""
    if not str(code).startswith("15"):
        raise ValidationFailed("people.residence_outside_inner_mongolia",
                               _l("常住地须在内蒙古自治区内"), {"field": "residence_region_code"})
    if not known and db.session.get(Region, code) is None:
        raise ValidationFailed("people.residence_unknown", _l("常住地行政区划不存在"),
                               {"field": "residence_region_code"})


def set_residence(person, residence_region_code):
    """Move the person's usual residence; a real move is announced ("people.residence_changed")
    so that what follows the residence (the help case and its responsible staff member, in
    app.tracking) moves in the same transaction."""
    previous = person.residence_region_code
    person.residence_region_code = residence_region_code
    if previous is not None and previous != residence_region_code:
        db.session.flush()
        emit("people.residence_changed", person=person, previous=previous)


def change_residence(staff, person, residence_region_code, residence_since=None):
    """Station staff record that a person moved (迁居). The new residence must lie in the
    caller's subtree, like a registration; a move further away is recorded by the person
    (PUT /people/me) or by an office whose subtree holds both places."""
    check_residence(residence_region_code)
    region_in_scope(staff, residence_region_code)
    if residence_since is not None and residence_since > local_today():
        raise ValidationFailed("people.residence_since_future", _l("迁入日期不能晚于今天"),
                               {"field": "residence_since"})
    require_basis(person)
    lock(person)
    if person.residence_region_code == residence_region_code:
        raise Conflict("people.residence_unchanged", _l("新常住地与原常住地相同"),
                       {"field": "residence_region_code"})
    previous = person.residence_region_code
    if residence_since is not None:
        person.residence_since = residence_since
    record("person.residence_changed", "person", person.id,
           details={"from": previous, "to": residence_region_code})
    set_residence(person, residence_region_code)
    return person


def _check_notice(consent):
    if not consent:
        raise ValidationFailed("people.legal_basis_required",
                               _l("保存个人信息前须记录本人同意（告知书版本、时间、方式）"))
    expected = current_app.config["PRIVACY_NOTICE_VERSION"]
    if consent.get("notice_version") != expected:
        raise ValidationFailed("people.notice_outdated", _l("请阅读并同意最新的个人信息保护告知书"),
                               {"current_version": expected})


def record_consent(caller, person, consent, *, purpose=Purpose.CERTIFICATION,
                   basis=Basis.CONSENT, given_by="self", granted_to=None, channel=None):
    """Write one legal-basis row (who gave it, when, how, which notice) and audit it."""
    _check_notice(consent)
    if channel is None:
        channel = consent.get("channel") or Channel.MINIPROGRAM
    if isinstance(caller, StaffAccount) and channel not in STAFF_CHANNELS:
        raise ValidationFailed("people.consent_channel", _l("服务站代办须记录纸质或电子签字同意"))
    row = LegalBasis(person_id=person.id, basis=basis, purpose=purpose, channel=channel,
                     notice_version=consent["notice_version"], given_by=given_by,
                     relation=consent.get("relation"),
                     granted_to_account_id=granted_to.id if granted_to else None,
                     station_id=getattr(caller, "station_id", None), recorded_by=who(caller),
                     recorded_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record("person.consent_recorded", "person", person.id,
           details={"purpose": str(purpose), "basis": str(basis), "channel": str(channel),
                    "notice_version": row.notice_version, "legal_basis_id": row.id})
    return row


def live_basis(person_id, purpose=Purpose.CERTIFICATION, account_id=None):
    query = select(LegalBasis).where(LegalBasis.person_id == person_id,
                                     LegalBasis.purpose == purpose,
                                     LegalBasis.withdrawn_at.is_(None))
    if account_id is not None:
        query = query.where(LegalBasis.granted_to_account_id == account_id)
    return db.session.scalars(query.order_by(LegalBasis.id.desc()).limit(1)).first()


def live_basis_id(person_id, purpose=Purpose.CERTIFICATION):
    """The id of the live basis of `live_basis`, as a scalar subquery for a caller that reads
    it within a statement of its own (None when there is none: see `basis_required`)."""
    return (select(LegalBasis.id).where(LegalBasis.person_id == person_id,
                                        LegalBasis.purpose == purpose,
                                        LegalBasis.withdrawn_at.is_(None))
            .order_by(LegalBasis.id.desc()).limit(1).scalar_subquery())


def basis_required():
    return ValidationFailed("people.legal_basis_required",
                            _l("保存个人信息前须记录本人同意（告知书版本、时间、方式）"))


def require_basis(person):
    basis = live_basis(person.id)
    if basis is None:
        raise basis_required()
    return basis


def withdraw_consent(caller, person):
    """The person withdraws consent: later writes of their data are refused until renewed."""
    rows = db.session.scalars(select(LegalBasis).where(
        LegalBasis.person_id == person.id, LegalBasis.purpose == Purpose.CERTIFICATION,
        LegalBasis.withdrawn_at.is_(None))).all()
    for row in rows:
        row.withdrawn_at = utcnow()
    record("person.consent_withdrawn", "person", person.id, details={"rows": len(rows)})
    return len(rows)


def apply_facts(person, facts):
    """Set the given facts (only those present) on the person; a basis must exist."""
    require_basis(person)
    sensitive = {k: facts[k] for k in SENSITIVE_FACTS if k in facts}
    for name in FACT_FIELDS:
        if name in facts and name not in SENSITIVE_FACTS:
            setattr(person, name, facts[name])
    if sensitive:
        person.set_sensitive(**sensitive)
    if facts.get("registered_unemployed") is False:
        person.unemployment_registered_on = None
    return sorted(k for k in facts if k in FACT_FIELDS)


def _person_row(caller, name, identity, residence_region_code, phone, account):
    return Person(name=name.strip(), id_number=identity.number,
                  id_number_index=index_of(identity.number), birth_date=identity.birth_date,
                  gender=identity.gender, residence_region_code=residence_region_code,
                  phone=phone, phone_index=index_of(phone) if phone else None,
                  person_account_id=account.id if account else None, skills=[],
                  trades_trained=[], skill_certificates=[], wants=[],
                  public_welfare_placements=0, created_by=who(caller))


def _new_person(caller, name, identity, residence_region_code, phone, account):
    person = _person_row(caller, name, identity, residence_region_code, phone, account)
    db.session.add(person)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _duplicate() from None
    return person


def _duplicate():
    """One answer for an ID number already registered, wherever (no id, no region)."""
    return Conflict("people.duplicate_id_number", _l("该身份证号已登记，请携带身份证到服务站核验身份"))


def claim_unvouched(caller, person, *, name, residence_region_code, phone, account):
    """The real person (in the mini-program or at a station) takes over a record a family
    member created for them: their own name, residence and phone replace what was typed."""
    person.name = name.strip()
    set_residence(person, residence_region_code)
    person.phone, person.phone_index = phone, index_of(phone) if phone else None
    person.person_account_id = account.id if account else None
    person.unvouched = False
    db.session.flush()
    record("person.claimed", "person", person.id,
           details={"by": "station" if isinstance(caller, StaffAccount) else "self"})
    return person


def _existing(identity):
    return db.session.scalar(select(Person).where(
        Person.id_number_index == index_of(identity.number)))


def create_person(staff, *, name, id_number, residence_region_code, consent, phone=None,
                  facts=None):
    """Station staff register a person at the station, with their signed consent."""
    identity = parse_identity(id_number)
    check_residence(residence_region_code)
    region_in_scope(staff, residence_region_code)
    _check_notice(consent)
    existing = _existing(identity)
    if existing is not None and not existing.unvouched:
        # In scope or not, the same answer (SECURITY.md "registered ID numbers"): the staff
        # member finds a person in their own scope through /people/lookup.
        raise _duplicate()
    if existing is not None:
        person = claim_unvouched(staff, existing, name=name,
                                 residence_region_code=residence_region_code, phone=phone,
                                 account=None)
    else:
        person = _new_person(staff, name, identity, residence_region_code, phone, None)
    record_consent(staff, person, consent)
    apply_facts(person, facts or {})
    record("person.created", "person", person.id, details={"channel": "station"})
    return person


def register_from_list(staff, *, name, id_number, residence_region_code, department_source):
    """A person a partner department's list holds, registered when a station contacts them
    from the discovery list: the basis is the statutory duty (PIPL art. 13(3), channel
    data_import), not a consent nobody gave; the person's own consent is recorded when they
    apply. An ID number already registered returns that person (the caller scopes it)."""
    identity = parse_identity(id_number)
    check_residence(residence_region_code)
    region_in_scope(staff, residence_region_code)
    existing = _existing(identity)
    if existing is not None:
        return existing
    person = _new_person(staff, name, identity, residence_region_code, None, None)
    basis = LegalBasis(person_id=person.id, basis=Basis.STATUTORY_DUTY,
                       purpose=Purpose.CERTIFICATION, channel=Channel.DATA_IMPORT,
                       notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                       given_by="department", station_id=staff.station_id,
                       recorded_by=who(staff), recorded_at=utcnow())
    db.session.add(basis)
    db.session.flush()
    record("person.created", "person", person.id,
           details={"channel": str(Channel.DATA_IMPORT), "source": department_source,
                    "legal_basis_id": basis.id})
    return person


def register_self(account, *, name, id_number, residence_region_code, consent, facts=None):
    """The job seeker's own record, created from the mini-program (or updated if it exists).

    A record that station staff created earlier is linked to this WeChat account only when
    the name matches and the account's WeChat-verified phone is the phone on the record
    (real-name check, SECURITY.md 10); otherwise the person must go to a station.
    """
    identity = parse_identity(id_number)
    check_residence(residence_region_code)
    own = own_person(account, required=False)
    if own is not None:
        if own.id_number_index != index_of(identity.number) or own.name != name.strip():
            raise Conflict("people.identity_locked", _l("姓名和身份证号登记后不能修改，请到服务站更正"))
        if consent:
            record_consent(account, own, consent)
        set_residence(own, residence_region_code)
        if account.phone and own.phone != account.phone:  # bound in WeChat after registering
            own.phone, own.phone_index = account.phone, account.phone_index
        apply_facts(own, facts or {})
        record("person.updated", "person", own.id, details={"fields": sorted(facts or {})})
        return own, False
    _check_notice(consent)
    existing = _existing(identity)
    if existing is not None and existing.unvouched:
        claim_unvouched(account, existing, name=name, residence_region_code=residence_region_code,
                        phone=account.phone, account=account)
        record_consent(account, existing, consent)
        apply_facts(existing, facts or {})
        return existing, False
    if existing is not None:
        matches = (existing.person_account_id is None and existing.name == name.strip()
                   and account.phone_index and existing.phone_index == account.phone_index)
        if not matches:
            raise _duplicate()
        existing.person_account_id = account.id
        record_consent(account, existing, consent)
        set_residence(existing, residence_region_code)
        apply_facts(existing, facts or {})
        record("person.account_linked", "person", existing.id)
        return existing, False
    person = _new_person(account, name, identity, residence_region_code, account.phone, account)
    record_consent(account, person, consent)
    apply_facts(person, facts or {})
    record("person.created", "person", person.id, details={"channel": "miniprogram"})
    return person, True


def update_facts(caller, person, facts):
    changed = apply_facts(person, facts)
    record("person.updated", "person", person.id, details={"fields": changed})
    return person


# ------------------------------------------------------------------ households

def _member_details(member, today):
    born = member["birth_date"]
    if born > today:
        raise ValidationFailed("people.member_birth_date", _l("家庭成员出生日期不正确"))
    guardian = member.get("guardian")
    if age_on(born, today) < MINOR_AGE and not guardian:
        raise ValidationFailed("people.guardian_required",
                               _l("14周岁以下家庭成员须记录监护人及其同意"),
                               {"member": member["name"][:1] + "*"})
    return {"name": member["name"].strip(), "birth_date": born.isoformat(),
            "gender": member["gender"],
            "guardian": {"name": guardian["name"], "relation": guardian["relation"]}
            if guardian else None}


def set_household(caller, person, *, members, registered_size=None, business_income=None,
                  self_member=None, today=None):
    """Replace the person's household: the person is always a member ("self")."""
    require_basis(person)
    lock(person)  # concurrent replacements run in turn: one household, one set of members
    today = today or local_today()
    household = person.household
    if household is None:
        household = Household(region_code=person.residence_region_code)
        db.session.add(household)
        person.household = household
    household.region_code = person.residence_region_code
    household.registered_size = registered_size
    household.business_income = business_income
    household.members.clear()
    db.session.flush()
    me = self_member or {}
    household.members.append(HouseholdMember(
        person_id=person.id, relation="self",
        details={"name": person.name, "birth_date": person.birth_date.isoformat(),
                 "gender": person.gender, "guardian": None},
        employment_status=person.employment_status,
        registered_unemployed=person.registered_unemployed,
        able_to_work=me.get("able_to_work", True), willing_to_work=me.get("willing_to_work", True)))
    minors = 0
    for member in members:
        row = HouseholdMember(relation=member["relation"], details=_member_details(member, today),
                              employment_status=member.get("employment_status"),
                              registered_unemployed=member.get("registered_unemployed"),
                              able_to_work=member.get("able_to_work"),
                              willing_to_work=member.get("willing_to_work"))
        if row.details["guardian"]:
            minors += 1
            guardian = member["guardian"]
            basis = record_consent(caller, person, {**guardian, "channel": guardian.get("channel")},
                                   purpose=Purpose.MINOR_MEMBER, basis=Basis.GUARDIAN_CONSENT,
                                   given_by="guardian")
            row.guardian_basis_id = basis.id
        household.members.append(row)
    db.session.flush()
    record("person.household_set", "household", household.id,
           details={"person_id": person.id, "members": len(household.members),
                    "minors": minors})
    return household


# ------------------------------------------------------------------ lookups

def view_person(staff, person_id, what="person.viewed"):
    """A staff read of a person's record (sensitive facts included): always audited."""
    person = get_in_scope(Person, staff, person_id)
    record(what, "person", person.id)
    return person


def find_by_id_number(staff, raw):
    identity = parse_identity(raw)
    person = _existing(identity)
    if person is None or not is_within(person.residence_region_code, staff.region_code):
        raise NotFound(*Person.scope_not_found)
    record("person.looked_up", "person", person.id)
    return person


def own_person(account, required=True, options=()):
    """`options`: loader options for what the caller reads next (one statement, not one per
    relationship)."""
    rows = db.session.scalars(select(Person).where(Person.person_account_id == account.id)
                              .options(*options)).unique().all()
    person = rows[0] if rows else None
    if person is None and required:
        raise NotFound("people.profile_missing", _l("请先填写个人信息"))
    return person


def person_for_account(account, person_id, options=()):
    """The account's own person, or a relative it holds a live proxy consent for; else 404."""
    person = db.session.get(Person, person_id, options=options)
    if person is None:
        raise NotFound("people.not_found", _l("人员不存在"))
    if person.person_account_id == account.id:
        return person
    if live_basis(person.id, Purpose.PROXY_SERVICE, account.id) is not None:
        return person
    raise NotFound("people.not_found", _l("人员不存在"))


def relatives_of(account):
    rows = db.session.scalars(select(Person).join(LegalBasis, LegalBasis.person_id == Person.id)
                              .where(LegalBasis.purpose == Purpose.PROXY_SERVICE,
                                     LegalBasis.granted_to_account_id == account.id,
                                     LegalBasis.withdrawn_at.is_(None))
                              .order_by(Person.id)).unique().all()
    return rows


def person_ids_for_account(account):
    """The account's own person and every relative it may act for."""
    own = own_person(account, required=False)
    return [p.id for p in relatives_of(account)] + ([own.id] if own else [])


REVEALABLE = ("id_number", "phone", "name")


def reveal_field(staff, person, field, purpose):
    """The full value of one masked field; always audited with the stated purpose.
    A field never recorded (no phone) is a 404: there is nothing to reveal, nothing audited."""
    value = getattr(person, field)
    if value is None:
        raise NotFound("people.field_not_recorded", _l("此人未登记该项信息"), {"field": field})
    record("person.revealed", "person", person.id, details={"field": field, "purpose": purpose})
    return value
