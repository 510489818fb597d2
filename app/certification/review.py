"""Staff steps of the review: one operation per transition, plus the public notice, its
objections, and escalation of overdue steps to the next level."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.roles import has_permission
from app.audit.services import SYSTEM, record
from app.core.clock import local_today, utcnow
from app.core.concurrency import guarded_update
from app.core.errors import Conflict, ValidationFailed
from app.core.idnumber import age_on
from app.core.masking import mask_name
from app.core.models import subtree_codes
from app.extensions import db
from app.people.services import who

from .certs import create_certification
from .models import Application, Objection
from .rules import MET
from .services import assess, raise_transition_error, transition, write_event
from .settings import rules_for, settings_for
from .workflow import (NEXT_LEVEL, STAFF_STEPS, STEP_OF, Action, ObjectionStatus, Status,
                       TransitionError, check_staff_action)


def _check(staff, application, action):
    settings = settings_for(application.region_code)
    try:
        return check_staff_action(
            action, application.status, can=lambda perm: has_permission(staff.role, perm),
            actor_id=staff.id, maker_staff_id=application.entered_by_staff_id,
            escalated_to=application.escalated_to, notice_enabled=settings.notice_enabled)
    except TransitionError as exc:
        raise_transition_error(exc)


def _act(staff, application, action, note=None, **kwargs):
    new_status = _check(staff, application, action)
    level = STEP_OF[Status(application.status)]
    transition(application, action, new_status, who(staff), level=level, note=note,
               **kwargs)
    return application


def _require_note(note):
    if not note or not note.strip():
        raise ValidationFailed("certification.note_required", _l("退回或不予认定时须说明原因"))


def accept_application(staff, application, note=None):
    """Station: the application is complete enough to check (受理)."""
    return _act(staff, application, Action.ACCEPT, note)


def pass_station_check(staff, application, note=None):
    """Station: checked against the documents; forward to the township/street."""
    return _act(staff, application, Action.STATION_PASS, note)


def pass_township_review(staff, application, note=None):
    """Township/street: reviewed; forward to the banner/county HR bureau."""
    return _act(staff, application, Action.TOWNSHIP_PASS, note)


RETURN_ACTIONS = {"station": Action.STATION_RETURN, "township": Action.TOWNSHIP_RETURN,
                  "county": Action.COUNTY_RETURN}


def return_application(staff, application, level, note):
    """Any review level: back to the applicant for more information (resubmittable)."""
    _require_note(note)
    return _act(staff, application, RETURN_ACTIONS[level], note, values={"last_note": note})


def _decided_categories(application, categories):
    """Only categories the facts on record support (met) can be certified: a category that
    is merely unknown needs its facts confirmed and entered first."""
    results = {r["code"]: r for r in assess(application.person, application)["categories"]}
    chosen = list(categories) if categories else \
        [code for code in application.claimed_categories if results[code]["status"] == MET]
    if not chosen:
        raise ValidationFailed("certification.category_required",
                               _l("请选择认定类别（须先核实并录入相应情况）"))
    refused = [c for c in chosen if c not in results or results[c]["status"] != MET]
    if refused:
        raise ValidationFailed("certification.category_not_supported",
                               _l("所选认定类别不符合条件，请先核实更正人员信息"),
                               {"categories": refused,
                                "unmet": {c: results[c]["unmet"] for c in refused if c in results},
                                "missing": {c: results[c]["missing"] for c in refused
                                            if c in results}})
    return sorted(chosen)


def certify_application(staff, application, categories=None, note=None):
    """County: certify. With a public notice configured, certification waits for it."""
    chosen = _decided_categories(application, categories)
    new_status = _check(staff, application, Action.COUNTY_CERTIFY)
    values = {"decided_categories": chosen, "decided_by_staff_id": staff.id}
    transition(application, Action.COUNTY_CERTIFY, new_status, who(staff),
               level="county", note=note, values=values, details={"categories": chosen})
    if new_status == Status.CERTIFIED:
        create_certification(application)
    return application


def reject_application(staff, application, reason, note):
    """County: not certified, with a reason from the rule data and an explanation."""
    reasons = rules_for(application.rules_version).reject_reasons
    if reason not in reasons:
        raise ValidationFailed("certification.reason_unknown", _l("不予认定的原因不正确"),
                               {"reasons": sorted(reasons)})
    _require_note(note)
    return _act(staff, application, Action.COUNTY_REJECT, note,
                values={"reject_reason": reason, "last_note": note,
                        "decided_by_staff_id": staff.id}, details={"reason": reason})


# ------------------------------------------------------------------ public notice

def record_objection(staff, application, summary, channel):
    """An objection received during the notice (by the phone on the notice, or in person)."""
    if application.status != Status.PUBLIC_NOTICE:
        raise Conflict("certification.not_in_notice", _l("该申请不在公示期"))
    objection = Objection(application_id=application.id, summary=summary, channel=channel,
                          status=ObjectionStatus.PENDING, recorded_by_staff_id=staff.id,
                          recorded_at=utcnow())
    db.session.add(objection)
    db.session.flush()
    record("certification.objection_recorded", "application", application.id,
           details={"objection_id": objection.id, "channel": channel})
    return objection


def decide_objection(staff, objection, upheld, note):
    """County: an upheld objection ends the application (rejected); a dismissed one does not.

    Rows are locked in the order every request uses (objection, application, audit head),
    so two decisions cannot deadlock.
    """
    _require_note(note)
    application = db.session.get(Application, objection.application_id)
    if upheld:
        _check(staff, application, Action.NOTICE_UPHOLD)
    elif not has_permission(staff.role, "application.county_decide"):
        raise_transition_error(TransitionError("not_permitted", application.status, "objection"))
    changes = {"status": ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED,
               "decided_by_staff_id": staff.id, "decided_at": utcnow(), "decision_note": note}
    if not guarded_update(objection, {"status": ObjectionStatus.PENDING}, changes):
        raise Conflict("certification.objection_decided", _l("该异议已处理"))
    if upheld:
        _act(staff, application, Action.NOTICE_UPHOLD, note,
             values={"reject_reason": "objection_upheld", "last_note": note})
    record("certification.objection_decided", "application", application.id,
           details={"objection_id": objection.id, "upheld": upheld})
    return objection


def finalize_notice(application, actor=None, today=None):
    """After the notice period with no objection pending, the certification takes effect."""
    today = today or local_today()
    if application.status != Status.PUBLIC_NOTICE:
        raise Conflict("certification.not_in_notice", _l("该申请不在公示期"))
    if application.notice_ends_on and today <= application.notice_ends_on:
        raise Conflict("certification.notice_running", _l("公示期尚未结束"),
                       {"notice_ends_on": application.notice_ends_on.isoformat()})
    pending = db.session.scalar(select(Objection.id).where(
        Objection.application_id == application.id,
        Objection.status == ObjectionStatus.PENDING).limit(1))
    if pending is not None:
        raise Conflict("certification.objections_pending", _l("公示期间的异议尚未处理"))
    transition(application, Action.NOTICE_CLEAR, Status.CERTIFIED,
               actor or "system:notice", level="notice", today=today)
    create_certification(application, today)
    return application


def finalize_notice_by(staff, application):
    """County: the notice ended without pending objections; the certification takes effect."""
    _check(staff, application, Action.NOTICE_CLEAR)
    return finalize_notice(application, who(staff))


def public_notices(region_code, today=None):
    """The notices running in a region: only masked name, sex, age, categories, period,
    the handling station and its phone."""
    today = today or local_today()
    rows = db.session.scalars(select(Application).where(
        Application.status == Status.PUBLIC_NOTICE,
        Application.region_code.in_(subtree_codes(region_code)))
        .order_by(Application.notice_starts_on, Application.id).limit(500)).all()
    entries = []
    for application in rows:
        person, station = application.person, application.station
        labels = {c["code"]: c["label"] for c in rules_for(application.rules_version).categories}
        entries.append({
            "name": mask_name(person.name), "gender": person.gender,
            "age": age_on(person.birth_date, today),
            "categories": [labels.get(c, c) for c in application.decided_categories or []],
            "period": {"starts_on": application.notice_starts_on.isoformat(),
                       "ends_on": application.notice_ends_on.isoformat()},
            "station": station.name, "station_phone": station.phone})
    return entries


def finalize_due_notices(today=None):
    """Batch job: every notice that ended without pending objections takes effect."""
    today = today or local_today()
    # Lock the rows first (skipping any a request holds right now): the same lock order as
    # every request, application before the audit head, so the batch cannot deadlock.
    due = db.session.scalars(select(Application).where(
        Application.status == Status.PUBLIC_NOTICE, Application.notice_ends_on < today)
        .order_by(Application.id).with_for_update(skip_locked=True)).all()
    done = 0
    for application in due:
        try:
            with db.session.begin_nested():
                finalize_notice(application, today=today)
            done += 1
        except Conflict:
            continue
    return done


# ------------------------------------------------------------------ deadlines

def escalate_overdue(today=None, scope_code="150000", actor=None):
    """Every overdue step not yet escalated goes to the next level up (also a batch job)."""
    today = today or local_today()
    rows = db.session.scalars(select(Application).where(
        Application.region_code.in_(subtree_codes(scope_code)),
        Application.status.in_([s.value for s in STAFF_STEPS]),
        Application.step_deadline < today, Application.escalated_to.is_(None))
                              .order_by(Application.id)
                              .with_for_update(skip_locked=True)).all()
    count = 0
    for application in rows:
        level = STEP_OF[Status(application.status)]
        target = NEXT_LEVEL[level]
        if not guarded_update(application, {"status": application.status, "escalated_to": None},
                              {"escalated_to": target, "updated_at": utcnow()}):
            continue
        write_event(application, "escalate", application.status, application.status,
                    actor or f"{SYSTEM.type}:{SYSTEM.id}", level=level,
                    details={"escalated_to": target,
                             "deadline": application.step_deadline.isoformat()})
        count += 1
    return count
