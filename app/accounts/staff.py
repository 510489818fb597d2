"""Staff operations: sign-in with lockout and TOTP, account management within a region."""
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import Actor, record
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from app.core.hooks import emit
from app.core.models import is_within, subtree_codes
from app.core.regions import get_region, region_in_scope
from app.core.stations import Station
from app.extensions import db

from .models import StaffAccount, StaffGrantRequest
from .passwords import password_problems
from .roles import Role, needs_second_approval
from .sessions import revoke_all_sessions, start_session

BAD_CREDENTIALS = _l("用户名或密码错误，或账号已被暂时锁定")


def _hasher():
    return current_app.extensions["password_hasher"]


def check_password_policy(password, username):
    problems = password_problems(password, username, current_app.config["PASSWORD_MIN_LENGTH"])
    if problems:
        raise ValidationFailed("auth.weak_password",
                               _l("密码至少8位，且包含大写字母、小写字母、数字、符号中的三类，不能包含用户名"),
                               {"problems": problems})


def _fail_login(staff, reason):
    """Count the failure and commit it before refusing, so lockout survives the error."""
    cfg = current_app.config
    staff.failed_logins += 1
    if staff.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        staff.locked_until = utcnow() + timedelta(seconds=cfg["LOGIN_LOCKOUT_SECONDS"])
        staff.failed_logins = 0
    record("auth.staff_login", "staff", staff.id, result="denied", details={"reason": reason},
           actor=Actor("staff", staff.id))
    db.session.commit()
    raise Unauthorized("auth.invalid_credentials", BAD_CREDENTIALS)


def _check_totp(staff, code):
    if not code:
        raise Unauthorized("auth.totp_required", _l("请输入动态验证码"))
    totp = pyotp.TOTP(staff.totp_secret)
    now = utcnow()
    step = int(now.timestamp()) // totp.interval
    # One step of drift either way; a code already used cannot be replayed.
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * totp.interval) == code and candidate != staff.totp_last_step \
                and (staff.totp_last_step is None or candidate > staff.totp_last_step):
            staff.totp_last_step = candidate
            return True
    return False


def login_staff(username, password, totp_code=None):
    """Verify password (and TOTP when enabled); return a token pair and the account."""
    staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    password_ok = _hasher().verify(staff.password_hash if staff else None, password)
    if staff is None or not staff.active:
        record("auth.staff_login", "staff", None, result="denied",
               details={"reason": "unknown_or_inactive"})
        db.session.commit()
        raise Unauthorized("auth.invalid_credentials", BAD_CREDENTIALS)
    if staff.locked_until and staff.locked_until > utcnow():
        record("auth.staff_login", "staff", staff.id, result="denied", details={"reason": "locked"},
               actor=Actor("staff", staff.id))
        db.session.commit()
        raise Unauthorized("auth.invalid_credentials", BAD_CREDENTIALS)
    if not password_ok:
        _fail_login(staff, "bad_password")
    if staff.totp_enabled and not _check_totp(staff, totp_code):
        if not totp_code:
            raise Unauthorized("auth.totp_required", _l("请输入动态验证码"))
        _fail_login(staff, "bad_totp")
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = utcnow()
    tokens = start_session("staff", staff)
    record("auth.staff_login", "staff", staff.id, actor=Actor("staff", staff.id))
    return tokens, staff


def list_staff(caller, page=1, per_page=20):
    """The staff accounts of the caller's subtree, oldest first, one page."""
    query = (select(StaffAccount)
             .where(StaffAccount.region_code.in_(subtree_codes(caller.region_code)))
             .order_by(StaffAccount.id)
             .limit(per_page).offset((page - 1) * per_page))
    return db.session.scalars(query).all()


def check_grant_scope(caller, region_code, station_id):
    """A region (and station) the caller may grant: their own subtree only (scope idiom:
    another region answers 404 region.not_found, like one that does not exist)."""
    region_in_scope(caller, get_region(region_code).code)
    if station_id is not None:
        station = db.session.get(Station, station_id)
        if station is None or not is_within(station.region_code, region_code):
            raise ValidationFailed("staff.station_invalid", _l("所属服务站不存在或不在授权辖区内"))


def refuse(action, target_type, target_id, code, message):
    """Refuse a grant operation with 403, keeping the attempt in the audit trail."""
    record(action, target_type, target_id, result="denied", details={"reason": code})
    db.session.commit()  # only the audit entry: nothing else was written before the refusal
    raise Forbidden(code, message)


def check_username_free(username):
    if db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
        raise Conflict("staff.username_taken", _l("用户名已被使用"))


def create_staff(caller, username, display_name, password, role, region_code, station_id=None):
    """Create a staff account inside the caller's own region subtree. A role that reads or
    decides on persons is only requested: a StaffGrantRequest is returned instead."""
    Role(role)
    check_username_free(username)
    check_password_policy(password, username)
    check_grant_scope(caller, region_code, station_id)
    values = {"username": username, "display_name": display_name,
              "password_hash": _hasher().hash(password), "role": role,
              "region_code": region_code, "station_id": station_id}
    if needs_second_approval(role):
        return _request_grant(caller, "create", None, values)
    return add_account(**values)


def add_account(username, display_name, password_hash, role, region_code, station_id,
                grant_id=None):
    staff = StaffAccount(username=username, display_name=display_name, role=role,
                         region_code=region_code, station_id=station_id,
                         password_hash=password_hash, active=True, token_version=1,
                         failed_logins=0)
    db.session.add(staff)
    db.session.flush()
    record("staff.created", "staff", staff.id,
           details={"role": role, "region_code": region_code, "grant_request": grant_id})
    return staff


def grant_changes(caller, staff, role=None, region_code=None, station_id=None, active=None):
    """The changes a request would make, checked against the caller's scope; nothing applied."""
    changes = {}
    if role is not None and role != staff.role:
        changes["role"] = Role(role).value
    if region_code is not None and region_code != staff.region_code:
        # The station the account keeps (or gets) must lie in the new region.
        kept = station_id if station_id is not None else staff.station_id
        check_grant_scope(caller, region_code, kept)
        changes["region_code"] = region_code
    if station_id is not None and station_id != staff.station_id:
        check_grant_scope(caller, changes.get("region_code", staff.region_code), station_id)
        changes["station_id"] = station_id
    if active is not None and active != staff.active:
        changes["active"] = active
    return changes


def _widens_power(staff, changes):
    """A change that gives or moves a person-reading (or granting) role waits for approval;
    taking power away (deactivation, a role without it) takes effect at once."""
    if not needs_second_approval(changes.get("role", staff.role)):
        return False
    return bool({"role", "region_code", "station_id"} & changes.keys()) \
        or changes.get("active") is True


def update_staff(caller, staff, role=None, region_code=None, station_id=None, active=None):
    """Change a grant. Nobody changes their own; one that widens power is only requested
    (a StaffGrantRequest is returned). Applied changes invalidate existing tokens."""
    if staff.id == caller.id and any(v is not None for v in (role, region_code, station_id,
                                                            active)):
        refuse("staff.update", "staff", staff.id, "staff.self_change",
               _l("不能修改自己的角色、辖区、服务站或账号状态"))
    changes = grant_changes(caller, staff, role, region_code, station_id, active)
    if _widens_power(staff, changes):
        values = {"role": changes.get("role"), "station_id": changes.get("station_id"),
                  "region_code": changes.get("region_code", staff.region_code),
                  "active": changes.get("active")}
        return _request_grant(caller, "update", staff, values)
    apply_changes(staff, changes)
    return staff


def apply_changes(staff, changes, grant_id=None):
    for name, value in changes.items():
        setattr(staff, name, value)
    if changes:
        staff.token_version += 1
        revoke_all_sessions("staff", staff.id, "grant_changed")
        record("staff.updated", "staff", staff.id,
               details={"changed": sorted(changes), "grant_request": grant_id})
    db.session.flush()
    if changes:  # what the account is responsible for may have to change hands (tracking)
        emit("accounts.staff_changed", staff=staff)


def _request_grant(caller, kind, staff, values):
    """Store a grant for a second security admin to approve (two-person rule)."""
    grant = StaffGrantRequest(kind=kind, status="pending", staff_id=staff.id if staff else None,
                              requested_by=caller.id, requested_at=utcnow(), **values)
    db.session.add(grant)
    db.session.flush()
    record("staff.grant_requested", "staff_grant_request", grant.id,
           details={"kind": kind, "staff_id": grant.staff_id, "role": grant.role,
                    "region_code": grant.region_code})
    return grant


def change_password(staff, old_password, new_password):
    if not _hasher().verify(staff.password_hash, old_password):
        raise Unauthorized("auth.invalid_credentials", _l("原密码不正确"))
    check_password_policy(new_password, staff.username)
    staff.password_hash = _hasher().hash(new_password)
    staff.token_version += 1
    revoke_all_sessions("staff", staff.id, "password_changed")
    record("auth.password_changed", "staff", staff.id)


def begin_totp_setup(staff):
    """A new secret to scan into an authenticator app; active only after enable_totp()."""
    staff.totp_secret = pyotp.random_base32()
    staff.totp_enabled = False
    staff.totp_last_step = None
    uri = pyotp.TOTP(staff.totp_secret).provisioning_uri(
        name=staff.username, issuer_name=current_app.config["TOTP_ISSUER"])
    record("auth.totp_setup", "staff", staff.id)
    return {"secret": staff.totp_secret, "otpauth_uri": uri}


def enable_totp(staff, code):
    if not staff.totp_secret or not _check_totp(staff, code):
        raise ValidationFailed("auth.totp_invalid", _l("动态验证码不正确"))
    staff.totp_enabled = True
    record("auth.totp_enabled", "staff", staff.id)
