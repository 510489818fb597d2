"""The help loop's numbers per region (nearest configured ancestor wins), defaults from
configuration (RULES.md "Tracking"): follow-ups 1 and 6 months after a hire, an expiry
assessment 60 days before a benefit ends, 2 working days to answer a help request, and
"3 services with 3 offers each" for a zero-employment household, and 3 offers refused for
personal reasons as what may count as "no wish to work"."""
from dataclasses import dataclass

from flask import current_app

from app.audit.services import record
from app.core.calendar import current_calendar
from app.core.regions import requested_region
from app.core.regionsettings import nearest_settings_row, store_settings_row

from .models import TrackingSettings

FIELDS = ("adaptation_months", "stability_months", "expiry_days", "response_days",
          "services_required", "offers_per_service", "refusals_as_no_wish")


@dataclass(frozen=True)
class Settings:
    adaptation_months: int
    stability_months: int
    expiry_days: int
    response_days: int
    services_required: int
    offers_per_service: int
    refusals_as_no_wish: int
    region_code: str | None


def default_settings():
    cfg = current_app.config
    return Settings(cfg["TRACKING_ADAPTATION_MONTHS"], cfg["TRACKING_STABILITY_MONTHS"],
                    cfg["TRACKING_EXPIRY_DAYS"], cfg["TRACKING_RESPONSE_DAYS"],
                    cfg["TRACKING_SERVICES_REQUIRED"], cfg["TRACKING_OFFERS_PER_SERVICE"],
                    cfg["TRACKING_REFUSALS_AS_NO_WISH"], None)


def settings_for(region_code):
    row = nearest_settings_row(TrackingSettings, region_code)
    if row is None:
        return default_settings()
    return Settings(*(getattr(row, name) for name in FIELDS), row.region_code)


def settings_in_scope(staff, region_code):
    """The settings that apply to a region of the caller's subtree (their own by default)."""
    return settings_for(requested_region(staff, region_code))


def update_settings(staff, region_code, values):
    """Set the help loop's numbers for a region of the caller's subtree (audited)."""
    region_code = requested_region(staff, region_code)
    store_settings_row(TrackingSettings, region_code, FIELDS, settings_for(region_code), values,
                       f"staff:{staff.id}")
    record("tracking.settings_updated", "region", region_code,
           details={name: values[name] for name in FIELDS if name in values})
    return settings_for(region_code)


def workday_deadline(start, days):
    """(date, estimated): the `days`-th working day after `start`."""
    deadline, estimated = current_calendar().add_workdays(start, days)
    return deadline, bool(estimated)
