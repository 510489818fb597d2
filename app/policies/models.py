"""Published versions of the policy catalog. A row is never changed once written: a new
catalog is a new version, so every evaluation can name the exact rules it used."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class PolicyVersion(db.Model):
    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    # The version in force on a day is the one with the latest effective_from on or before
    # it, unless its effective_to has passed: two versions never start on the same day.
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    effective_to: Mapped[date | None] = mapped_column(Date)
    document: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(80))
    published_by: Mapped[str] = mapped_column(String(64))  # "staff:<id>" or "system:<how>"
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
