"""The rule compiler: the shipped catalog compiles; malformed or self-contradictory
documents are refused with the path (and line) of each problem. No Flask, no database."""
import copy
import json

import pytest
import yaml

from app.policies.catalog import (CatalogError, compile_document, compile_source,
                                  document_checksum, shipped_catalog, shipped_document)
from tests.builders.people import in_chinese

# Every policy the notice names (§2.3, §2.5, §3), by catalog code.
NOTICE_POLICIES = {
    "tax_relief_hiring_unemployed", "tax_relief_self_employment", "startup_guaranteed_loan",
    "startup_guaranteed_loan_small_firm", "startup_training_subsidy",
    "one_time_startup_subsidy", "social_insurance_subsidy_flexible",
    "social_insurance_subsidy_employer", "vocational_training_subsidy",
    "skill_evaluation_subsidy", "public_welfare_post", "unemployment_insurance_benefit",
    "dibao_employment_cost_deduction", "dibao_phase_out", "zero_employment_immediate_help",
    "older_worker_posts",
}

AGE_50 = {"fact": "age", "gte": 50, "met": "年龄{value}", "unmet": "年龄{value}，不满{threshold}"}


def leaf(fact, op, value, **extra):
    return {"fact": fact, op: value, "met": "满足", "unmet": "不满足", **extra}


def policy(code="p_one", eligibility=None, **extra):
    return {"code": code, "name": "测试政策", "summary": "说明", "who": "对象",
            "beneficiary": "person", "department": {"lead": "hrss"},
            "eligibility": eligibility or AGE_50, "gives": "给予补贴",
            "duration": {"text": "一次性"},
            "steps": [{"title": "申请", "materials": [], "where": ["own_station"],
                       "channel": "both", "time_limit": "即时"}], **extra}


def document(*policies, **extra):
    return {"format": 1, "version": "t1", "title": "测试目录", "effective_from": "2026-01-01",
            "policies": list(policies) or [policy()], **extra}


def refused(doc, lines=None):
    with pytest.raises(CatalogError) as caught:
        compile_document(doc, lines)
    return in_chinese(caught.value.issues)


def only(issues):
    assert len(issues) == 1, issues
    return issues[0]


def test_shipped_catalog_compiles_and_names_every_policy_of_the_notice():
    catalog = shipped_catalog()
    assert catalog.version == "2025.2"
    assert {p.code for p in catalog.policies} == NOTICE_POLICIES
    for p in catalog.policies:
        assert p.steps[0].where[0] == "own_station"
        assert p.department and p.duration.text and p.who
    assert catalog.checksum == document_checksum(shipped_document())


def test_a_minimal_document_compiles():
    catalog = compile_document(document())
    assert catalog.version == "t1" and catalog.by_code["p_one"].eligibility.fact == "age"


def test_unknown_fact_is_refused_with_its_path():
    doc = document(policy(eligibility={"all": [AGE_50, leaf("agee", "gte", 5)]}))
    issue = only(refused(doc))
    assert issue["code"] == "rules.unknown_fact"
    assert issue["path"] == "/policies/0/eligibility/all/1/fact"


def test_code_in_data_is_never_run():
    doc = document(policy(eligibility=leaf("__import__('os').system('id')", "eq", 1)))
    assert only(refused(doc))["code"] == "rules.unknown_fact"


def test_unknown_operator():
    doc = document(policy(eligibility={"fact": "age", "greater": 5, "met": "a", "unmet": "b"}))
    issues = refused(doc)
    assert {i["code"] for i in issues} == {"rules.unknown_operator", "rules.bad_condition"}
    assert "/policies/0/eligibility/greater" in {i["path"] for i in issues}


def test_wrong_value_type():
    issue = only(refused(document(policy(eligibility=leaf("age", "gte", "50")))))
    assert (issue["code"], issue["path"]) == ("rules.wrong_type", "/policies/0/eligibility/gte")


def test_operator_that_does_not_fit_the_fact():
    issue = only(refused(document(policy(eligibility=leaf("dibao", "gte", 1)))))
    assert issue["code"] == "rules.bad_operator"


def test_unknown_enum_member():
    issue = only(refused(document(policy(eligibility=leaf("categories", "contains", "disabld")))))
    assert (issue["code"], issue["path"]) == ("rules.unknown_value",
                                              "/policies/0/eligibility/contains")


def test_gender_thresholds_need_both_genders():
    issue = only(refused(document(policy(eligibility=leaf("age", "gte", {"male": 50})))))
    assert issue["code"] == "rules.wrong_type"


def test_leaf_needs_its_explanations():
    issues = refused(document(policy(eligibility={"fact": "age", "gte": 50})))
    assert {i["code"] for i in issues} == {"rules.missing_field"}
    assert ["“met”" in issues[0]["message"], "“unmet”" in issues[1]["message"]] == [True, True]


@pytest.mark.parametrize("conditions, where", [
    ([leaf("age", "gte", 60), leaf("age", "lt", 50)], "/policies/0/eligibility"),
    ([leaf("unemployed_months", "gt", 5), leaf("unemployed_months", "lt", 6)],
     "/policies/0/eligibility"),
    ([leaf("dibao", "is", True), {"not": leaf("dibao", "is", True)}], "/policies/0/eligibility"),
    ([leaf("categories", "contains", "older"), leaf("categories", "not_contains", "older")],
     "/policies/0/eligibility"),
    ([leaf("employment_status", "in", ["flexible", "employed"]),
      leaf("employment_status", "eq", "unemployed")], "/policies/0/eligibility"),
    ([leaf("age", "gte", {"male": 50, "female": 40}), leaf("age", "lt", 45),
      leaf("gender", "eq", "male")], "/policies/0/eligibility"),
    ([leaf("graduate_left_on", "gte", "2024-01-01"), leaf("graduate_left_on", "lt", "2023-06-01")],
     "/policies/0/eligibility"),
])
def test_conditions_that_can_never_be_true_are_refused(conditions, where):
    issue = only(refused(document(policy(eligibility={"all": conditions}))))
    assert issue["code"] == "rules.never_true" and issue["path"] == where
    assert set(issue["related"]) <= {f"{where}/all/{i}" for i in range(len(conditions))} | \
        {f"{where}/all/{i}/not" for i in range(len(conditions))}
    assert len(issue["related"]) >= 2


def test_a_satisfiable_mix_is_accepted():
    # Women of 40-44 satisfy both: not a contradiction.
    compile_document(document(policy(eligibility={"all": [
        leaf("age", "gte", {"male": 50, "female": 40}), leaf("age", "lt", 45)]})))


def test_a_dead_branch_is_reported_at_the_branch():
    dead = {"all": [leaf("age", "gte", 60), leaf("age", "lt", 50)]}
    issue = only(refused(document(policy(eligibility={"any": [AGE_50, dead]}))))
    assert issue["path"] == "/policies/0/eligibility/any/1"


def test_a_value_outside_the_fact_domain_can_never_be_true():
    issue = only(refused(document(policy(eligibility=leaf("disability_level", "gte", 5)))))
    assert issue["code"] == "rules.never_true"


def test_duplicate_policy_codes():
    issue = only(refused(document(policy("p_one"), policy("p_one"))))
    assert (issue["code"], issue["path"]) == ("rules.duplicate_code", "/policies/1/code")


def test_effective_dates_must_be_ordered():
    issue = only(refused(document(effective_to="2025-12-31")))
    assert (issue["code"], issue["path"]) == ("rules.bad_dates", "/effective_to")


def test_named_conditions_unknown_and_circular():
    doc = document(policy(eligibility={"ref": "nope"}))
    assert only(refused(doc))["code"] == "rules.unknown_condition"
    doc = document(policy(eligibility={"ref": "a_cond"}),
                   conditions={"a_cond": {"ref": "b_cond"}, "b_cond": {"ref": "a_cond"}})
    assert "rules.circular_condition" in {i["code"] for i in refused(doc)}


def test_templates_are_checked():
    bad = dict(AGE_50, met="年龄{value.__class__}")
    assert only(refused(document(policy(eligibility=bad))))["code"] == "rules.bad_placeholder"
    issue = only(refused(document(policy(gives="每人{amount.nope}"))))
    assert (issue["code"], issue["path"]) == ("rules.bad_placeholder", "/policies/0/gives")


def test_first_place_is_the_persons_own_station():
    p = policy()
    p["steps"][0]["where"] = ["county_hall", "own_station"]
    issue = only(refused(document(p)))
    assert (issue["code"], issue["path"]) == ("rules.own_station_first",
                                              "/policies/0/steps/0/where")


def test_unknown_fields_are_refused():
    issue = only(refused(document(policy(eval="1+1"))))
    assert (issue["code"], issue["path"]) == ("rules.unknown_field", "/policies/0/eval")


def test_every_problem_is_reported_at_once():
    doc = document(policy("p_one", eligibility=leaf("agee", "gte", 1)),
                   policy("p_two", eligibility=leaf("age", "gte", "x")))
    assert len(refused(doc)) == 2


def test_yaml_source_errors_carry_their_line():
    text = yaml.safe_dump(document(policy(eligibility={"all": [AGE_50, leaf("agee", "gte", 5)]})),
                          allow_unicode=True, sort_keys=False)
    with pytest.raises(CatalogError) as caught:
        compile_source(text)
    issue = only(caught.value.issues)
    assert issue["path"] == "/policies/0/eligibility/all/1/fact"
    assert text.splitlines()[issue["line"] - 1].strip() == "- fact: agee"


def test_yaml_duplicate_keys_and_loose_booleans_are_refused():
    with pytest.raises(CatalogError) as caught:
        compile_source("format: 1\nversion: a\nversion: b\n")
    assert only(caught.value.issues)["line"] == 3
    text = yaml.safe_dump(document(policy(eligibility=leaf("dibao", "is", True))),
                          allow_unicode=True).replace("is: true", "is: yes")
    with pytest.raises(CatalogError) as caught:
        compile_source(text)
    assert only(caught.value.issues)["code"] == "rules.wrong_type"


def test_json_and_yaml_forms_are_the_same_document():
    doc = shipped_document()
    assert compile_source(json.dumps(doc, ensure_ascii=False)).checksum == \
        shipped_catalog().checksum


def test_region_overrides_longest_prefix_wins():
    p = policy(amounts={"per_person": {"label": "标准", "value": None, "unit": "yuan",
                                       "basis": "to_confirm"}}, gives="每人{amount.per_person}")
    doc = document(p, region_overrides=[
        {"region": "15", "policy": "p_one", "amounts": {"per_person": 1000}},
        {"region": "150102", "policy": "p_one", "amounts": {"per_person": 1500}}])
    catalog = compile_document(doc)
    assert catalog.amounts_for("p_one", "150102001001")["per_person"].value == 1500
    assert catalog.amounts_for("p_one", "150702001")["per_person"].value == 1000
    assert catalog.amounts_for("p_one", None)["per_person"].value is None
    bad = copy.deepcopy(doc)
    bad["region_overrides"][1]["amounts"] = {"nope": 1}
    bad["region_overrides"][0]["policy"] = "p_two"
    assert {i["code"] for i in refused(bad)} == {"rules.unknown_amount", "rules.unknown_policy"}


def test_deep_nesting_is_refused_not_crashed():
    node = AGE_50
    for _ in range(200):
        node = {"not": node}
    issues = refused(document(policy(eligibility=node)))
    assert [i["code"] for i in issues] == ["rules.too_deep"]
    chain = {f"c{i:03d}": {"ref": f"c{i + 1:03d}"} for i in range(100)}
    chain["c100"] = AGE_50
    issues = refused(document(policy(eligibility={"ref": "c000"}), conditions=chain))
    assert "rules.too_deep" in {i["code"] for i in issues}
    with pytest.raises(CatalogError) as caught:
        compile_source("a: " + "[" * 5000 + "]" * 5000)
    assert only(caught.value.issues)["code"] in {"rules.too_deep", "rules.unreadable"}


def test_a_yaml_alias_cannot_expand_a_small_text():
    text = "a: &x [1, 2, 3]\nb: [*x, *x, *x]\n"
    with pytest.raises(CatalogError) as caught:
        compile_source(text)
    assert only(caught.value.issues)["code"] == "rules.alias_not_allowed"


def _with(doc, where, value):
    doc = copy.deepcopy(doc)
    target = doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return doc


@pytest.mark.parametrize("where", [
    ("policies", 0, "code"), ("policies", 0, "beneficiary"), ("policies", 0, "department", "lead"),
    ("policies", 0, "department", "partners"), ("policies", 0, "steps", 0, "where", 0),
    ("policies", 0, "steps", 0, "channel"), ("policies", 0, "duration", "clock"),
    ("policies", 0, "amounts", "per_person", "unit"),
    ("policies", 0, "amounts", "per_person", "basis"), ("policies", 0, "eligibility", "fact"),
    ("policies", 0, "eligibility", "measure"), ("region_overrides", 0, "policy"),
])
@pytest.mark.parametrize("value", [[{}], {}, ["own_station"], {"a": 1}])
def test_a_list_or_object_where_a_name_belongs_is_refused_not_crashed(where, value):
    p = policy(amounts={"per_person": {"label": "标准", "value": None, "unit": "yuan",
                                       "basis": "to_confirm"}}, gives="每人{amount.per_person}",
               eligibility={"fact": "categories", "contains": "older", "met": "a", "unmet": "b"})
    doc = document(p, region_overrides=[{"region": "15", "policy": "p_one",
                                         "amounts": {"per_person": 1}}])
    compile_document(doc)
    months_by = _with(doc, ("policies", 0, "duration"),
                      {"text": "t", "months_by": {"fact": "age", "steps": [
                          {"at_least": 1, "months": 1}]}})
    for broken in (_with(doc, where, value),
                   _with(months_by, ("policies", 0, "duration", "months_by", "fact"), value),
                   _with(doc, ("policies", 0, "eligibility"),
                         {"fact": "employment_status", "eq": value, "met": "a", "unmet": "b"})):
        assert refused(broken)
