"""Fact dicts shaped like app/people/facts.py::build_facts (FACTS.md), for engine tests."""
from datetime import date

from app.core.i18n import render_all

TODAY = date(2025, 12, 1)

FACT_KEYS = (
    "today birth_date age gender residence_region in_inner_mongolia urban_resident "
    "residence_months employment_status registered_unemployed unemployment_registered_on "
    "unemployed_months social_insurance_months unemployment_insured dibao "
    "disability_certificate disability_level disability_type land_lost "
    "land_compensation_monthly household_size zero_employment_household graduate_left_on "
    "ever_employed education skills trades_trained skill_certificates wants "
    "business_registered_on business_kind in_startup_training in_vocational_training "
    "passed_skill_evaluation_on certified categories certified_on benefits "
    "public_welfare_placements").split()

LISTS = {"skills", "trades_trained", "skill_certificates", "wants", "categories", "benefits"}


def in_chinese(value):
    """Engine output as a reader of the source language gets it: every Text rendered with
    no translation (the templates are Chinese)."""
    return render_all(value, lambda template: template)


def facts(extra=None, **known):
    """Every contract key; unknown ones None (lists empty), `today` fixed."""
    base = {key: ([] if key in LISTS else None) for key in FACT_KEYS}
    base.update(today=TODAY, residence_region="150102001001", in_inner_mongolia=True,
                certified=False, public_welfare_placements=0)
    base.update(known)
    base.update(extra or {})
    return base


def man_57_near_retirement(**extra):
    """Born 1968-06-15: statutory retirement at 60y11m, on 2029-05-15 (41 months away).
    Certified as older, now in flexible employment with the social-insurance subsidy
    approved from 2025-01-01, i.e. 52 months before retirement."""
    return facts(birth_date=date(1968, 6, 15), age=57, gender="male", urban_resident=True,
                 residence_months=120, employment_status="flexible",
                 registered_unemployed=False, social_insurance_months=240, dibao=False,
                 disability_certificate=False, zero_employment_household=False,
                 certified=True, categories=["older"], certified_on=date(2024, 11, 20),
                 wants=["job"], benefits=[{"policy": "social_insurance_subsidy_flexible",
                                           "start": date(2025, 1, 1), "end": None}], extra=extra)


def dibao_member_unemployed_14_months(**extra):
    """A woman of 40 in a dibao household, registered unemployed since 2024-10-01."""
    return facts(birth_date=date(1985, 3, 10), age=40, gender="female", urban_resident=True,
                 residence_months=60, employment_status="unemployed",
                 registered_unemployed=True, unemployment_registered_on=date(2024, 10, 1),
                 unemployed_months=14, social_insurance_months=30, dibao=True,
                 disability_certificate=False, zero_employment_household=False,
                 certified=True, categories=["long_term_unemployed"],
                 certified_on=date(2025, 10, 15), wants=["job", "training"], extra=extra)


def disabled_woman_30(**extra):
    """A woman of 30 with a level-3 physical disability certificate, registered unemployed
    for 2 months, wanting a job and training."""
    return facts(birth_date=date(1995, 7, 1), age=30, gender="female", urban_resident=True,
                 residence_months=24, employment_status="unemployed",
                 registered_unemployed=True, unemployment_registered_on=date(2025, 9, 20),
                 unemployed_months=2, dibao=False, disability_certificate=True,
                 disability_level=3, disability_type="physical",
                 zero_employment_household=False, certified=True, categories=["disabled"],
                 certified_on=date(2025, 11, 1), wants=["job", "training"], extra=extra)


def zero_employment_member(**extra):
    """A man of 45 in a zero-employment household, registered unemployed for 4 months,
    already placed once in a public-welfare post."""
    return facts(birth_date=date(1980, 5, 5), age=45, gender="male", urban_resident=True,
                 residence_months=200, employment_status="unemployed",
                 registered_unemployed=True, unemployment_registered_on=date(2025, 7, 25),
                 unemployed_months=4, dibao=False, household_size=3,
                 zero_employment_household=True, disability_certificate=False,
                 certified=True, categories=["zero_employment_household"],
                 certified_on=date(2025, 8, 20), wants=["job"], public_welfare_placements=1,
                 extra=extra)
