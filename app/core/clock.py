"""Time: everything is stored in UTC and shown to people in Asia/Shanghai."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


def utcnow():
    return datetime.now(timezone.utc)


def as_utc(value):
    """Naive datetimes coming back from SQLite are UTC by our own convention."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def to_display(value):
    """ISO 8601 in Beijing time, for responses people read."""
    return None if value is None else as_utc(value).astimezone(DISPLAY_TZ).isoformat()


def local_today():
    return datetime.now(DISPLAY_TZ).date()


def local_date(moment):
    """The Beijing date of a stored (UTC) moment: what a person calls "that day"."""
    return as_utc(moment).astimezone(DISPLAY_TZ).date()
