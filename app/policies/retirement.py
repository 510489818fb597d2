"""Statutory retirement ages (2025 gradual reform), read from data/retirement-2025.yaml.

Men have one group (60 -> 63). Women retire from an original age of 50 (workers) or 55
(cadres and some others): that base is a fact about the person's job history
(`retirement_base_age`); when it is unknown, both women's groups are candidates and the
engine only decides what both candidates agree on.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from app.core.months import add_months
from app.rules.dates import parse_month


DATA_FILE = Path(__file__).parent / "data" / "retirement-2025.yaml"


@dataclass(frozen=True)
class RetirementGroup:
    code: str
    label: str
    gender: str
    base_age_years: int
    first_birth_month: object  # date, first day of the month
    step_months: int
    max_delay_months: int

    def delay_months(self, birth_date):
        k = (birth_date.year - self.first_birth_month.year) * 12 \
            + (birth_date.month - self.first_birth_month.month)
        if k < 0:
            return 0
        return min(self.max_delay_months, k // self.step_months + 1)

    def age_months(self, birth_date):
        """The statutory retirement age in months."""
        return self.base_age_years * 12 + self.delay_months(birth_date)

    def retirement_date(self, birth_date):
        return add_months(birth_date, self.age_months(birth_date))


@lru_cache(maxsize=1)
def load_groups(path=DATA_FILE):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {code: RetirementGroup(code=code, label=g["label"], gender=g["gender"],
                                  base_age_years=int(g["base_age_years"]),
                                  first_birth_month=parse_month(g["first_birth_month"]),
                                  step_months=int(g["step_months"]),
                                  max_delay_months=int(g["max_delay_months"]))
            for code, g in data["groups"].items()}


def candidate_groups(gender, base_age=None):
    """The groups a person may belong to: one when known, both women's groups when not.

    Returns () when gender is unknown or the base age does not fit the gender.
    """
    groups = load_groups()
    if gender not in ("male", "female"):
        return ()
    found = tuple(g for g in groups.values() if g.gender == gender
                  and (base_age is None or g.base_age_years == base_age))
    return found


def retirement_age(group_code, birth_date):
    """(years, months) of the statutory retirement age for a group and a birth date."""
    years, months = divmod(load_groups()[group_code].age_months(birth_date), 12)
    return years, months


def retirement_date(group_code, birth_date):
    return load_groups()[group_code].retirement_date(birth_date)
