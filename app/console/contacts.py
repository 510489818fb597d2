"""The person's help case on their record page (responsible worker, open tasks, contacts)
and recording a contact (联系对接) from it, through the help loop's services."""
from datetime import date

from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.roles import has_permission
from app.core.concurrency import retrying
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db
from app.people.models import Person
from app.tracking.cases import open_case_of
from app.tracking.hires import record_hire
from app.tracking.models import Task
from app.tracking.work import contacts_of, record_contact

from .base import bp
from .formkeys import once
from .session import signed_in

CHANNELS = {"visit": _l("入户走访"), "phone": _l("电话"), "wechat": _l("微信"),
            "station": _l("到站")}
OUTCOMES = {"reached": _l("已联系上"), "unreached": _l("未联系上"), "refused": _l("拒绝服务")}
TASK_KINDS = {"next_step": _l("下一步安排"), "help_request": _l("求助"), "follow_up": _l("就业回访"),
              "expiry_assessment": _l("到期评估"), "job_help": _l("就业帮扶")}
NOTE_MAX, STEP_MAX = 500, 64


def case_context(staff, person):
    """What the record page shows of the person's open case (None without one, or for a
    role outside the help loop)."""
    if not has_permission(staff.role, "tracking.work"):
        return None
    case = open_case_of(person.id)
    if case is None:
        return None
    tasks = db.session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")
                               .order_by(Task.due_on, Task.id).limit(50)).all()
    return {"case": case, "tasks": tasks, "contacts": contacts_of(case, limit=20),
            "channels": CHANNELS, "outcomes": OUTCOMES, "kinds": TASK_KINDS}


def _choice(name, choices, code, message):
    value = request.form.get(name, "")
    if value not in choices:
        raise ValidationFailed(code, message, {"field": name})
    return value


def _contact_form():
    """The form's fields checked one by one, each with its own code and message."""
    form = request.form
    channel = _choice("channel", CHANNELS, "console.contact_channel", _l("请选择联系方式"))
    outcome = _choice("outcome", OUTCOMES, "console.contact_outcome", _l("请选择联系结果"))
    try:
        contacted_on = date.fromisoformat(form.get("contacted_on", ""))
    except ValueError:
        raise ValidationFailed("console.contact_date", _l("请填写联系日期（年-月-日）"),
                               {"field": "contacted_on"}) from None
    note = form.get("note", "").strip() or None
    next_step = form.get("next_step", "").strip() or None
    if (note and len(note) > NOTE_MAX) or (next_step and len(next_step) > STEP_MAX):
        raise ValidationFailed("console.contact_too_long",
                               _l("情况说明最多500字，下一步安排最多64字"))
    days = form.get("next_step_days", "").strip()
    try:
        next_step_days = int(days) if days else None
    except ValueError:
        raise ValidationFailed("console.contact_days", _l("办理时限须为1至30个工作日"),
                               {"field": "next_step_days"}) from None
    if next_step_days is not None and not 1 <= next_step_days <= 30:
        raise ValidationFailed("console.contact_days", _l("办理时限须为1至30个工作日"),
                               {"field": "next_step_days"})
    return {"channel": channel, "outcome": outcome, "contacted_on": contacted_on, "note": note,
            "next_step": next_step, "next_step_days": next_step_days}


@bp.route("/people/<bigid:person_id>/contacts", methods=["POST"])
@signed_in("tracking.work")
@once
@retrying
def person_contact(person_id):
    """Record a contact on the person's open case; a next step becomes a task."""
    person = get_in_scope(Person, g.staff, person_id)
    case = open_case_of(person.id)
    if case is None:
        raise NotFound("tracking.no_case", _l("该人员没有在帮扶中的档案"))
    try:
        record_contact(g.staff, case, **_contact_form())
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        from .people import person_page
        return person_page(person.id, code=exc.status, contact_error=exc,
                           contact_form=request.form.to_dict())
    db.session.commit()
    return redirect(url_for("console.person", person_id=person.id, contact="1") + "#h-case", 303)


def _hire_form():
    form = request.form
    employer = form.get("employer", "").strip()
    job_title = form.get("job_title", "").strip()
    if not 2 <= len(employer) <= 128 or not 1 <= len(job_title) <= 64:
        raise ValidationFailed("console.hire_fields", _l("请填写用人单位（2至128字）和岗位（1至64字）"))
    try:
        starts_on = date.fromisoformat(form.get("starts_on", ""))
    except ValueError:
        raise ValidationFailed("console.hire_date", _l("请填写入职日期（年-月-日）"),
                               {"field": "starts_on"}) from None
    return {"employer": employer, "job_title": job_title, "starts_on": starts_on}


@bp.route("/people/<bigid:person_id>/hires", methods=["POST"])
@signed_in("tracking.work")
@once
@retrying
def person_hire(person_id):
    """Record a job the person took (not through a recommendation): the help loop schedules
    the follow-ups and the statistics count the person as helped into work."""
    person = get_in_scope(Person, g.staff, person_id)
    try:
        record_hire(g.staff, person, **_hire_form())
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        from .people import person_page
        return person_page(person.id, code=exc.status, hire_error=exc,
                           hire_form=request.form.to_dict())
    db.session.commit()
    return redirect(url_for("console.person", person_id=person.id, hired="1") + "#h-hire", 303)
