"""Eligibility of the demo people named in issue 5, checked by hand against RULES.md, and
the engine's behaviour on missing or malformed facts. No Flask, no database."""
from datetime import date

import pytest

from app.policies.catalog import compile_document, shipped_catalog
from app.policies.engine import ELIGIBLE, NOT_ELIGIBLE, WOULD_BE, evaluate
from tests.builders import people
from tests.builders.people import TODAY, facts, in_chinese


def results(person):
    found = {r["policy"]: r for r in in_chinese(evaluate(shipped_catalog(), person))}
    assert [r["policy"] for r in evaluate(shipped_catalog(), person)] == \
        [p.code for p in shipped_catalog().policies]
    return found


def texts(result, key):
    return [item["text"] for item in result[key]]


def statuses(found):
    return {code: r["status"] for code, r in found.items()}


def test_man_of_57_near_retirement():
    found = results(people.man_57_near_retirement())
    subsidy = found["social_insurance_subsidy_flexible"]
    assert subsidy["status"] == ELIGIBLE and subsidy["enjoying"]
    assert texts(subsidy, "reasons") == ["已认定为就业困难人员", "处于法定劳动年龄内", "目前灵活就业"]
    # First approved 2025-01-01, 52 months before retirement on 2029-05-15 (60y11m, RULES:
    # within 5 years at first approval -> may continue until retirement).
    [clock] = subsidy["clocks"]
    assert clock["rule"] == "extend_to_retirement"
    assert clock["retirement_date"] == date(2029, 5, 15) and clock["end"] == date(2029, 5, 15)
    assert (clock["months_used"], clock["remaining_months"]) == (11, 41)
    older = found["older_worker_posts"]
    assert older["status"] == ELIGIBLE
    assert texts(older, "reasons")[0] == "年龄57岁，达到大龄标准（50岁以上）"
    assert found["public_welfare_post"]["status"] == ELIGIBLE
    # Not registered unemployed (he works flexibly): no unemployment insurance benefit.
    assert found["unemployment_insurance_benefit"]["status"] == NOT_ELIGIBLE
    assert found["dibao_phase_out"]["status"] == NOT_ELIGIBLE
    assert texts(found["dibao_phase_out"], "failing") == ["家庭未享受最低生活保障（低保）"]
    assert all(r["catalog_version"] == "2025.2" for r in found.values())


def test_dibao_member_unemployed_14_months():
    found = results(people.dibao_member_unemployed_14_months())
    tax = found["tax_relief_hiring_unemployed"]
    assert tax["status"] == ELIGIBLE and tax["beneficiary"] == "employer"
    assert texts(tax, "reasons") == ["已办理失业登记", "已连续登记失业14个月（满6个月）"]
    assert "每人每年6000元" in tax["gives"]
    # The dibao policies start once she is employed: not yet, and said why.
    for code in ("dibao_employment_cost_deduction", "dibao_phase_out"):
        assert found[code]["status"] == NOT_ELIGIBLE
        assert texts(found[code], "reasons") == ["家庭享受最低生活保障（低保）"]
        assert texts(found[code], "failing") == ["目前就业状态为“失业”，尚未实现就业"]
    # Insurance conditions unknown: would be eligible, never assumed.
    benefit = found["unemployment_insurance_benefit"]
    assert benefit["status"] == WOULD_BE
    assert benefit["missing"] == [{"text": "需核实失业保险参保缴费满1年，且非因本人意愿中断就业",
                                   "facts": ["unemployment_insured"]}]
    # A woman of 40 is "older" (women >= 40); her retirement group is unknown but both
    # candidate dates (2040 or 2043) put her in working age.
    assert found["older_worker_posts"]["status"] == ELIGIBLE
    assert found["public_welfare_post"]["status"] == ELIGIBLE
    assert found["social_insurance_subsidy_flexible"]["status"] == NOT_ELIGIBLE


def test_once_employed_the_dibao_member_keeps_phase_out():
    found = results(people.dibao_member_unemployed_14_months(
        employment_status="employed", registered_unemployed=False))
    assert found["dibao_phase_out"]["status"] == ELIGIBLE
    assert "6个月的渐退期" in found["dibao_phase_out"]["gives"]
    assert texts(found["dibao_employment_cost_deduction"], "reasons") == [
        "家庭享受最低生活保障（低保）", "已实现就业（单位就业）"]


def test_disabled_woman_of_30():
    found = results(people.disabled_woman_30())
    assert found["public_welfare_post"]["status"] == ELIGIBLE
    assert texts(found["public_welfare_post"], "reasons")[-1] == "此前未安置过公益性岗位"
    older = found["older_worker_posts"]
    assert older["status"] == NOT_ELIGIBLE
    assert texts(older, "failing") == ["年龄30岁，未达到大龄标准（40岁以上）"]
    assert texts(found["tax_relief_hiring_unemployed"], "failing") == ["连续登记失业2个月，不满6个月"]
    training = found["vocational_training_subsidy"]
    assert training["status"] == WOULD_BE
    assert texts(training, "missing") == ["参加职业技能培训后即可申请"]
    # Level 3 is not severe: a second public-welfare placement would be refused.
    again = results(people.disabled_woman_30(public_welfare_placements=1))
    assert again["public_welfare_post"]["status"] == NOT_ELIGIBLE
    assert "不属于大龄、零就业家庭成员或重度残疾人员，不能再次安置" in \
        texts(again["public_welfare_post"], "failing")
    severe = results(people.disabled_woman_30(public_welfare_placements=1, disability_level=2))
    assert severe["public_welfare_post"]["status"] == ELIGIBLE


def test_zero_employment_household_member():
    found = results(people.zero_employment_member())
    help_ = found["zero_employment_immediate_help"]
    assert help_["status"] == ELIGIBLE
    assert texts(help_, "reasons") == ["属于零就业家庭", "处于法定劳动年龄内"]
    assert "至少提供3次就业服务、每次推荐3个岗位" in help_["gives"]
    post = found["public_welfare_post"]
    assert post["status"] == ELIGIBLE
    assert texts(post, "reasons")[-2:] == ["已安置公益性岗位1次，未达到2次上限",
                                           "属于大龄、零就业家庭成员或重度残疾人员，可再次安置"]
    third = results(people.zero_employment_member(public_welfare_placements=2))
    assert third["public_welfare_post"]["status"] == NOT_ELIGIBLE
    assert found["older_worker_posts"]["status"] == NOT_ELIGIBLE  # a man of 45


def test_a_person_known_only_by_the_date_is_never_eligible_and_never_crashes():
    found = results({"today": TODAY})
    assert ELIGIBLE not in statuses(found).values()
    assert set(statuses(found).values()) == {WOULD_BE}
    for result in found.values():
        assert result["missing"] and all(item["text"] for item in result["missing"])


def test_unknown_certification_asks_for_it():
    found = results(facts(certified=None, age=52, gender="male", birth_date=date(1973, 3, 1)))
    result = found["startup_guaranteed_loan_small_firm"]
    assert result["status"] == WOULD_BE
    assert result["missing"] == [{"text": "需核实是否已认定为就业困难人员", "facts": ["certified"]}]


def test_gender_unknown_decides_only_what_both_genders_agree_on():
    over_both = results(facts(age=55, birth_date=date(1970, 6, 1), gender=None))
    assert texts(over_both["older_worker_posts"], "reasons")[:1] == [
        "年龄55岁，达到大龄标准（男性50岁、女性40岁以上）"]
    between = results(facts(age=45, birth_date=date(1980, 6, 1), gender=None))
    missing = between["older_worker_posts"]["missing"]
    assert between["older_worker_posts"]["status"] == WOULD_BE
    assert {f for item in missing for f in item["facts"]} >= {"gender"}


def test_wrongly_typed_facts_count_as_unknown():
    found = results(facts(age="fifty", unemployed_months="x", dibao="yes", categories=None,
                          birth_date=date(1970, 1, 1), gender="male", certified=True))
    assert found["older_worker_posts"]["status"] == WOULD_BE
    assert found["tax_relief_hiring_unemployed"]["status"] != ELIGIBLE
    assert found["dibao_phase_out"]["status"] != ELIGIBLE


def test_a_woman_of_unknown_retirement_group_near_either_age():
    # Born 1975-06: retires 2025-09 (from 50) or 2031-11 (from 55); on 2025-12-01 she is
    # past the first and before the second, so working age cannot be decided.
    found = results(facts(age=50, birth_date=date(1975, 6, 1), gender="female", certified=True,
                          employment_status="flexible"))
    result = found["social_insurance_subsidy_flexible"]
    assert result["status"] == WOULD_BE
    assert result["missing"][0]["facts"] == ["retirement_base_age"]
    known = results(facts(age=50, birth_date=date(1975, 6, 1), gender="female", certified=True,
                          employment_status="flexible", retirement_base_age=55))
    assert known["social_insurance_subsidy_flexible"]["status"] == ELIGIBLE
    retired = results(facts(age=50, birth_date=date(1975, 6, 1), gender="female",
                            certified=True, employment_status="flexible",
                            retirement_base_age=50))
    assert texts(retired["social_insurance_subsidy_flexible"], "failing") == [
        "不在法定劳动年龄内（未满16周岁或已达到法定退休年龄）"]


def test_one_time_startup_subsidy_counts_months_since_registration():
    person = dict(certified=True, business_kind="sole_proprietor")
    young = results(facts(business_registered_on=date(2025, 3, 1), **person))
    assert texts(young["one_time_startup_subsidy"], "failing") == [
        "自首次登记注册起运营9个月，不满12个月"]
    old = results(facts(business_registered_on=date(2024, 12, 1), **person))
    assert old["one_time_startup_subsidy"]["status"] == ELIGIBLE
    assert old["tax_relief_self_employment"]["status"] == ELIGIBLE


def test_region_overrides_change_what_a_person_is_told():
    from app.policies.catalog import shipped_document
    document = shipped_document()
    document["version"] = "t-region"
    document["region_overrides"] = [{"region": "150102", "policy": "public_welfare_post",
                                     "amounts": {"post_subsidy": 2000}}]
    catalog = compile_document(document)
    here = {r["policy"]: r for r in in_chinese(evaluate(catalog, people.disabled_woman_30()))}
    there = {r["policy"]: r for r in in_chinese(evaluate(
        catalog, people.disabled_woman_30(residence_region="150702001001")))}
    assert "（2000元）" in here["public_welfare_post"]["gives"]
    assert "（1980元）" in there["public_welfare_post"]["gives"]  # the shipped example value
    assert here["public_welfare_post"]["catalog_version"] == "t-region"


@pytest.mark.parametrize("benefits", [
    [{"policy": "nope", "start": date(2025, 1, 1)}],
    [{"policy": "dibao_phase_out", "start": "2025-01-01"}],
    ["garbage"],
    None,
])
def test_malformed_benefit_records_are_ignored(benefits):
    found = results(facts(benefits=benefits))
    assert all(r["clocks"] == [] for r in found.values())


@pytest.mark.parametrize("written", [["flexible", "unemployed", "employed", "student"],
                                     ["student", "employed", "unemployed", "flexible"]])
def test_a_set_of_values_is_shown_in_the_order_written(written):
    from tests.policies.test_rules import document, policy
    catalog = compile_document(document(policy(eligibility={
        "fact": "employment_status", "in": written, "met": "{value}属于{threshold}",
        "unmet": "{value}不属于{threshold}"})))
    [result] = in_chinese(evaluate(catalog, facts(employment_status="retired")))
    labels = {"flexible": "灵活就业", "unemployed": "失业", "employed": "单位就业",
              "student": "在校学生"}
    assert texts(result, "failing") == ["已退休不属于" + "、".join(labels[w] for w in written)]
