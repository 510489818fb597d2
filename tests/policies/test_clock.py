"""Benefit clocks: the shared 3-year cap of social-insurance-type subsidies, the
extend-to-retirement rule, fixed and fact-dependent durations, and the expiry list."""
from datetime import date

from app.policies.catalog import shipped_catalog
from app.policies.engine import (ELIGIBLE, NOT_ELIGIBLE, benefits_ending_within, due_dates,
                                  evaluate)
from tests.builders.people import TODAY, facts, in_chinese

SI = "social_insurance_subsidy_flexible"
POST = "public_welfare_post"


def person(benefits, today=TODAY, **known):
    base = dict(birth_date=date(1980, 4, 10), age=45, gender="male", certified=True,
                employment_status="flexible")
    base.update(known)
    return facts(benefits=benefits, today=today, **base)


def by_code(found):
    return {r["policy"]: r for r in found}


def run(*benefits, **known):
    return by_code(in_chinese(evaluate(shipped_catalog(), person(list(benefits), **known))))


def benefit(code, start, end=None):
    return {"policy": code, "start": start, "end": end}


def test_three_year_cap_for_a_person_far_from_retirement():
    found = run(benefit(SI, date(2023, 1, 1)))
    [clock] = found[SI]["clocks"]
    assert clock["rule"] == "cap" and clock["cap_months"] == 36
    assert (clock["months_used"], clock["remaining_months"]) == (35, 1)
    assert clock["end"] == date(2026, 1, 1) and clock["active"]
    assert clock["retirement_date"] == date(2043, 4, 10)  # born 1980-04: 63
    assert found[SI]["status"] == ELIGIBLE and found[SI]["enjoying"]


def test_all_social_insurance_subsidies_share_the_three_years():
    found = run(benefit(POST, date(2021, 1, 1), date(2022, 1, 1)), benefit(SI, date(2024, 6, 1)))
    [post] = found[POST]["clocks"]
    [si] = found[SI]["clocks"]
    assert post["months_used"] == 12 and not post["active"]
    # 12 months of the post count against the subsidy: 24 left from its start.
    assert si["end"] == date(2026, 6, 1)
    assert si["pool_months_used"] == 12 + 18 and si["remaining_months"] == 6


def test_a_spent_pool_closes_the_other_subsidies():
    found = run(benefit(POST, date(2021, 1, 1), date(2024, 1, 1)))
    assert found[POST]["clocks"][0]["months_used"] == 36
    for code in (SI, POST, "social_insurance_subsidy_employer"):
        assert found[code]["status"] == NOT_ELIGIBLE
        assert found[code]["failing"][-1]["text"] == \
            "社会保险补贴（含公益性岗位社会保险补贴）已累计享受36个月，达到36个月上限"
    # Policies outside the pool are untouched.
    assert found["older_worker_posts"]["status"] == NOT_ELIGIBLE  # 45, for age only
    assert found["startup_guaranteed_loan_small_firm"]["status"] == ELIGIBLE


def test_within_five_years_of_retirement_at_first_approval_runs_to_retirement():
    # Born 1968-06-15, retires 2029-05-15; first approved 52 months before.
    known = dict(birth_date=date(1968, 6, 15), age=59)
    found = run(benefit(SI, date(2025, 1, 1)), today=date(2028, 6, 1), **known)
    [clock] = found[SI]["clocks"]
    assert clock["rule"] == "extend_to_retirement"
    assert clock["months_used"] == 41  # past 36 and still running
    assert clock["end"] == date(2029, 5, 15) and clock["remaining_months"] == 11
    assert found[SI]["status"] == ELIGIBLE


def test_the_five_year_boundary():
    known = dict(birth_date=date(1968, 6, 15), age=57)
    exactly = run(benefit(SI, date(2024, 5, 15)), **known)  # 60 months before retirement
    assert exactly[SI]["clocks"][0]["rule"] == "extend_to_retirement"
    earlier = run(benefit(SI, date(2024, 5, 14)), **known)  # a day earlier: 60 full months+
    assert earlier[SI]["clocks"][0]["rule"] == "extend_to_retirement"
    before = run(benefit(SI, date(2024, 4, 14)), **known)   # 61 months before
    [clock] = before[SI]["clocks"]
    assert clock["rule"] == "cap" and clock["end"] == date(2027, 4, 14)


def test_the_first_approval_in_the_pool_decides_the_rule():
    # The post started 7 years before retirement: capped, even though the later subsidy
    # started within 5 years of it.
    known = dict(birth_date=date(1968, 6, 15), age=57)
    found = run(benefit(POST, date(2022, 5, 1), date(2023, 5, 1)),
                benefit(SI, date(2025, 1, 1)), **known)
    [si] = found[SI]["clocks"]
    assert si["rule"] == "cap" and si["first_approved_on"] == date(2022, 5, 1)
    assert si["end"] == date(2027, 1, 1)


def test_a_cap_never_runs_past_retirement():
    known = dict(birth_date=date(1966, 3, 1), age=59)  # 60y4m -> 2026-07-01
    found = run(benefit(POST, date(2020, 1, 1), date(2020, 6, 1)), benefit(SI, date(2025, 1, 1)),
                **known)
    [si] = found[SI]["clocks"]
    assert si["rule"] == "cap" and si["end"] == date(2026, 7, 1)


def test_unknown_retirement_group_leaves_the_clock_undetermined():
    # Born 1975-06: retires 2025-09 (from 50: within 5 years of 2024-01) or 2031-11 (from 55).
    known = dict(birth_date=date(1975, 6, 1), age=50, gender="female")
    found = run(benefit(SI, date(2024, 1, 1)), today=date(2025, 3, 1), **known)
    [clock] = found[SI]["clocks"]
    assert clock["rule"] == "undetermined" and clock["missing"] == ["retirement_base_age"]
    assert clock["end"] is None and clock["months_used"] == 14
    decided = run(benefit(SI, date(2024, 1, 1)), today=date(2025, 3, 1),
                  retirement_base_age=50, **known)
    assert decided[SI]["clocks"][0]["rule"] == "extend_to_retirement"
    assert decided[SI]["clocks"][0]["end"] == date(2025, 9, 1)


def test_a_recorded_end_past_the_cap_is_flagged():
    found = run(benefit(SI, date(2021, 1, 1), date(2024, 6, 1)))
    [clock] = found[SI]["clocks"]
    assert clock["over_cap"] and clock["planned_end"] == date(2024, 1, 1)


def test_fixed_and_fact_dependent_durations():
    found = run(benefit("dibao_phase_out", date(2025, 9, 1)),
                benefit("unemployment_insurance_benefit", date(2025, 6, 1)),
                social_insurance_months=70)
    [phase_out] = found["dibao_phase_out"]["clocks"]
    assert phase_out["rule"] == "fixed" and phase_out["end"] == date(2026, 3, 1)
    [insurance] = found["unemployment_insurance_benefit"]["clocks"]
    assert insurance["cap_months"] == 18 and insurance["end"] == date(2026, 12, 1)
    unknown = run(benefit("unemployment_insurance_benefit", date(2025, 6, 1)))
    [clock] = unknown["unemployment_insurance_benefit"]["clocks"]
    assert clock["rule"] == "undetermined" and clock["missing"] == ["social_insurance_months"]


def test_benefits_ending_within_the_assessment_window():
    p = person([benefit(SI, date(2023, 1, 1)),                       # ends 2026-01-01
                benefit("dibao_phase_out", date(2025, 7, 15)),        # ends 2026-01-15
                benefit("one_time_startup_subsidy", date(2025, 1, 1), date(2025, 1, 2)),
                benefit("startup_guaranteed_loan", date(2024, 1, 1))])  # ends 2027-01-01
    ending = benefits_ending_within(shipped_catalog(), p)
    assert [(c["policy"], c["end"]) for c in ending] == [
        (SI, date(2026, 1, 1)), ("dibao_phase_out", date(2026, 1, 15))]
    assert [c["policy"] for c in benefits_ending_within(shipped_catalog(), p, days=31)] == [SI]
    assert len(benefits_ending_within(shipped_catalog(), p, days=400)) == 3


def test_unknown_retirement_group_that_changes_nothing_leaves_the_clock_known():
    # Born 1996: retires in the 2050s whichever group; the 3-year cap decides either way.
    known = dict(birth_date=date(1996, 5, 12), age=29, gender="female")
    found = run(benefit(SI, date(2025, 1, 1)), today=date(2025, 12, 1), **known)
    [clock] = found[SI]["clocks"]
    assert clock["rule"] == "cap" and clock["end"] == date(2028, 1, 1)
    assert clock["retirement_date"] is None and clock["remaining_months"] == 25


def test_due_dates_take_the_earlier_end_when_the_retirement_group_is_unknown():
    # Born 1976-03-10: retires 2026-11-10 from 50 (first approval within 5 years: runs to
    # retirement) or 2031-10-10 from 55 (3-year cap: 2027-01-01). The expiry list must not
    # be late, so the earlier end counts.
    known = dict(birth_date=date(1976, 3, 10), age=49, gender="female")
    due = due_dates(shipped_catalog(), person([benefit(SI, date(2024, 1, 1)),
                                               benefit("older_worker_posts", date(2024, 1, 1))],
                                              **known))
    assert due == {(SI, date(2024, 1, 1)): date(2026, 11, 10),
                   ("older_worker_posts", date(2024, 1, 1)): None}
    cadre = due_dates(shipped_catalog(), person([benefit(SI, date(2024, 1, 1))],
                                                retirement_base_age=55, **known))
    assert cadre == {(SI, date(2024, 1, 1)): date(2027, 1, 1)}
