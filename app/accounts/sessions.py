"""Issuing, refreshing and revoking token pairs backed by a server-side session."""
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.audit.services import Actor, record
from app.core.clock import utcnow
from app.core.errors import Unauthorized
from app.extensions import db

from .models import AuthSession, PersonAccount, StaffAccount
from .tokens import AUD_REFRESH, TokenError, decode_token, issue_token, new_jti
from .access import token_settings

SUBJECT_MODELS = {"staff": StaffAccount, "person": PersonAccount}


def _lifetimes(subject_type):
    cfg = current_app.config
    if subject_type == "staff":
        return cfg["STAFF_IDLE_TIMEOUT"], cfg["STAFF_SESSION_MAX"]
    return cfg["PERSON_IDLE_TIMEOUT"], cfg["PERSON_SESSION_MAX"]


def _token_pair(session, account):
    settings = token_settings()
    subject = f"{session.subject_type}:{account.id}"
    access_ttl = current_app.config["ACCESS_TOKEN_TTL"]
    refresh_ttl = int((min(session.idle_expires_at, session.expires_at) - utcnow()).total_seconds())
    return {
        "access_token": issue_token(settings, session.subject_type, subject, access_ttl,
                                    sid=session.id, ver=account.token_version),
        "refresh_token": issue_token(settings, AUD_REFRESH, subject, max(refresh_ttl, 1),
                                     sid=session.id, jti=session.refresh_jti),
        "token_type": "Bearer",
        "expires_in": access_ttl,
    }


def start_session(subject_type, account):
    """Open a session for a freshly authenticated account and return its tokens."""
    now = utcnow()
    idle, absolute = _lifetimes(subject_type)
    session = AuthSession(id=secrets.token_hex(16), subject_type=subject_type,
                          subject_id=account.id, refresh_jti=new_jti(), created_at=now,
                          idle_expires_at=now + timedelta(seconds=idle),
                          expires_at=now + timedelta(seconds=absolute))
    db.session.add(session)
    db.session.flush()
    return _token_pair(session, account)


def refresh_session(refresh_token):
    """Rotate the refresh token. Reusing an old one revokes the whole session (theft sign)."""
    try:
        claims = decode_token(token_settings(), refresh_token, AUD_REFRESH)
    except TokenError as exc:
        raise Unauthorized("auth.refresh_invalid" if exc.reason != "expired"
                           else "auth.refresh_expired", _l("登录已过期，请重新登录"))
    session = db.session.get(AuthSession, claims.get("sid", ""))
    now = utcnow()
    if session is None or not session.is_live(now):
        raise Unauthorized("auth.refresh_invalid", _l("登录已过期，请重新登录"))
    account = db.session.get(SUBJECT_MODELS[session.subject_type], session.subject_id)
    actor = Actor(session.subject_type, session.subject_id)
    if claims.get("jti") != session.refresh_jti:
        revoke_session(session, "refresh_reused", actor)
        db.session.commit()
        raise Unauthorized("auth.refresh_reused", _l("登录凭证已失效，请重新登录"))
    if account is None or not account.active:
        raise Unauthorized("auth.refresh_invalid", _l("登录已过期，请重新登录"))
    idle, _ = _lifetimes(session.subject_type)
    session.refresh_jti = new_jti()
    session.idle_expires_at = min(now + timedelta(seconds=idle), session.expires_at)
    db.session.flush()
    return _token_pair(session, account)


def revoke_session(session, reason, actor=None):
    if session.revoked_at is None:
        session.revoked_at = utcnow()
        session.revoke_reason = reason
        record("auth.session_revoked", "session", session.id[:8], details={"reason": reason},
               actor=actor)


def revoke_all_sessions(subject_type, subject_id, reason):
    """Used when a role, region or password changes: every device signs in again."""
    sessions = db.session.scalars(db.select(AuthSession).where(
        AuthSession.subject_type == subject_type, AuthSession.subject_id == subject_id,
        AuthSession.revoked_at.is_(None))).all()
    for session in sessions:
        session.revoked_at = utcnow()
        session.revoke_reason = reason
    return len(sessions)
