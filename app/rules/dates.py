"""Dates in the catalog and the API: ISO days and months (month arithmetic: app.core.months)."""
from datetime import date


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
