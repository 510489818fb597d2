"""Holiday schedules loaded by administrators, preferred over the calendar package.

Reference data like the region tree: read by every area that counts working days.
Loading a schedule is an audited operation of the certification area.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db

from .types import UTCDateTime
from .workdays import WorkdayCalendar, YearSchedule


class CalendarYear(db.Model):
    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list] = mapped_column(JSON)   # ISO dates off work
    workdays: Mapped[list] = mapped_column(JSON)   # ISO weekend dates worked (调休)
    source: Mapped[str] = mapped_column(String(255))
    loaded_by: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def schedule(self):
        return YearSchedule(self.year, frozenset(date.fromisoformat(d) for d in self.holidays),
                            frozenset(date.fromisoformat(d) for d in self.workdays))


def current_calendar():
    """The working-day calendar with every loaded year (a handful of small rows)."""
    rows = db.session.scalars(select(CalendarYear)).all()
    return WorkdayCalendar({row.year: row.schedule() for row in rows})
