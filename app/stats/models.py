"""The year's targets per region (notice §1), set by administrators of the region above."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class Target(db.Model):
    __tablename__ = "stats_targets"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    helped: Mapped[int] = mapped_column(Integer)
    disabled_helped: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("helped >= 0 AND disabled_helped >= 0 AND disabled_helped <= helped",
                        name="targets_sane"),
    )
