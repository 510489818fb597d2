"""Certifications: created when an application is certified, re-checked, and ended (exit)
with a reason from the rule data. A person who left may apply again; history is kept."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.core.clock import local_today
from app.core.concurrency import guarded_update
from app.core.errors import Conflict, ValidationFailed
from app.core.hooks import emit
from app.core.models import subtree_codes
from app.core.months import add_months
from app.core.regions import requested_region
from app.extensions import db

from .models import Certification
from .settings import current_rules, settings_for
from .workflow import CertificationStatus


def create_certification(application, today=None):
    today = today or local_today()
    settings = settings_for(application.region_code)
    certification = Certification(
        person_id=application.person_id, application_id=application.id,
        region_code=application.region_code, categories=list(application.decided_categories),
        rules_version=application.rules_version, status=CertificationStatus.ACTIVE,
        starts_on=today,
        next_recheck_on=add_months(today, settings.recheck_months))
    db.session.add(certification)
    db.session.flush()
    record("certification.created", "certification", certification.id,
           details={"application_id": application.id, "categories": certification.categories,
                    "next_recheck_on": certification.next_recheck_on.isoformat()})
    # Higher areas act on it in this transaction (app.tracking opens the person's case).
    emit("certification.created", certification=certification, application=application)
    return certification


def list_certifications(staff, *, status=None, region_code=None, recheck_due_by=None,
                        page=1, per_page=20):
    query = select(Certification).where(
        Certification.region_code.in_(subtree_codes(requested_region(staff, region_code))))
    if status:
        query = query.where(Certification.status == status)
    if recheck_due_by:
        query = query.where(Certification.status == CertificationStatus.ACTIVE,
                            Certification.next_recheck_on <= recheck_due_by)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Certification.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def exit_certification(staff, certification, reason, exited_on, note=None):
    """End a live certification (有进有出) with a reason and the date it applied."""
    reasons = current_rules().exit_reasons
    if reason not in reasons:
        raise ValidationFailed("certification.exit_reason_unknown", _l("退出原因不正确"),
                               {"reasons": sorted(reasons)})
    if exited_on > local_today() or exited_on < certification.starts_on:
        raise ValidationFailed("certification.exit_date", _l("退出日期应在认定日期和今天之间"))
    changes = {"status": CertificationStatus.EXITED, "exit_reason": reason, "exited_on": exited_on,
               "exit_note": note, "exited_by_staff_id": staff.id}
    if not guarded_update(certification, {"status": CertificationStatus.ACTIVE}, changes):
        raise Conflict("certification.already_exited", _l("该认定已退出"))
    record("certification.exited", "certification", certification.id,
           details={"reason": reason, "exited_on": exited_on.isoformat()})
    emit("certification.exited", certification=certification)
    return certification


def recheck_certification(staff, certification, note=None, today=None):
    """The yearly re-check found the person still in difficulty: set the next one."""
    if certification.status != CertificationStatus.ACTIVE:
        raise Conflict("certification.already_exited", _l("该认定已退出"))
    today = today or local_today()
    months = settings_for(certification.region_code).recheck_months
    certification.next_recheck_on = add_months(today, months)
    db.session.flush()
    record("certification.rechecked", "certification", certification.id,
           details={"next_recheck_on": certification.next_recheck_on.isoformat()})
    return certification
