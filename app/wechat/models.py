"""Push tables: subscription quotas, the outbox, its attempt history, the shared token cache."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import EncryptedText, UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker (also between retries: see next_attempt_at)
    SENDING = "sending"  # claimed by a worker under a lease
    SENT = "sent"  # accepted by WeChat or the SMS provider (see channel)
    FAILED = "failed"  # given up; last_error says why
    UNKNOWN = "unknown"  # a worker died while the send was on the wire: not resent (see worker)
    EXPIRED = "expired"  # its send window (expires_at) closed before it was sent; never sent


class PushSubscription(db.Model):
    """How many messages a person account may still receive with one WeChat template.

    One-time subscriptions: each "accept" from wx.requestSubscribeMessage adds one; each
    send uses one; WeChat's 43101 (nothing left) sets it to 0; "ban" sets it to 0.
    """
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_account_id: Mapped[int] = mapped_column(ForeignKey("person_accounts.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    quota: Mapped[int] = mapped_column(Integer, default=0)
    accepted_total: Mapped[int] = mapped_column(Integer, default=0)
    last_result: Mapped[str | None] = mapped_column(String(8))  # accept|reject|ban|filter
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("person_account_id", "template_id"),)


class PushMessage(db.Model):
    """One message in the outbox. Written in the caller's transaction; sent by the worker.

    `payload` holds the rendered WeChat data and SMS parameters, encrypted at rest (values
    may name a person). No openid or phone is stored here: the worker reads them from the
    person account when it sends.
    """
    __tablename__ = "push_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    person_account_id: Mapped[int] = mapped_column(ForeignKey("person_accounts.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    page: Mapped[str | None] = mapped_column(String(512))
    payload: Mapped[str] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED)
    channel: Mapped[str] = mapped_column(String(8), default="wechat")
    fallback_reason: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(64))
    # A WeChat quota reserved for this message and not yet used or returned.
    quota_held: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    channel_attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The claim: which worker holds the row, until when, and whether a send has begun.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_flight_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    # Never sent at or after this moment (a campaign's not_after); None: no deadline.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The campaign that queued it (app.campaigns), for its counts. A tag, not a foreign key:
    # the push layer sits below campaigns and knows nothing about them.
    campaign_id: Mapped[int | None] = mapped_column(BigId, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempts: Mapped[list["PushAttempt"]] = relationship(order_by="PushAttempt.id",
                                                         viewonly=True)

    __table_args__ = (
        Index("ix_push_messages_due", "status", "next_attempt_at"),
        Index("ix_push_messages_lease", "status", "lease_until"),
    )


class PushAttempt(db.Model):
    """One try on one channel. Never personal data: codes and provider messages only."""
    __tablename__ = "push_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("push_messages.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(8))
    worker: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(16))  # sent|retry|fallback|failed|unknown
    errcode: Mapped[str | None] = mapped_column(String(64))
    errmsg: Mapped[str | None] = mapped_column(String(200))


class WeChatToken(db.Model):
    """wechatpy session storage in the database, when no Redis is configured."""
    __tablename__ = "wechat_tokens"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(EncryptedText)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
