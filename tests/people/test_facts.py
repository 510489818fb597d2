"""build_facts: the FACTS.md contract, over plain objects (no Flask, no database)."""
from datetime import date
from types import SimpleNamespace

import pytest

from app.core.months import full_months
from app.people.facts import FACT_KEYS, build_facts, zero_employment

TODAY = date(2026, 6, 15)


def person(**overrides):
    values = dict(
        id=1, birth_date=date(1969, 3, 15), gender="male", residence_region_code="150102001001",
        urban_resident=True, residence_since=date(2025, 12, 1), employment_status="unemployed",
        registered_unemployed=True, unemployment_registered_on=date(2025, 4, 20),
        social_insurance_months=180, unemployment_insured=None, dibao=None,
        disability_certificate=None, disability_level=None, disability_type=None,
        land_lost=None, land_compensation_monthly=None, graduate_left_on=None,
        ever_employed=True, education="junior", skills=["电焊"], trades_trained=[],
        skill_certificates=[], wants=["job"], business_registered_on=None, business_kind=None,
        in_startup_training=None, in_vocational_training=None,
        passed_skill_evaluation_on=None, public_welfare_placements=0, household=None)
    values.update(overrides)
    return SimpleNamespace(**values)


def member(person_id=None, born=date(1980, 1, 1), gender="female", status="unemployed",
           registered=True, able=True, willing=True):
    return SimpleNamespace(person_id=person_id, birth_date=born, gender=gender,
                           employment_status=status, registered_unemployed=registered,
                           able_to_work=able, willing_to_work=willing)


def household(*members, size=None, business_income=False):
    return SimpleNamespace(registered_size=size, business_income=business_income,
                           members=list(members))


def test_keys_are_exactly_the_contract():
    assert tuple(build_facts(person(), TODAY)) == FACT_KEYS


def test_derived_values():
    facts = build_facts(person(), TODAY)
    assert facts["today"] == TODAY
    assert facts["age"] == 57
    assert facts["in_inner_mongolia"] is True
    assert facts["residence_months"] == 6
    assert facts["unemployed_months"] == 13  # 20 Apr 2025 -> 15 Jun 2026
    assert facts["unemployment_registered_on"] == date(2025, 4, 20)
    assert facts["certified"] is False and facts["categories"] == []
    assert facts["benefits"] == [] and facts["public_welfare_placements"] == 0


def test_unknown_stays_none_never_guessed():
    facts = build_facts(person(registered_unemployed=None, residence_since=None,
                               urban_resident=None), TODAY)
    assert facts["registered_unemployed"] is None
    assert facts["unemployed_months"] is None
    assert facts["residence_months"] is None
    assert facts["urban_resident"] is None
    assert facts["household_size"] is None and facts["zero_employment_household"] is None


def test_not_registered_means_no_unemployment_clock():
    facts = build_facts(person(registered_unemployed=False), TODAY)
    assert facts["unemployed_months"] is None and facts["unemployment_registered_on"] is None


def test_live_certification_and_benefits_are_read_from_attached_records():
    certs = [SimpleNamespace(status="exited", categories=["older"], starts_on=date(2024, 1, 2)),
             SimpleNamespace(status="active", categories=["older", "disabled"],
                             starts_on=date(2026, 1, 5))]
    benefits = [{"policy": "social_insurance_subsidy", "start": date(2026, 2, 1), "end": None}]
    facts = build_facts(person(certifications=certs, benefits=benefits), TODAY)
    assert facts["certified"] is True
    assert facts["categories"] == ["disabled", "older"]
    assert facts["certified_on"] == date(2026, 1, 5)
    assert facts["benefits"] == benefits
    # A certification starting after `today` is not live yet.
    assert build_facts(person(certifications=certs), date(2026, 1, 4))["certified"] is False


@pytest.mark.parametrize("start,end,months", [
    (date(2025, 1, 31), date(2025, 2, 28), 0), (date(2025, 1, 31), date(2025, 3, 31), 2),
    (date(2025, 6, 15), date(2026, 6, 15), 12), (date(2025, 6, 16), date(2026, 6, 15), 11),
    (date(2026, 7, 1), date(2026, 6, 15), 0), (None, date(2026, 6, 15), None)])
def test_full_months(start, end, months):
    assert full_months(start, end) == months


def test_zero_employment_household_recognised():
    me = person()
    me.household = household(member(person_id=1, born=me.birth_date, gender="male"),
                             member(), member(born=date(2014, 6, 1), status="student",
                                          registered=False, able=False, willing=False))
    assert zero_employment(me, TODAY) is True
    assert build_facts(me, TODAY)["household_size"] == 3


def test_an_employed_working_age_member_breaks_zero_employment():
    me = person()
    me.household = household(member(person_id=1), member(status="employed", registered=False))
    assert zero_employment(me, TODAY) is False


def test_business_income_or_a_single_member_is_not_zero_employment():
    me = person()
    me.household = household(member(person_id=1), member(), business_income=True)
    assert zero_employment(me, TODAY) is False
    me.household = household(member(person_id=1))
    assert zero_employment(me, TODAY) is False


def test_unknown_member_status_leaves_the_answer_open():
    me = person()
    me.household = household(member(person_id=1), member(registered=None))
    assert zero_employment(me, TODAY) is None
    me.household = household(member(person_id=1), member(), business_income=None)
    assert zero_employment(me, TODAY) is None


def test_retired_or_unwilling_members_do_not_count():
    me = person()
    me.household = household(member(person_id=1),
                             member(born=date(1950, 1, 1), status="retired", registered=False),
                             member(born=date(2000, 1, 1), status="student", registered=False,
                                    willing=False))
    assert zero_employment(me, TODAY) is True


def test_retirement_base_age_known_for_men_unknown_for_women_unless_recorded():
    assert build_facts(person(), TODAY)["retirement_base_age"] == 60
    woman = person(gender="female", birth_date=date(1985, 3, 10))
    assert build_facts(woman, TODAY)["retirement_base_age"] is None
    cadre = person(gender="female", birth_date=date(1985, 3, 10), retirement_base_age=55)
    assert build_facts(cadre, TODAY)["retirement_base_age"] == 55
    odd = person(gender="female", birth_date=date(1985, 3, 10), retirement_base_age=60)
    assert build_facts(odd, TODAY)["retirement_base_age"] is None
