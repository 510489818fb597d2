"""The year's targets per region (notice §1), set by administrators of the region above,
and the rollups the statistics page reads."""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, SmallInteger, String
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


class Rollup(db.Model):
    """Counts per region and month, kept up to date by the events (app/stats/rollup.py).

    `level` 'o' (own): rows whose region_code is exactly this region; 't' (total): this
    region's whole subtree. The page reads the 't' rows of a region and its children only.
    year = month = 0 holds the figures of now (open applications, open cases).
    """
    __tablename__ = "stats_rollup"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(1), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    month: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    figure: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Dirty(db.Model):
    """A region whose own rows of one source (a family of figures: app/stats/rollup.py
    COUNTERS) changed since they were counted; written in the same transaction as the
    change, so no change is ever missed."""
    __tablename__ = "stats_dirty"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
