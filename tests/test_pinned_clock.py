"""The TEST_CLOCK mechanism that CI uses to run the suite at 23:30 and 00:30 Beijing time."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from app.core.clock import local_today
from tests.support.pinned_clock import BEIJING, ORIGIN, SITE_DIR, pinned_moment

# The child's Beijing hour, its UTC date, and its local time zone's offset: the pinned clock
# must leave the process time zone alone (else a test reading the local date would pass).
PRINT_NOW = ("import time; from datetime import datetime, timezone; from zoneinfo import ZoneInfo; "
             "print(datetime.now(ZoneInfo('Asia/Shanghai')).strftime('%H:%M'), "
             "datetime.now(timezone.utc).date(), time.localtime().tm_gmtoff)")


def test_a_child_process_starts_on_the_pinned_beijing_hour():
    env = {**os.environ, "TEST_CLOCK": "00:30", "PYTHONPATH": SITE_DIR, "TZ": "UTC"}
    env.pop(ORIGIN, None)  # a fresh run, not a child of this one
    out = subprocess.run([sys.executable, "-c", PRINT_NOW], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[0] in ("00:30", "00:31")
    # 00:30 in Beijing is the previous day in UTC: the hour a test on the local date breaks.
    beijing = pinned_moment("00:30")
    assert out[1] == str(beijing.astimezone(timezone.utc).date()) != str(beijing.date())
    assert out[2] == "0"  # still UTC, as the machine is: not switched to Beijing


def test_the_moment_is_on_today_beijing_date():
    moment = pinned_moment("23:30", now=datetime(2026, 12, 2, 1, 0, tzinfo=BEIJING))
    assert (moment.date().isoformat(), moment.hour, moment.minute) == ("2026-12-02", 23, 30)


def test_this_run_follows_its_pinned_clock():
    value = os.environ.get("TEST_CLOCK")
    now = datetime.now(BEIJING)
    assert local_today() == now.date()
    if value:
        assert timedelta(0) <= now - pinned_moment(value, now) < timedelta(minutes=10)
