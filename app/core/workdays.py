"""Chinese working days (RULES.md "Working days"). Pure: no Flask, no database.

Three sources, in order of preference for a given year:
1. a schedule an administrator loaded as data (the State Council publishes each year's
   holidays and make-up working days late in the year before);
2. the `chinesecalendar` package, which knows 2004-2026 and raises for later years;
3. weekends only, flagged as an estimate and logged loudly: a deadline is never refused
   because nobody has loaded next year's schedule yet.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import chinese_calendar

log = logging.getLogger(__name__)

LOADED, PACKAGE, FALLBACK = "loaded", "package", "fallback"
MAX_DAYS = 366  # a deadline further out than a year is a configuration mistake


@dataclass(frozen=True)
class YearSchedule:
    """An official schedule: days off that would be working days, and working weekend days."""
    year: int
    holidays: frozenset = field(default_factory=frozenset)
    workdays: frozenset = field(default_factory=frozenset)


def schedule_problems(year, holidays, workdays):
    """Why a schedule cannot be loaded; empty when it is consistent."""
    problems = []
    for label, days in (("holidays", holidays), ("workdays", workdays)):
        strays = sorted(d.isoformat() for d in days if d.year != year)
        if strays:
            problems.append(f"{label} outside {year}: {', '.join(strays[:5])}")
    both = sorted(d.isoformat() for d in set(holidays) & set(workdays))
    if both:
        problems.append(f"both holiday and workday: {', '.join(both[:5])}")
    weekdays = sorted(d.isoformat() for d in workdays if d.weekday() < 5)
    if weekdays:
        problems.append(f"make-up workdays must fall on a weekend: {', '.join(weekdays[:5])}")
    return problems


@dataclass
class WorkdayCalendar:
    loaded: dict = field(default_factory=dict)  # year -> YearSchedule

    def day_kind(self, day):
        """(is_workday, source) for one date."""
        schedule = self.loaded.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True, LOADED
            if day in schedule.holidays:
                return False, LOADED
            return day.weekday() < 5, LOADED
        try:
            return chinese_calendar.is_workday(day), PACKAGE
        except NotImplementedError:
            return day.weekday() < 5, FALLBACK

    def add_workdays(self, start, count):
        """The `count`-th working day after `start` (start itself not counted).

        Returns (date, estimated_years): the years counted by weekends only. Each such year
        is logged as a warning, so a missing schedule shows in the logs every time it matters.
        """
        if not 0 <= count <= MAX_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_DAYS}")
        day, left, estimated = start, count, set()
        while left:
            day += timedelta(days=1)
            working, source = self.day_kind(day)
            if source == FALLBACK:
                estimated.add(day.year)
            if working:
                left -= 1
        for year in sorted(estimated):
            log.warning("no holiday schedule for %s: counting weekends only; load the official "
                        "schedule (PUT /api/v1/certification/calendar/%s)", year, year)
        return day, frozenset(estimated)

    def workdays_between(self, start, end):
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.day_kind(day)[0]:
                count += 1
        return count
