"""Staff operations: sign-in with lockout and TOTP, account management within a region."""
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import Actor, record
from app.core.clock import utcnow
from app.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from app.core.models import is_within
from app.core.regions import get_region
from app.core.stations import Station
from app.extensions import db

from .models import StaffAccount
from .passwords import password_problems
from .roles import Role
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


def get_staff_in_scope(staff_id, caller):
    """A staff account only if it lies in the caller's subtree; 404 otherwise (never 403)."""
    staff = db.session.get(StaffAccount, staff_id)
    if staff is None or not is_within(staff.region_code, caller.region_code):
        raise NotFound("staff.not_found", _l("工作人员不存在"))
    return staff


def _check_grant(caller, region_code, station_id):
    if not is_within(region_code, caller.region_code):
        raise ValidationFailed("staff.region_out_of_scope", _l("只能授予本辖区内的行政区划"),
                               {"region_code": region_code})
    get_region(region_code)
    if station_id is not None:
        station = db.session.get(Station, station_id)
        if station is None or not is_within(station.region_code, region_code):
            raise ValidationFailed("staff.station_invalid", _l("所属服务站不存在或不在授权辖区内"))


def create_staff(caller, username, display_name, password, role, region_code, station_id=None):
    """Create a staff account inside the caller's own region subtree."""
    Role(role)
    if db.session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
        raise Conflict("staff.username_taken", _l("用户名已被使用"))
    check_password_policy(password, username)
    _check_grant(caller, region_code, station_id)
    staff = StaffAccount(username=username, display_name=display_name, role=role,
                         region_code=region_code, station_id=station_id,
                         password_hash=_hasher().hash(password), active=True, token_version=1,
                         failed_logins=0)
    db.session.add(staff)
    db.session.flush()
    record("staff.created", "staff", staff.id, details={"role": role, "region_code": region_code})
    return staff


def update_staff(caller, staff, role=None, region_code=None, station_id=None, active=None):
    """Change a grant. Any change of role, region or activity invalidates existing tokens."""
    changed = {}
    if role is not None and role != staff.role:
        Role(role)
        changed["role"], staff.role = role, role
    if region_code is not None and region_code != staff.region_code:
        # The station the account keeps (or gets) must lie in the new region.
        _check_grant(caller, region_code, station_id if station_id is not None else staff.station_id)
        changed["region_code"], staff.region_code = region_code, region_code
    if station_id is not None and station_id != staff.station_id:
        _check_grant(caller, staff.region_code, station_id)
        changed["station_id"], staff.station_id = station_id, station_id
    if active is not None and active != staff.active:
        changed["active"], staff.active = active, active
    if changed:
        staff.token_version += 1
        revoke_all_sessions("staff", staff.id, "grant_changed")
        record("staff.updated", "staff", staff.id, details={"changed": sorted(changed)})
    db.session.flush()
    return staff


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
