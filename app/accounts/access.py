"""Who may call what. Every route declares a policy (SECURITY.md 13): a test walks the URL
map and fails on any view without one.

    @access.public                      anyone, no token
    @access.person                      a signed-in job seeker (person audience)
    @access.staff()                     any signed-in staff member
    @access.staff("staff.manage")       staff whose role holds the permission
    @access.person_or_staff("push.read") a person, or staff whose role holds the permission;
                                        the view scopes the object to whichever it is
"""
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from app.audit.services import Actor
from app.core.clock import utcnow
from app.core.errors import Forbidden, Unauthorized
from app.extensions import db

from .models import AuthSession, PersonAccount, StaffAccount
from .roles import has_permission
from .tokens import AUD_PERSON, AUD_STAFF, TokenError, TokenSettings, decode_token

ACCESS_ATTR = "_access_policy"
REVEAL_ATTR = "_reveals_personal_data"


@dataclass(frozen=True)
class Policy:
    kind: str  # "public" | "person" | "staff"
    permission: str | None = None


def token_settings():
    cfg = current_app.config
    return TokenSettings(cfg["JWT_SECRET"], tuple(cfg["JWT_ALGORITHMS"]), cfg["JWT_ISSUER"])


def _bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("auth.required", _l("请先登录"))
    return token.strip()


def _invalid(reason="invalid"):
    if reason == "expired":
        return Unauthorized("auth.token_expired", _l("登录已过期，请重新登录"))
    return Unauthorized("auth.token_invalid", _l("登录凭证无效，请重新登录"))


_SUBJECT_QUERIES = {}


def _subject_query(audience, model):
    """The session-and-account statement, built once per audience: a statement object used
    again keeps SQLAlchemy's memoized cache key, and building and keying it anew cost more
    CPU than the statement itself on every authenticated request."""
    query = _SUBJECT_QUERIES.get((audience, model))
    if query is None:
        query = _SUBJECT_QUERIES[(audience, model)] = (
            select(AuthSession, model).join(model, model.id == AuthSession.subject_id)
            .where(AuthSession.id == bindparam("sid"), AuthSession.subject_type == audience))
    return query


def _load_subject(audience, model, extend=None):
    """Decode the bearer token, then check its session and account are still live.

    `extend(query)`: the statement with a view's own columns (outer-joined to the account)
    read in the same round trip, kept in g.subject_extra; every check below runs as without
    them. It should return the same statement object for the same inputs (see
    _subject_query)."""
    try:
        claims = decode_token(token_settings(), _bearer_token(), audience)
    except TokenError as exc:
        raise _invalid(exc.reason)
    kind, _, raw_id = str(claims["sub"]).partition(":")
    if kind != audience or not raw_id.isdigit():
        raise _invalid()
    # Session and account in one round trip: this runs before every authenticated request.
    query = _subject_query(audience, model)
    if extend is not None:
        query = extend(query)
    row = db.session.execute(query, {"sid": str(claims.get("sid", ""))}).first()
    if row is None:
        raise _invalid()
    session, account = row[0], row[1]
    if str(session.subject_id) != raw_id or not session.is_live(utcnow()):
        raise _invalid()
    if not account.active or account.token_version != claims.get("ver"):
        raise _invalid()
    g.auth_session = session
    g.actor = Actor(audience, account.id)
    g.subject_extra = row if extend is not None else None
    return account


def current_staff():
    return g.staff


def current_person_account():
    return g.person_account


def current_person_account_or_none():
    """For person_or_staff views: the person caller, or None when staff called."""
    return g.get("person_account")


def current_staff_or_none():
    """For person_or_staff views: the staff caller, or None when a person called."""
    return g.get("staff")


def _declare(view, policy, check):
    @wraps(view)
    def wrapper(*args, **kwargs):
        check()
        return view(*args, **kwargs)
    setattr(wrapper, ACCESS_ATTR, policy)
    return wrapper


class _Access:
    def public(self, view):
        return _declare(view, Policy("public"), lambda: None)

    def person(self, view):
        def check():
            g.person_account = _load_subject(AUD_PERSON, PersonAccount)
        return _declare(view, Policy("person"), check)

    def person_reading(self, extend):
        """@access.person, whose statement also reads `extend(query)`'s columns (a hot view
        saves its own round trip): the row is in g.subject_extra."""
        def check():
            g.person_account = _load_subject(AUD_PERSON, PersonAccount, extend)

        def decorate(view):
            return _declare(view, Policy("person"), check)
        return decorate

    def staff(self, permission=None):
        def check():
            staff = _load_subject(AUD_STAFF, StaffAccount)
            if permission and not has_permission(staff.role, permission):
                raise Forbidden("auth.forbidden", _l("没有权限执行此操作"),
                                {"permission": permission})
            g.staff = staff

        def decorate(view):
            return _declare(view, Policy("staff", permission), check)
        return decorate

    def person_or_staff(self, permission):
        """A person token, or a staff token whose role holds `permission`."""
        def check():
            g.person_account = g.staff = None
            try:
                g.person_account = _load_subject(AUD_PERSON, PersonAccount)
                return
            except Unauthorized:
                pass  # not a live person token: it must then be a staff token
            staff = _load_subject(AUD_STAFF, StaffAccount)
            if not has_permission(staff.role, permission):
                raise Forbidden("auth.forbidden", _l("没有权限执行此操作"),
                                {"permission": permission})
            g.staff = staff

        def decorate(view):
            return _declare(view, Policy("person_or_staff", permission), check)
        return decorate


access = _Access()


def reveals_personal_data(view):
    """Marks the few views allowed to return unmasked ID numbers or phones (audited reveals)."""
    setattr(view, REVEAL_ATTR, True)
    return view


def policy_of(view):
    return getattr(view, ACCESS_ATTR, None)
