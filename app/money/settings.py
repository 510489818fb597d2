"""Review-step deadlines per region (nearest configured ancestor wins) and whether finance
confirms a region's claims. Defaults: payrules.STEP_DAYS and the code prefixes in
MONEY_FINANCE_CONFIRM_REGIONS. Deadlines count working days on the service calendar
(chinese-calendar holidays and make-up days, as certification and tracking do)."""
from dataclasses import dataclass

from flask import current_app

from app.audit.services import record
from app.core.calendar import current_calendar
from app.core.clock import local_today
from app.core.regions import region_in_scope
from app.core.regionsettings import nearest_settings_row, store_settings_row

from .permissions import require
from .models import MoneySettings
from .payrules import COUNTY_APPROVE, FINANCE_CONFIRM, STATION_CHECK, STEP_DAYS

FIELDS = ("station_check_days", "county_approve_days", "finance_confirm_days", "finance_confirm")
DAYS_OF = {STATION_CHECK: "station_check_days", COUNTY_APPROVE: "county_approve_days",
           FINANCE_CONFIRM: "finance_confirm_days"}


@dataclass(frozen=True)
class Settings:
    station_check_days: int
    county_approve_days: int
    finance_confirm_days: int
    finance_confirm: bool
    region_code: str | None  # where they were configured; None for the defaults

    def steps(self):
        steps = [STATION_CHECK, COUNTY_APPROVE]
        return steps + [FINANCE_CONFIRM] if self.finance_confirm else steps


def default_settings(region_code):
    prefixes = current_app.config.get("MONEY_FINANCE_CONFIRM_REGIONS", ())
    return Settings(STEP_DAYS[STATION_CHECK], STEP_DAYS[COUNTY_APPROVE], STEP_DAYS[FINANCE_CONFIRM],
                    any(region_code.startswith(prefix) for prefix in prefixes), None)


def settings_for(region_code):
    row = nearest_settings_row(MoneySettings, region_code)
    if row is None:
        return default_settings(region_code)
    return Settings(*(getattr(row, name) for name in FIELDS), row.region_code)


def step_due(step, region_code, today=None):
    """The working-day deadline of a review step of a claim of `region_code` starting today."""
    if step is None:
        return None
    days = getattr(settings_for(region_code), DAYS_OF[step])
    return current_calendar().add_workdays(today or local_today(), days)[0]


def settings_in_scope(staff, region_code):
    require(staff, "claim.read")
    region_in_scope(staff, region_code)
    return settings_for(region_code)


def update_settings(staff, region_code, values):
    """Set a region's step deadlines and finance confirmation (audited). Claims already in
    review keep their steps and deadlines; new claims and steps follow the new numbers."""
    require(staff, "money.configure")
    region_in_scope(staff, region_code)
    store_settings_row(MoneySettings, region_code, FIELDS, settings_for(region_code), values,
                       f"staff:{staff.id}")
    record("money.settings_updated", "region", region_code,
           details={name: values[name] for name in FIELDS if name in values})
    return settings_for(region_code)
