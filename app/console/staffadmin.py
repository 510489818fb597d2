"""Staff accounts for the security admin (人员账号管理): the accounts of their subtree, a new
account, a change of role, region or status, and the grants waiting for a second security
admin (two-person rule). The API's services act (app.accounts.staff, app.accounts.grants);
they refuse changes to one's own account and approvals of one's own requests."""
import re

from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.accounts import grants
from app.accounts import staff as staff_ops
from app.accounts.models import StaffAccount, StaffGrantRequest
from app.accounts.roles import ROLE_LABELS, Role
from app.core.errors import AppError, ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db

from .base import bp, page
from .formkeys import once
from .session import signed_in

PER_PAGE = 100
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
REGION = re.compile(r"^\d{6}(\d{3}){0,2}$")


def _role(value, required):
    if not value and not required:
        return None
    if value not in {r.value for r in Role}:
        raise ValidationFailed("console.staff_role", _l("请选择角色"), {"field": "role"})
    return value


def _region(value, required):
    if not value and not required:
        return None
    if not REGION.match(value):
        raise ValidationFailed("console.staff_region", _l("行政区划代码应为6、9或12位数字"),
                               {"field": "region_code"})
    return value


def _station(value):
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise ValidationFailed("console.staff_station", _l("服务站编号应为数字"),
                               {"field": "station_id"})
    return int(value)


def create_form():
    form = request.form
    username = form.get("username", "").strip()[:64]
    if not USERNAME.match(username):
        raise ValidationFailed("console.staff_username",
                               _l("用户名须为3至64位字母、数字或 _ . -"), {"field": "username"})
    display_name = form.get("display_name", "").strip()
    if not 1 <= len(display_name) <= 64:
        raise ValidationFailed("console.staff_display_name", _l("请填写姓名（最多64字）"),
                               {"field": "display_name"})
    return {"username": username, "display_name": display_name,
            "password": form.get("password", "")[:256],
            "role": _role(form.get("role", ""), True),
            "region_code": _region(form.get("region_code", "").strip(), True),
            "station_id": _station(form.get("station_id", "").strip())}


def update_form():
    form = request.form
    active = {"": None, "1": True, "0": False}.get(form.get("active", ""), None)
    return {"role": _role(form.get("role", ""), False),
            "region_code": _region(form.get("region_code", "").strip(), False),
            "station_id": _station(form.get("station_id", "").strip()), "active": active}


def staff_page(code=200, **context):
    return page("staff.html", code=code, accounts=staff_ops.list_staff(g.staff, 1, PER_PAGE),
                pending=grants.list_pending_grants(g.staff, 1, PER_PAGE), roles=ROLE_LABELS,
                done=request.args.get("done", ""), **context)


def _outcome(result):
    return "requested" if isinstance(result, StaffGrantRequest) else "saved"


@bp.route("/staff", methods=["GET"])
@signed_in("staff.manage")
def staff_accounts():
    """The accounts of the subtree, the grants waiting for approval and the new-account form."""
    return staff_page()


@bp.route("/staff", methods=["POST"])
@signed_in("staff.manage")
@once
def staff_create():
    """A new account; one that reads or decides on persons waits for a second admin."""
    try:
        result = staff_ops.create_staff(g.staff, **create_form())
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (404, 409, 422):
            raise
        return staff_page(code=exc.status, error=exc, typed=request.form)
    db.session.commit()
    return redirect(url_for("console.staff_accounts", done=_outcome(result)), 303)


@bp.route("/staff/<bigid:staff_id>", methods=["GET"])
@signed_in("staff.manage")
def staff_account(staff_id):
    """One account and the form to change its role, region, station or status."""
    account = get_in_scope(StaffAccount, g.staff, staff_id)
    return page("staff_account.html", account=account, roles=ROLE_LABELS)


@bp.route("/staff/<bigid:staff_id>", methods=["POST"])
@signed_in("staff.manage")
@once
def staff_update(staff_id):
    """Change a grant; widening power only requests it (two-person rule)."""
    account = get_in_scope(StaffAccount, g.staff, staff_id)
    try:
        result = staff_ops.update_staff(g.staff, account, **update_form())
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (404, 409, 422):
            raise
        return page("staff_account.html", code=exc.status, account=account, roles=ROLE_LABELS,
                    error=exc, typed=request.form)
    db.session.commit()
    return redirect(url_for("console.staff_accounts", done=_outcome(result)), 303)


@bp.route("/staff/grants/<bigid:grant_id>/approve", methods=["POST"])
@signed_in("staff.manage")
@once
def staff_grant_approve(grant_id):
    """A second security admin approves: the grant takes effect exactly once."""
    grants.approve_grant(g.staff, grant_id)
    db.session.commit()
    return redirect(url_for("console.staff_accounts", done="approved"), 303)


@bp.route("/staff/grants/<bigid:grant_id>/reject", methods=["POST"])
@signed_in("staff.manage")
@once
def staff_grant_reject(grant_id):
    """Reject a grant (or withdraw one's own request): nothing takes effect."""
    grants.reject_grant(g.staff, grant_id)
    db.session.commit()
    return redirect(url_for("console.staff_accounts", done="rejected"), 303)
