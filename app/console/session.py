"""The console's sign-in: the staff member's server-side session (the same `AuthSession` row
the API's tokens stand on), carried by a cookie instead of a bearer token.

- The cookie is Flask's signed session cookie, holding only the session id, the account's
  token version and the CSRF token; HttpOnly, SameSite=Lax, Secure in production
  (config.py). The session row decides: revoked, idle past STAFF_IDLE_TIMEOUT or older than
  STAFF_SESSION_MAX, or an account whose role, region or password changed since (token
  version) is signed out, exactly as a token would be refused.
- Every request of a live session moves the idle limit on (like a token refresh), never
  past the absolute limit.
- Every form carries a CSRF token bound to the session (a hidden field, or the
  X-CSRF-Token header htmx sends); a POST without the right one is refused.
"""
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l

from app.accounts.access import ACCESS_ATTR, Policy, token_settings
from app.accounts.models import AuthSession, StaffAccount
from app.accounts.roles import has_permission
from app.accounts.sessions import revoke_session
from app.accounts.staff import login_staff
from app.accounts.tokens import AUD_REFRESH, decode_token
from app.audit.services import Actor
from app.core.clock import utcnow
from app.core.errors import Forbidden, Unauthorized, ValidationFailed
from app.extensions import db

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Moving the idle limit writes the session row; once a minute is often enough.
IDLE_BUMP_SECONDS = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SignInRequired(Unauthorized):
    """No live console session: the views answer with the sign-in page."""


def secret_key_for(config):
    """The key that signs the console cookie: SECRET_KEY when set, else one derived from
    JWT_SECRET (which production already requires to be a real secret)."""
    if config.get("SECRET_KEY"):
        return config["SECRET_KEY"]
    return hmac.new(config["JWT_SECRET"].encode(), b"console-session-cookie",
                    hashlib.sha256).hexdigest()


def csrf_token():
    """The session's CSRF token, made on first use (the sign-in form has one too)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf():
    """Refuse a state-changing request whose CSRF token is missing or wrong, and any form
    value with a control character (PostgreSQL refuses NUL in text: a 422, never a 500)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if any(_CONTROL.search(value) for values in request.form.listvalues() for value in values):
        raise ValidationFailed("request.control_characters", _l("请求中不能包含控制字符"))
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("console.csrf", _l("页面已过期，请刷新页面后重新提交"))


def sign_in(username, password, totp_code=None):
    """Verify the staff member exactly as the API's login does (lockout, TOTP, audit), then
    bind the new server-side session to a fresh cookie (no session fixation)."""
    tokens, account = login_staff(username, password, totp_code or None)
    claims = decode_token(token_settings(), tokens["refresh_token"], AUD_REFRESH)
    session.clear()
    session["sid"] = claims["sid"]
    session["ver"] = account.token_version
    csrf_token()
    return account


def _live_session():
    sid = session.get("sid")
    if not sid:
        return None
    row = db.session.execute(
        db.select(AuthSession, StaffAccount)
        .join(StaffAccount, StaffAccount.id == AuthSession.subject_id)
        .where(AuthSession.id == str(sid), AuthSession.subject_type == "staff")).first()
    if row is None:
        return None
    auth_session, staff = row
    now = utcnow()
    if not auth_session.is_live(now) or not staff.active \
            or staff.token_version != session.get("ver"):
        return None
    idle = timedelta(seconds=current_app.config["STAFF_IDLE_TIMEOUT"])
    new_idle = min(now + idle, auth_session.expires_at)
    if (new_idle - auth_session.idle_expires_at).total_seconds() >= IDLE_BUMP_SECONDS:
        auth_session.idle_expires_at = new_idle
        db.session.commit()
    return auth_session, staff


def load_staff():
    """The signed-in staff member for this request, or SignInRequired."""
    found = _live_session()
    if found is None:
        session.pop("sid", None)
        raise SignInRequired("auth.required", _l("请先登录"))
    g.auth_session, g.staff = found
    g.actor = Actor("staff", g.staff.id)
    return g.staff


def sign_out():
    """End the server-side session (audited) and forget the cookie."""
    auth_session = g.get("auth_session")
    if auth_session is not None:
        revoke_session(auth_session, "logout")
        db.session.commit()
    session.clear()


def signed_in(permission=None, body_limit=None):
    """The console's access policy: a live console session, and `permission` when named.
    Declared like the API's (`policy_of` finds it; every route must have one).
    `body_limit` names a config key when a form may exceed MAX_CONTENT_LENGTH (uploads); it
    is set before the form is read."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff = load_staff()
            if body_limit:
                request.max_content_length = current_app.config[body_limit] + 64 * 1024
            check_csrf()
            if permission and not has_permission(staff.role, permission):
                raise Forbidden("auth.forbidden", _l("没有权限执行此操作"),
                                {"permission": permission})
            return view(*args, **kwargs)
        setattr(wrapper, ACCESS_ATTR, Policy("console", permission))
        return wrapper
    return decorate


def may(permission):
    """For templates: whether the signed-in staff member's role holds `permission`."""
    staff = g.get("staff")
    return staff is not None and has_permission(staff.role, permission)
