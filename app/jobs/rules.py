"""Vacancy vocabulary and the checks a vacancy must pass. Pure: no Flask, no database.

Labels are marked with N_ and translated by the view layer.
"""
from enum import StrEnum

from app.core.i18n import N_

from .occupations import OCCUPATIONS

# Legal minimum working age (Labour Law art. 15), and the highest statutory retirement age
# after the 2025 reform (men reach 63 by 2040): an age limit outside 16..63 excludes everyone.
MIN_WORKING_AGE = 16
MAX_RETIREMENT_AGE = 63


class EmployerKind(StrEnum):
    SMALL_MICRO_FIRM = "small_micro_firm"      # 小微企业
    SOLE_PROPRIETOR = "sole_proprietor"        # 个体工商户
    COOPERATIVE = "cooperative"                # 农牧民专业合作社
    LARGE_MEDIUM_FIRM = "large_medium_firm"    # 大中型企业
    SOCIAL_ORGANIZATION = "social_organization"  # 社会组织
    PUBLIC_INSTITUTION = "public_institution"  # 机关事业单位
    OTHER = "other"


EMPLOYER_KIND_LABELS = {
    EmployerKind.SMALL_MICRO_FIRM: N_("小微企业"),
    EmployerKind.SOLE_PROPRIETOR: N_("个体工商户"),
    EmployerKind.COOPERATIVE: N_("农牧民专业合作社"),
    EmployerKind.LARGE_MEDIUM_FIRM: N_("大中型企业"),
    EmployerKind.SOCIAL_ORGANIZATION: N_("社会组织"),
    EmployerKind.PUBLIC_INSTITUTION: N_("机关事业单位"),
    EmployerKind.OTHER: N_("其他"),
}


class VacancyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    FILLED = "filled"


class HoursKind(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    FLEXIBLE = "flexible"


HOURS_LABELS = {HoursKind.FULL_TIME: N_("全职"), HoursKind.PART_TIME: N_("兼职"),
                HoursKind.FLEXIBLE: N_("灵活工时")}


class PhysicalDemand(StrEnum):
    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"


PHYSICAL_DEMAND_LABELS = {PhysicalDemand.LIGHT: N_("轻体力"), PhysicalDemand.MEDIUM: N_("中等体力"),
                          PhysicalDemand.HEAVY: N_("重体力")}

# The disability types of the national disability certificate (FACTS.md disability_type).
DISABILITY_LABELS = {
    "visual": N_("视力残疾"), "hearing": N_("听力残疾"), "speech": N_("言语残疾"),
    "physical": N_("肢体残疾"), "intellectual": N_("智力残疾"), "mental": N_("精神残疾"),
    "multiple": N_("多重残疾"),
}

# Ranked so that "at least senior high" is a comparison; vocational school counts as senior.
EDUCATION_RANK = {"none": 0, "primary": 1, "junior": 2, "senior": 3, "vocational": 3,
                  "college": 4, "bachelor": 5, "master": 6, "doctor": 7}
EDUCATION_LABELS = {
    "none": N_("不限"), "primary": N_("小学"), "junior": N_("初中"), "senior": N_("高中"),
    "vocational": N_("中专/技校"), "college": N_("大专"), "bachelor": N_("本科"),
    "master": N_("硕士"), "doctor": N_("博士"),
}


def vacancy_problems(v):
    """Stable codes of everything wrong with a vacancy's fields (a dict), first problem first.

    Field shapes (types, ranges of single numbers) are the schema's job; this checks what
    only makes sense across fields or against reference data.
    """
    problems = []
    if v.get("occupation_code") not in OCCUPATIONS:
        problems.append("jobs.occupation_unknown")
    low, high = v.get("salary_min"), v.get("salary_max")
    if low is not None and high is not None and low > high:
        problems.append("jobs.salary_range_invalid")
    opens, closes = v.get("opens_on"), v.get("closes_on")
    if opens is not None and closes is not None and closes < opens:
        problems.append("jobs.dates_invalid")
    if age_limits_exclude_everyone(v.get("min_age"), v.get("max_age")):
        problems.append("jobs.age_limits_invalid")
    if (v.get("lat") is None) != (v.get("lng") is None):
        problems.append("jobs.coordinates_incomplete")
    if v.get("filled_count", 0) > v.get("headcount", 1):
        problems.append("jobs.headcount_below_filled")
    return problems


def age_limits_exclude_everyone(min_age, max_age):
    lowest = MIN_WORKING_AGE if min_age is None else min_age
    highest = MAX_RETIREMENT_AGE if max_age is None else max_age
    return (lowest > highest or lowest < MIN_WORKING_AGE or highest > MAX_RETIREMENT_AGE)
