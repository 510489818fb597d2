"""Deadlines per region (nearest configured ancestor wins), working-day calendar, rules.

Defaults come from configuration: station 2, township 3, county 3 working days, public
notice off (3 working days when a region turns it on), re-check after 12 months.
"""
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask import current_app, g
from flask_babel import lazy_gettext as _l

from app.audit.services import record
from app.core.calendar import CalendarYear, current_calendar
from app.core.clock import utcnow
from app.core.concurrency import get_or_insert
from app.core.errors import NotFound, ValidationFailed
from app.core.models import Region
from app.core.regions import region_in_scope
from app.core.regionsettings import nearest_settings_row, store_settings_row
from app.core.workdays import schedule_problems
from app.extensions import db

from .models import RegionSettings
from .rules import load_rules


@dataclass(frozen=True)
class Settings:
    station_days: int
    township_days: int
    county_days: int
    notice_enabled: bool
    notice_days: int
    recheck_months: int
    region_code: str | None  # where they were configured; None for the defaults

    def days_for(self, level):
        return {"station": self.station_days, "township": self.township_days,
                "county": self.county_days, "notice": self.notice_days}[level]


FIELDS = ("station_days", "township_days", "county_days", "notice_enabled", "notice_days",
          "recheck_months")


def default_settings():
    cfg = current_app.config
    return Settings(cfg["CERT_STATION_DAYS"], cfg["CERT_TOWNSHIP_DAYS"], cfg["CERT_COUNTY_DAYS"],
                    cfg["CERT_NOTICE_ENABLED"], cfg["CERT_NOTICE_DAYS"],
                    cfg["CERT_RECHECK_MONTHS"], None)


def settings_for(region_code):
    row = nearest_settings_row(RegionSettings, region_code)
    if row is None:
        return default_settings()
    return Settings(*(getattr(row, name) for name in FIELDS), row.region_code)


def settings_in_scope(staff, region_code):
    """The settings that apply to a region in the caller's subtree."""
    region_in_scope(staff, region_code)  # another region's settings: 404, like its cases
    return settings_for(region_code)


def update_settings(staff, region_code, values):
    """Set deadlines and the public notice for a region in the caller's subtree."""
    region_in_scope(staff, region_code)
    store_settings_row(RegionSettings, region_code, FIELDS, settings_for(region_code), values,
                       f"staff:{staff.id}")
    record("certification.settings_updated", "region", region_code,
           details={name: values[name] for name in FIELDS if name in values})
    return settings_for(region_code)


def step_deadline(level, start, settings, calendar=None):
    """(deadline date, estimated): the n-th working day after `start`."""
    calendar = calendar or current_calendar()
    deadline, estimated_years = calendar.add_workdays(start, settings.days_for(level))
    return deadline, bool(estimated_years)


@lru_cache(maxsize=8)
def _rules(version):
    return load_rules(version)


def current_rules():
    return _rules(current_app.config["CERT_RULES_VERSION"])


def rules_for(version):
    return _rules(version)


# ------------------------------------------------------------------ holiday schedules

YEARS = range(2000, 2101)


def _check_year(year):
    if year not in YEARS:
        raise NotFound("calendar.year_out_of_range", _l("年份超出范围"), {"year": year})


def load_calendar_year(year, holidays, workdays, source, loaded_by):
    """Load (or replace) one year's official schedule; preferred over the package."""
    _check_year(year)
    problems = schedule_problems(year, holidays, workdays)
    if problems:
        raise ValidationFailed("calendar.invalid", _l("节假日安排有误"), {"problems": problems})
    row = get_or_insert(CalendarYear, {
        "year": year, "holidays": [], "workdays": [], "source": source, "loaded_by": loaded_by,
        "loaded_at": utcnow()})
    row.holidays = sorted(d.isoformat() for d in holidays)
    row.workdays = sorted(d.isoformat() for d in workdays)
    row.source, row.loaded_by, row.loaded_at = source, loaded_by, utcnow()
    db.session.flush()
    record("calendar.loaded", "calendar_year", year,
           details={"holidays": len(holidays), "workdays": len(workdays)})
    return row


def calendar_view(year):
    _check_year(year)
    calendar = current_calendar()
    row = db.session.get(CalendarYear, year)
    source = calendar.day_kind(date(year, 6, 1))[1]
    return {"year": year, "source": source,
            "estimated": source == "fallback",
            "holidays": row.holidays if row else [], "workdays": row.workdays if row else [],
            "document": row.source if row else None}


def region_name(code):
    """A region's name, memoised per request (lists name the same offices many times)."""
    cache = g.setdefault("region_names", {})
    if code not in cache:
        region = db.session.get(Region, code)
        cache[code] = region.name if region else code
    return cache[code]
