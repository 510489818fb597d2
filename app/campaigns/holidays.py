"""Holiday nodes for campaigns, computed from calendars (pure: no Flask, no database).

- 元旦 (New Year's Day): 1 January.
- 春节 (Spring Festival): the first day of the first lunar month, from `lunardate`.
- 全国助残日 (National Day for Helping the Disabled): the third Sunday of May.
"""
from calendar import SUNDAY, Calendar
from dataclasses import dataclass
from datetime import date

from lunardate import LunarDate

from app.core.i18n import N_

MIN_YEAR, MAX_YEAR = 1901, 2099  # the range lunardate covers


@dataclass(frozen=True)
class HolidayNode:
    code: str
    name: str  # N_ text; translate at render
    on: date
    calendar: str  # solar | lunar | weekday


def spring_festival(year):
    """Lunar 1/1 of `year` as a Gregorian date."""
    return LunarDate(year, 1, 1).to_solar_date()


def nth_weekday(year, month, weekday, n):
    days = [d for d in Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == weekday]
    return days[n - 1]


def holiday_nodes(year):
    """The campaign holiday nodes of `year`, in date order. ValueError outside MIN..MAX."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year must be within {MIN_YEAR}..{MAX_YEAR}")
    nodes = [
        HolidayNode("new_year", N_("元旦"), date(year, 1, 1), "solar"),
        HolidayNode("spring_festival", N_("春节"), spring_festival(year), "lunar"),
        HolidayNode("helping_disabled_day", N_("全国助残日"), nth_weekday(year, 5, SUNDAY, 3),
                    "weekday"),
    ]
    return sorted(nodes, key=lambda node: node.on)
