"""TEST_CLOCK=HH:MM sets the wall clock of the test run to that Beijing time of today's
Beijing date, ticking on from there, so CI proves at 23:30 and 00:30 Beijing (when the UTC
date differs or is about to) that no test depends on the hour it runs at.

Imported by tests/conftest.py for the test process and by pinned_site/sitecustomize.py for
every server the tests start (PYTHONPATH carries it to them). Standalone: no app imports.
"""
import os
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
ORIGIN = "TEST_CLOCK_ORIGIN"
SITE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pinned_site")


def pinned_moment(value, now=None):
    """The Beijing moment that TEST_CLOCK's "HH:MM" names on today's Beijing date."""
    hour, minute = (int(part) for part in value.split(":"))
    now = now or datetime.now(BEIJING)
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0)


def start_pinned_clock():
    """Start travelling when TEST_CLOCK is set; pass the setting on to child processes.

    The first process records in TEST_CLOCK_ORIGIN where its clock was set and when (real
    time); a child started later goes to the same clock reading the parent has now, so the
    times both write to the database agree."""
    value = os.environ.get("TEST_CLOCK")
    if not value:
        return None
    import time_machine
    real_now = time.time()
    origin = os.environ.get(ORIGIN)
    if origin:
        pinned_at, started_at = (float(part) for part in origin.split("@"))
    else:
        pinned_at, started_at = pinned_moment(value).timestamp(), real_now
        os.environ[ORIGIN] = f"{pinned_at}@{started_at}"
    # Given in UTC: a ZoneInfo destination would make time-machine switch the process time
    # zone to Beijing too, and a test reading the local date would then pass: the very bug
    # this run looks for.
    moment = datetime.fromtimestamp(pinned_at + real_now - started_at, timezone.utc)
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if SITE_DIR not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([SITE_DIR, *paths])
    return traveller
