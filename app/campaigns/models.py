"""A campaign: one message kind, its values, a segment of persons and a send window."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db

BigId = BigInteger().with_variant(Integer, "sqlite")


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"  # created; expanded once its window opens
    EXPANDING = "expanding"  # some batches queued (cursor_person_id says how far)
    QUEUED = "queued"  # every recipient has a message in the outbox
    EXPIRED = "expired"  # the window closed before expansion finished


class PersonStatus(StrEnum):
    ANY = "any"  # every registered person with an active account
    CERTIFIED = "certified"  # holds a live certification
    APPLIED = "applied"  # has an open certification application
    EXITED = "exited"  # had a certification that ended, holds none now


class Campaign(db.Model):
    __tablename__ = "push_campaigns"
    # get_in_scope (app.core.models): what a row of another region answers
    scope_not_found = ("campaign.not_found", _l("活动不存在"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    # Field values of the kind (campaign text, never personal data) and the page query.
    values: Mapped[dict] = mapped_column(JSON)
    # Segment
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    category: Mapped[str | None] = mapped_column(String(32))
    wants: Mapped[str | None] = mapped_column(String(16))
    person_status: Mapped[str] = mapped_column(String(16))
    # Window: nothing is sent before not_before, nor at or after not_after.
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    holiday: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.SCHEDULED, index=True)
    # Expansion progress: persons are taken in id order; this is the last id done.
    cursor_person_id: Mapped[int] = mapped_column(BigId, default=0)
    matched_at_creation: Mapped[int] = mapped_column(Integer)
    enqueued: Mapped[int] = mapped_column(Integer, default=0)
    created_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
