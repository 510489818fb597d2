"""Applications: submission (self-service, family proxy, station), scoped look-ups, the one
place a transition is written, and the views of the current step.

Every transition goes through `transition()`: a conditional UPDATE on the status the caller
saw (exactly one of two concurrent decisions wins, the other gets 409), an event row for the
history, an audit entry and the applicant's notification, all in the caller's transaction.
"""
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import PersonAccount, StaffAccount
from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import guarded_update
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.models import get_in_scope, is_within, subtree_codes
from app.core.regions import requested_region
from app.core.regiontree import level_of
from app.core.stations import Station, stations_serving
from app.extensions import db
from app.people import services as people
from app.people.facts import build_facts
from app.people.models import Household, Person, Purpose

from . import notify
from .models import Application, ApplicationEvent, Certification, Evidence
from .rules import MET, UNKNOWN, detect_categories
from .settings import current_rules, region_name, rules_for, settings_for, step_deadline
from .workflow import (CLOSED, OPEN, STAFF_LEVELS, STAFF_STEPS, STEP_OF, Action,
                       CertificationStatus, Status, TransitionError, check_applicant_action)

LEVEL_LABELS = {"station": _l("服务站初审"), "township": _l("苏木乡镇（街道）审核"),
                "county": _l("旗县区人社部门认定"), "city": _l("盟市督办"),
                "notice": _l("公示"), "applicant": _l("待申请人补充材料")}
STATUS_LABELS = {
    Status.SUBMITTED: _l("已提交，待服务站受理"), Status.STATION_CHECK: _l("服务站初审中"),
    Status.TOWNSHIP_REVIEW: _l("苏木乡镇（街道）审核中"), Status.COUNTY_DECISION: _l("旗县区认定中"),
    Status.PUBLIC_NOTICE: _l("公示中"), Status.CERTIFIED: _l("已认定"),
    Status.REJECTED: _l("未通过认定"), Status.RETURNED: _l("已退回，请补充材料后重新提交"),
    Status.WITHDRAWN: _l("已撤回")}
TRANSITION_ERRORS = {
    "invalid_transition": (Conflict, "certification.invalid_transition",
                           _l("当前状态下不能进行该操作")),
    "maker_checker": (Forbidden, "certification.maker_checker",
                      _l("录入申请的工作人员不能审核或认定同一申请")),
    "not_permitted": (Forbidden, "certification.not_your_step", _l("该申请当前不在您所在层级办理")),
    "staff_only": (Conflict, "certification.staff_only", _l("该操作须由工作人员办理")),
    "applicant_only": (Conflict, "certification.applicant_only", _l("该操作须由申请人办理")),
}


def raise_transition_error(exc):
    cls, code, message = TRANSITION_ERRORS[exc.code]
    raise cls(code, message, {"status": str(exc.status), "action": str(exc.action)})


# ------------------------------------------------------------------ look-ups

def view_application(staff, application_id):
    """A staff read of an application with its history and evidence list: audited."""
    application = get_in_scope(Application, staff, application_id)
    record("certification.viewed", "application", application.id)
    return application


def get_application_for_account(account, application_id):
    """The account's own application or one of a relative it holds proxy consent for."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound("certification.not_found", _l("申请不存在"))
    try:
        people.person_for_account(account, application.person_id)
    except NotFound:
        raise NotFound("certification.not_found", _l("申请不存在")) from None
    return application


def applications_for_account(account):
    persons = people.person_ids_for_account(account)
    return db.session.scalars(select(Application).where(Application.person_id.in_(persons))
                              .order_by(Application.id.desc())).all()


def certifications_for_account(account):
    """Certifications of the account's person and relatives, exited ones included."""
    persons = people.person_ids_for_account(account)
    return db.session.scalars(select(Certification).where(Certification.person_id.in_(persons))
                              .order_by(Certification.id.desc())).all()


def active_certification(person_id):
    return db.session.scalar(select(Certification).where(
        Certification.person_id == person_id,
        Certification.status == CertificationStatus.ACTIVE))


# ------------------------------------------------------------------ stations and steps

def _serving_stations(residence):
    """Stations at township or community level whose area contains the residence."""
    return [s for s in stations_serving(residence) if level_of(s.region_code) >= 4]


def choose_station(person, station_id=None, serving=None):
    """`serving`: stations_serving(residence) when the caller has read them already."""
    stations = [s for s in serving if level_of(s.region_code) >= 4] if serving is not None \
        else _serving_stations(person.residence_region_code)
    if station_id is None:
        if not stations:
            raise ValidationFailed("certification.no_station",
                                   _l("您的居住地附近暂无可受理的服务站，请将居住地填写到街道或社区"))
        return stations[0]
    for station in stations:
        if station.id == station_id:
            return station
    raise ValidationFailed("certification.station_not_serving", _l("所选服务站不受理您居住地的申请"),
                           {"station_id": station_id})


def office_code(region_code, level):
    if level == "township":
        return region_code[:9] if len(region_code) >= 9 else region_code[:6]
    if level in ("county", "notice"):
        return region_code[:6]
    if level == "city":
        return region_code[:4] + "00"
    return region_code


def _office_phone(code):
    """A public phone of the office at `code` (memoised per request: lists show many)."""
    cache = g.setdefault("office_phones", {})
    if code not in cache:
        cache[code] = db.session.scalar(select(Station.phone).where(Station.region_code == code)
                                        .order_by(Station.id).limit(1))
    return cache[code]


def current_step(application, today=None):
    """Which step, who holds it, its deadline: what the applicant always sees."""
    status = Status(application.status)
    if status in CLOSED:
        return None
    today = today or local_today()
    level = STEP_OF[status]
    holder_level = application.escalated_to or level
    station = application.station
    if holder_level == "station":
        holder, phone = station.name, station.phone
    elif holder_level == "applicant":
        holder, phone = str(_l("申请人")), station.phone
    else:
        code = office_code(application.region_code, holder_level)
        holder, phone = region_name(code), _office_phone(code) or station.phone
    deadline = application.step_deadline
    return {"level": level, "label": str(LEVEL_LABELS[level]), "holder": holder,
            "holder_level": holder_level, "phone": phone, "deadline": deadline,
            "overdue": bool(deadline and level in STAFF_LEVELS and deadline < today),
            "deadline_estimated": application.deadline_estimated,
            "escalated": application.escalated_to is not None}


def _step_fields(old_status, new_status, region_code, now, today):
    old_level = STEP_OF.get(old_status) if old_status else None
    level = STEP_OF.get(new_status)
    if new_status in CLOSED:
        return {"step_started_at": None, "step_deadline": None, "deadline_estimated": False,
                "escalated_to": None, "closed_at": now}
    if level == old_level and level == "station":
        return {}  # accepting the application does not restart the station's clock
    fields = {"step_started_at": now, "escalated_to": None, "step_deadline": None,
              "deadline_estimated": False}
    if level in STAFF_LEVELS or level == "notice":
        settings = settings_for(region_code)
        deadline, estimated = step_deadline(level, today, settings)
        fields.update(step_deadline=deadline, deadline_estimated=estimated)
        if level == "notice":
            fields.update(notice_starts_on=today, notice_ends_on=deadline)
    return fields


def subject_of(application, note=None):
    step = current_step(application)
    rules = rules_for(application.rules_version)
    labels = {c["code"]: c["label"] for c in rules.categories}
    return {"application_id": application.id, "holder": step["holder"] if step else None,
            "deadline": step["deadline"] if step else None,
            "categories": [labels.get(c, c) for c in application.decided_categories or []],
            "note": note, "decided_on": local_today(),
            "person_account_id": application.person.person_account_id,
            "proxy_account_id": application.proxy_account_id}


def write_event(application, action, old_status, new_status, actor, *, level=None, note=None,
                details=None, notify_action=None):
    event = ApplicationEvent(application_id=application.id, action=str(action),
                             from_status=old_status and str(old_status), to_status=str(new_status),
                             actor=actor, level=level, note=note, occurred_at=utcnow())
    db.session.add(event)
    db.session.flush()
    record(f"certification.{action}", "application", application.id,
           details={"from": old_status and str(old_status), "to": str(new_status),
                    "level": level, "has_note": bool(note), **(details or {})})
    notify.dispatch(notify.notifications_for(str(notify_action or action),
                                             subject_of(application, note), event.id,
                                             event.occurred_at))
    return event


def transition(application, action, new_status, actor, *, level=None, note=None, values=None,
               details=None, today=None):
    """Move the application from the status the caller saw to `new_status`, or 409."""
    old_status, now = Status(application.status), utcnow()
    changes = {"status": str(new_status), "updated_at": now, **(values or {}),
               **_step_fields(old_status, new_status, application.region_code, now,
                              today or local_today())}
    if not guarded_update(application, {"status": str(old_status)}, changes):
        raise Conflict("certification.state_changed", _l("申请状态已变化，请刷新后重试"))
    notify_action = "notice_start" if new_status == Status.PUBLIC_NOTICE else None
    return write_event(application, action, old_status, new_status, actor, level=level,
                       note=note, details=details, notify_action=notify_action)


# ------------------------------------------------------------------ assessment and submission

def provided_kinds(application_id):
    if application_id is None:
        return set()
    return set(db.session.scalars(select(Evidence.kind).where(
        Evidence.application_id == application_id)).all())


# Papers an application needs because of how it was filed, whatever the category.
CHANNEL_EVIDENCE = {"proxy": ("consent_form",), "station": ("commitment_paper",)}


def confirmed_kinds(person_id, today=None):
    """{evidence kind: list} that partner departments' lists confirm for the person, so it
    need not be uploaded (免证); asked of every confirmer registered at start-up."""
    found = {}
    for confirm in current_app.extensions.get("evidence_confirmers", ()):
        found.update(confirm(person_id, today or local_today()))
    return found


def assess(person, application=None, today=None):
    """Which categories the person's facts support and what each still needs; evidence a
    partner list confirms counts as provided."""
    rules = current_rules() if application is None else rules_for(application.rules_version)
    today = today or local_today()
    facts = build_facts(person, today)
    confirmed = confirmed_kinds(person.id, today)
    provided = provided_kinds(application and application.id) | set(confirmed)
    results = detect_categories(rules, facts, provided)
    channel = application.channel if application is not None else None
    return {"rules_version": rules.version, "categories": results,
            "confirmed_by_lists": confirmed,
            "application_evidence": [
                {"kind": kind, "label": rules.evidence_kinds[kind], "provided": kind in provided}
                for kind in CHANNEL_EVIDENCE.get(channel, ())]}


def _check_commitment(caller, commitment):
    expected = current_app.config["CERT_COMMITMENT_VERSION"]
    channel = "paper" if isinstance(caller, StaffAccount) else "app"
    if not commitment or not commitment.get("accepted"):
        raise ValidationFailed("certification.commitment_required",
                               _l("请阅读并签署承诺书（所填信息真实有效）"))
    if commitment.get("version") != expected:
        raise ValidationFailed("certification.commitment_outdated", _l("请签署最新版本的承诺书"),
                               {"current_version": expected})
    return channel


def _channel(caller, person):
    if isinstance(caller, StaffAccount):
        return "station", None
    if person.person_account_id == caller.id:
        return "self", None
    if people.live_basis(person.id, Purpose.PROXY_SERVICE, caller.id) is None:
        raise NotFound("people.not_found", _l("人员不存在"))
    return "proxy", caller.id


def applicant_loads():
    """Loader options for the person a submit is for: what its checks and the category
    evaluation read (household and members, certifications, benefits), joined into the
    person's own statement instead of one lazy load each."""
    return (joinedload(Person.household).joinedload(Household.members),
            joinedload(Person.certifications), joinedload(Person.benefits))


def _basis_and_open(person):
    """(id of the live certification consent or None, whether an application is open): one
    statement for both."""
    return db.session.execute(select(
        people.live_basis_id(person.id),
        exists().where(Application.person_id == person.id,
                       Application.status.in_([s.value for s in OPEN])))).one()


def _check_open(person, has_open):
    # the person's certifications are read with the person (applicant_loads) or lazily here
    if any(c.status == CertificationStatus.ACTIVE for c in person.certifications):
        raise Conflict("certification.already_certified", _l("您已是认定的就业困难人员，无需重复申请"))
    if has_open:  # the unique index on open applications refuses a concurrent second one
        raise Conflict("certification.duplicate_open", _l("已有未办结的申请"))


def submit_application(caller, person, *, commitment, station_id=None, categories=None):
    """File an application for `person`: by themselves, a family proxy or station staff.

    Refused unless the person's residence is in Inner Mongolia, a legal basis is on record,
    the commitment is signed, no application is open and the facts support (or may support,
    once missing facts are known) at least one category.
    """
    serving = stations_serving(person.residence_region_code)  # rows only a known region has
    people.check_residence(person.residence_region_code, known=bool(serving))
    channel, proxy_account_id = _channel(caller, person)
    consent_id, has_open = _basis_and_open(person)
    if consent_id is None:
        raise people.basis_required()
    commitment_channel = _check_commitment(caller, commitment)
    _check_open(person, has_open)
    if isinstance(caller, StaffAccount):
        if caller.station_id is None:
            raise ValidationFailed("certification.no_station", _l("您的账号未关联服务站，不能代为申请"))
        station = choose_station(person, caller.station_id, serving)
    else:
        station = choose_station(person, station_id, serving)
    rules = current_rules()
    results = detect_categories(rules, build_facts(person, local_today()))
    possible = [r["code"] for r in results if r["status"] in (MET, UNKNOWN)]
    if not possible:
        raise ValidationFailed("certification.no_category", _l("根据所填情况，暂不符合任何认定类别"),
                               {"categories": [{"code": r["code"], "unmet": r["unmet"]}
                                               for r in results]})
    met = [r["code"] for r in results if r["status"] == MET]
    claimed = list(categories or met or possible)
    refused = [code for code in claimed if code not in possible]
    if refused:
        raise ValidationFailed("certification.category_not_supported",
                               _l("所填情况不符合所选认定类别"), {"categories": refused})
    now = utcnow()
    application = Application(
        person_id=person.id, person=person, status=Status.SUBMITTED.value, channel=channel,
        station_id=station.id, region_code=station.region_code, entered_by=people.who(caller),
        entered_by_staff_id=caller.id if isinstance(caller, StaffAccount) else None,
        proxy_account_id=proxy_account_id, consent_id=consent_id,
        commitment_channel=commitment_channel, commitment_version=commitment["version"],
        commitment_signed_at=now, claimed_categories=claimed,
        detected_categories=met,
        rules_version=rules.version, submitted_at=now, updated_at=now, resubmissions=0,
        **_step_fields(None, Status.SUBMITTED, station.region_code, now, local_today()))
    db.session.add(application)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("certification.duplicate_open", _l("已有未办结的申请")) from None
    write_event(application, "submit", None, Status.SUBMITTED, people.who(caller),
                level="applicant" if channel != "station" else "station",
                details={"channel": channel, "station_id": station.id,
                         "categories": claimed, "rules_version": rules.version})
    return application


def resubmit_application(caller, application, note=None):
    """After a return: the applicant (or the station, for its own entries) sends it again."""
    _check_applicant_side(caller, application)
    try:
        new_status = check_applicant_action(Action.RESUBMIT, application.status)
    except TransitionError as exc:
        raise_transition_error(exc)
    results = assess(application.person)["categories"]
    values = {"resubmissions": application.resubmissions + 1,
              "detected_categories": [r["code"] for r in results if r["status"] == MET]}
    transition(application, Action.RESUBMIT, new_status, people.who(caller),
               level="applicant", note=note, values=values)
    return application


def withdraw_application(caller, application, note=None):
    _check_applicant_side(caller, application)
    try:
        new_status = check_applicant_action(Action.WITHDRAW, application.status)
    except TransitionError as exc:
        raise_transition_error(exc)
    transition(application, Action.WITHDRAW, new_status, people.who(caller),
               level="applicant", note=note)
    return application


def _check_applicant_side(caller, application):
    """Persons act on what they may see; staff only on what their station entered."""
    if isinstance(caller, PersonAccount):
        return
    if application.channel != "station" or not is_within(application.region_code,
                                                         caller.region_code):
        raise Conflict("certification.applicant_only", _l("该操作须由申请人办理"))


# ------------------------------------------------------------------ lists

def list_applications(staff, *, status=None, region_code=None, channel=None, category=None,
                      overdue=None, page=1, per_page=20, today=None):
    """Applications in the caller's subtree (optionally a smaller subtree), newest first."""
    scope = requested_region(staff, region_code)
    query = select(Application).where(Application.region_code.in_(subtree_codes(scope)))
    if status:
        query = query.where(Application.status == status)
    if channel:
        query = query.where(Application.channel == channel)
    if overdue:
        query = query.where(Application.status.in_([s.value for s in STAFF_STEPS]),
                            Application.step_deadline < (today or local_today()))
    if category:  # codes come from a fixed list: the JSON text match is exact and safe
        query = query.where(cast(Application.claimed_categories, String)
                            .like(f'%"{category}"%'))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Application.id.desc())
                               .options(selectinload(Application.person),
                                        selectinload(Application.station))
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total

