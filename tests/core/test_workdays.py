"""Working days: loaded schedules win over the package; unknown years fall back loudly."""
import logging
from datetime import date

from app.core.workdays import FALLBACK, LOADED, PACKAGE, WorkdayCalendar, YearSchedule, \
    schedule_problems


def test_package_knows_statutory_holidays_and_makeup_days():
    calendar = WorkdayCalendar()
    assert calendar.day_kind(date(2025, 10, 1)) == (False, PACKAGE)   # National Day
    assert calendar.day_kind(date(2025, 9, 28)) == (True, PACKAGE)    # Sunday worked (调休)
    # Tuesday 30 Sept 2025 + 2 working days skips the Golden Week (1-8 Oct): Fri 10 Oct.
    assert calendar.add_workdays(date(2025, 9, 30), 2) == (date(2025, 10, 10), frozenset())


def test_loaded_schedule_is_preferred_over_the_package():
    # An administrator's schedule for 2026 that declares an extra day off.
    schedule = YearSchedule(2026, frozenset({date(2026, 3, 2)}), frozenset({date(2026, 3, 7)}))
    calendar = WorkdayCalendar({2026: schedule})
    assert calendar.day_kind(date(2026, 3, 2)) == (False, LOADED)
    assert calendar.day_kind(date(2026, 3, 7)) == (True, LOADED)      # a Saturday worked
    assert calendar.day_kind(date(2026, 3, 3)) == (True, LOADED)


def test_unknown_year_counts_weekends_only_and_says_so(caplog):
    calendar = WorkdayCalendar()
    caplog.set_level(logging.WARNING)
    # Friday 31 Dec 2027 + 3: Mon 3, Tue 4, Wed 5 Jan 2028 (New Year's Day not known).
    deadline, estimated = calendar.add_workdays(date(2027, 12, 31), 3)
    assert deadline == date(2028, 1, 5)
    assert estimated == {2028}
    assert calendar.day_kind(date(2028, 1, 3)) == (True, FALLBACK)
    assert any("no holiday schedule for 2028" in r.getMessage() for r in caplog.records)


def test_schedule_problems_catch_inconsistent_data():
    assert schedule_problems(2027, {date(2027, 1, 1)}, {date(2027, 2, 6)}) == []
    problems = schedule_problems(2027, {date(2026, 1, 1), date(2027, 2, 6)},
                                 {date(2027, 2, 6), date(2027, 2, 8)})
    assert any("outside 2027" in p for p in problems)
    assert any("both holiday and workday" in p for p in problems)
    assert any("weekend" in p for p in problems)


def test_workdays_between():
    calendar = WorkdayCalendar()
    assert calendar.workdays_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert calendar.workdays_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
