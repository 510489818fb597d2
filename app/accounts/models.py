"""Staff accounts, person (WeChat) accounts and server-side sessions."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

from .roles import ROLE_LABELS, Role


class StaffAccount(db.Model):
    __tablename__ = "staff_accounts"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("staff.not_found", _l("工作人员不存在"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on role/region change, password change and deactivation: old tokens die.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def role_label(self):
        return ROLE_LABELS[Role(self.role)]


class StaffGrantRequest(db.Model):
    """A grant waiting for a second security admin (two-person rule, issue 12).

    Giving a role that reads or decides on persons (or the security admin role itself) is
    stored here instead of taking effect; a different security admin approves or rejects it
    exactly once. For "create" the account does not exist until approval; for "update" the
    columns hold the requested values (None: unchanged) and region_code the region after it.
    """
    __tablename__ = "staff_grant_requests"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("staff.grant_not_found", _l("授权申请不存在"))

    def scope_regions(self):
        """A grant lies in the region it grants and, for an existing account, where that
        account is now (get_in_scope); the account is read only when the first is within."""
        yield self.region_code
        if self.staff_id is not None:
            yield db.session.get(StaffAccount, self.staff_id).region_code

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "create" | "update"
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(64))
    # Only while a "create" is pending; cleared when it is decided.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    active: Mapped[bool | None] = mapped_column(Boolean)
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def role_label(self):
        return ROLE_LABELS[Role(self.role)] if self.role else None


class PersonAccount(db.Model):
    """A WeChat identity (openid). It is tied to a real person only after real-name checks."""
    __tablename__ = "person_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # The legal basis for holding the phone number (PIPL art. 13/14): notice version + time.
    privacy_notice_version: Mapped[str | None] = mapped_column(String(32))
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthSession(db.Model):
    """Server-side session behind a pair of tokens: logout and idle expiry work here."""
    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(8))  # "staff" | "person"
    subject_id: Mapped[int] = mapped_column(Integer)
    refresh_jti: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (db.Index("ix_auth_sessions_subject", "subject_type", "subject_id"),)

    def is_live(self, now):
        return self.revoked_at is None and now < self.expires_at and now < self.idle_expires_at
