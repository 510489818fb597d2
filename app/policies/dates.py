"""Calendar-month arithmetic shared by the engine, the clocks and the retirement table."""
import calendar
from datetime import date


def add_months(day, months):
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start, end):
    """Full calendar months from `start` to `end` (negative when `end` is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and end.day < start.day and add_months(start, months) > end:
        months -= 1
    elif months < 0 and end.day > start.day and add_months(start, months) < end:
        months += 1
    return months


def parse_date(text):
    """ISO `YYYY-MM-DD` only; raises ValueError on anything else."""
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def parse_month(text):
    """`YYYY-MM` -> the first day of that month; raises ValueError on anything else."""
    if not isinstance(text, str) or len(text) != 7:
        raise ValueError(text)
    return date.fromisoformat(text + "-01")
