"""Sign-in, sign-out, Today, the scan and the audited reveal of a masked field."""
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.accounts.access import access, reveals_personal_data
from app.certification.settings import current_rules
from app.codes.services import PURPOSES, resolve
from app.core.clock import local_today
from app.core.errors import AppError, ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db, limiter
from app.people.models import Person
from app.people.services import REVEALABLE, reveal_field

from .base import bp, page
from .session import check_csrf, signed_in, sign_in, sign_out
from .today import due_today

PURPOSE_LABELS = {"employment_service": _l("就业服务"), "job_referral": _l("岗位推荐"),
                  "policy_handling": _l("政策办理"), "certification_review": _l("认定审核"),
                  "follow_up": _l("跟踪回访")}
FIELD_LABELS = {"id_number": _l("身份证号"), "phone": _l("手机号"), "name": _l("姓名")}
MAX_CODE_LENGTH = 512


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target):
    """Only a path inside the console: never an open redirect."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/"):
        return url_for("console.today")
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/login", methods=["GET"])
@access.public
def login():
    """The sign-in form."""
    return page("login.html", next=request.args.get("next", ""))


@bp.route("/login", methods=["POST"])
@access.public
@limiter.limit(_login_limit)
def login_submit():
    """Sign in with the staff account (and the dynamic code when the account has one)."""
    check_csrf()
    form = request.form
    try:
        sign_in(form.get("username", "")[:64], form.get("password", "")[:128],
                form.get("totp_code", "").strip()[:12])
    except AppError as exc:
        db.session.rollback()
        return page("login.html", code=exc.status, error=exc, next=form.get("next", ""),
                    username=form.get("username", "")[:64])
    db.session.commit()
    return redirect(_safe_next(form.get("next")), 303)


@bp.route("/logout", methods=["POST"])
@signed_in()
def logout():
    """Sign out: the server-side session ends at once."""
    sign_out()
    return redirect(url_for("console.login"), 303)


@bp.route("/", methods=["GET"])
@signed_in()
def today():
    """今日待办: one section per area with something due, overdue first."""
    day = local_today()
    return page("today.html", sections=due_today(g.staff, day), today=day)


@bp.route("/scan", methods=["GET"])
@signed_in("code.resolve")
def scan():
    """The scan field: a USB scanner types the code and Enter."""
    return page("scan.html", purposes=PURPOSE_LABELS, purpose="employment_service")


@bp.route("/scan", methods=["POST"])
@signed_in("code.resolve")
def scan_submit():
    """Resolve a scanned or typed code with its purpose: the API's scoped, audited resolve."""
    content = request.form.get("content", "").strip()[:MAX_CODE_LENGTH]
    purpose = request.form.get("purpose", "")
    if purpose not in PURPOSES:
        raise ValidationFailed("console.purpose_required", _l("请选择扫码用途"))
    if not content:
        raise ValidationFailed("console.code_required", _l("请扫描或输入就业服务码"))
    result = resolve(g.staff, content, purpose)
    db.session.commit()
    return page("scan.html", "scan_result.html", purposes=PURPOSE_LABELS, purpose=purpose,
                result=result, today=local_today(),
                category_labels={c["code"]: c["label"] for c in current_rules().categories})


@bp.route("/people/<bigid:person_id>/reveal", methods=["POST"])
@signed_in("person.reveal")
@reveals_personal_data
def reveal(person_id):
    """The full value of one masked field, for a stated purpose; audited like the API's."""
    field = request.form.get("field", "")
    purpose = request.form.get("purpose", "").strip()[:200]
    if field not in REVEALABLE:
        raise ValidationFailed("console.field_unknown", _l("不能查看该项信息"))
    if len(purpose) < 2:
        raise ValidationFailed("console.purpose_required", _l("请填写查看完整信息的用途"))
    person = get_in_scope(Person, g.staff, person_id)
    value = reveal_field(g.staff, person, field, purpose)
    db.session.commit()
    return page("revealed.html", "revealed_fragment.html", field=field,
                label=FIELD_LABELS[field], value=value, person_id=person.id)
