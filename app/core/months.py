"""Calendar-month arithmetic: pure, shared by certifications, the people facts and the
policy engine, clocks and retirement table."""
import calendar
from datetime import date


def add_months(day, months):
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _calendar_months(start, end):
    return (end.year - start.year) * 12 + (end.month - start.month)


def months_between(start, end):
    """Full calendar months from `start` to `end` (negative when `end` is earlier). A month
    ends on its clamped day: 31 January to 28 February is one month."""
    months = _calendar_months(start, end)
    if months > 0 and end.day < start.day and add_months(start, months) > end:
        months -= 1
    elif months < 0 and end.day > start.day and add_months(start, months) < end:
        months += 1
    return months


def full_months(start, end):
    """Whole months from start to end for the certification facts: a month counts only once
    its day of the month is reached (31 January to 28 February is 0), 0 when end is before
    start, None when start is unknown."""
    if start is None:
        return None
    if end < start:
        return 0
    months = _calendar_months(start, end)
    return months - 1 if end.day < start.day else months
