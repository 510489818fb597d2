"""Category rules as data: the shipped file, the condition language, and its refusals."""
import copy
import json
from datetime import date

import pytest

from app.certification.rules import (MET, UNKNOWN, UNMET, RULES_DIR, RuleError,
                                     detect_categories, evaluate, load_rules, parse_rules)
from app.people.facts import FACT_KEYS
from app.rules.compiler import Context, condition
from app.rules.loader import load_source
from app.rules.vocabulary import ENGINE_ONLY, FACTS

TODAY = date(2026, 6, 15)
RULES = load_rules("nm-2019.1")
RAW = json.loads((RULES_DIR / "nm-2019.1.json").read_text(encoding="utf-8"))


def facts(**overrides):
    base = {"today": TODAY, "in_inner_mongolia": True, "urban_resident": True, "age": 40,
            "gender": "male", "registered_unemployed": True, "residence_months": 24,
            "social_insurance_months": 24, "disability_certificate": None, "household_size": None,
            "zero_employment_household": None, "land_lost": None,
            "land_compensation_monthly": None, "dibao": None, "unemployed_months": 3,
            "graduate_left_on": None, "ever_employed": True}
    base.update(overrides)
    return base


def statuses(result):
    return {r["code"]: r["status"] for r in result}


def test_shipped_rules_cover_the_six_categories():
    assert RULES.version == "nm-2019.1"
    assert set(RULES.codes) == {"older", "disabled", "zero_employment_household", "land_lost",
                                "long_term_unemployed", "graduate"}
    assert "employed" in RULES.exit_reasons and "no_contact" in RULES.exit_reasons


def test_older_thresholds_differ_by_gender():
    assert statuses(detect_categories(RULES, facts(age=57)))["older"] == MET
    assert statuses(detect_categories(RULES, facts(age=49)))["older"] == UNMET
    assert statuses(detect_categories(RULES, facts(age=40, gender="female")))["older"] == MET
    assert statuses(detect_categories(RULES, facts(age=39, gender="female")))["older"] == UNMET


def test_long_term_unemployed_dibao_member():
    result = statuses(detect_categories(RULES, facts(age=46, gender="female", dibao=True,
                                                     unemployed_months=14)))
    assert result["long_term_unemployed"] == MET
    assert statuses(detect_categories(RULES, facts(age=46, gender="female", dibao=True,
                                                   unemployed_months=11))
                    )["long_term_unemployed"] == UNMET


def test_disabled_woman_of_30_and_graduate():
    result = statuses(detect_categories(RULES, facts(
        age=30, gender="female", disability_certificate=True, graduate_left_on=date(2018, 7, 1),
        ever_employed=False)))
    assert result["disabled"] == MET and result["graduate"] == MET
    recent = statuses(detect_categories(RULES, facts(graduate_left_on=date(2025, 7, 1),
                                                     ever_employed=False)))
    assert recent["graduate"] == UNMET


def test_land_lost_compensation_above_benefit_is_excluded():
    base = facts(age=55, land_lost=True)
    assert statuses(detect_categories(RULES, {**base, "land_compensation_monthly": 800})
                    )["land_lost"] == MET
    assert statuses(detect_categories(RULES, {**base, "land_compensation_monthly": 5000})
                    )["land_lost"] == UNMET


def test_unknown_facts_answer_would_qualify_if():
    result = {r["code"]: r for r in detect_categories(RULES, facts(
        age=57, social_insurance_months=None, urban_resident=None))}
    older = result["older"]
    assert older["status"] == UNKNOWN
    assert "城镇常住人员" in older["missing"]
    assert "参加城镇职工社会保险累计满1年" in older["missing"]
    assert result["disabled"]["status"] == UNKNOWN  # certificate not stated either


def test_common_conditions_apply_to_every_category():
    result = detect_categories(RULES, facts(age=57, registered_unemployed=False))
    assert all(r["status"] == UNMET for r in result)
    assert all("已办理失业登记" in r["unmet"] for r in result)
    retired = detect_categories(RULES, facts(age=61, disability_certificate=True))
    assert statuses(retired)["disabled"] == UNMET


def test_evidence_checklist_marks_what_was_provided():
    result = {r["code"]: r for r in detect_categories(RULES, facts(age=57),
                                                       provided_evidence={"id_card"})}
    evidence = {e["kind"]: e["provided"] for e in result["older"]["evidence"]}
    assert evidence == {"id_card": True, "unemployment_registration": False,
                        "residence_proof": False, "social_insurance_record": False}


TEXTS = {"met": "满足", "unmet": "不满足"}


@pytest.mark.parametrize("node, code", [
    ({"fact": "age", "gte": 50, "lte": 60, **TEXTS}, "rules.bad_condition"),     # two operators
    ({"fact": "age", "eval": "__import__('os')", **TEXTS}, "rules.unknown_operator"),
    ({"fact": "os.system", "eq": 1, **TEXTS}, "rules.unknown_fact"),
    ({"fact": "age", "gte": {"param": "nope"}, **TEXTS}, "rules.unknown_param"),
    ({"fact": "age", "gte": "fifty", **TEXTS}, "rules.wrong_type"),
    ({"fact": "dibao", "eq": True, **TEXTS}, "rules.bad_operator"),              # booleans: is
    ({"fact": "age", "gte": 50}, "rules.missing_field"),                        # no texts
    ({"all": []}, "rules.wrong_type"),                                           # empty group
    ({"xor": [{"fact": "age", "gte": 1, **TEXTS}]}, "rules.bad_condition"),
    ("age >= 50", "rules.wrong_type"),                                           # code as text
    ({"all": [{"fact": "age", "gte": 60, **TEXTS}, {"fact": "age", "lt": 50, **TEXTS}]},
     "rules.never_true"),                                   # the catalog's consistency check
])
def test_malformed_rules_are_refused_at_load_time_with_path_and_line(node, code):
    raw = copy.deepcopy(RAW)
    raw["categories"][1]["when"] = node
    text = json.dumps(raw, ensure_ascii=False, indent=1)
    document, lines = load_source(text)
    with pytest.raises(RuleError) as refused:
        parse_rules(document, lines)
    issue = next(i for i in refused.value.issues if i["code"] == code)
    assert issue["path"].startswith("/categories/1/when")
    assert issue["line"] >= text[:text.index('"code": "disabled"')].count("\n") + 1
    assert issue["path"] in str(refused.value)


def test_the_shipped_file_names_lines_when_refused():
    text = (RULES_DIR / "nm-2019.1.json").read_text(encoding="utf-8")
    broken = text.replace('"fact": "dibao"', '"fact": "dibao_status"', 1)
    document, lines = load_source(broken)
    with pytest.raises(RuleError) as refused:
        parse_rules(document, lines)
    [issue] = refused.value.issues
    assert issue["code"] == "rules.unknown_fact"
    assert issue["line"] == broken[:broken.index("dibao_status")].count("\n") + 1


def test_three_valued_logic():
    ctx = Context(None)
    yes = {"met": "是", "unmet": "否", "unknown": "未知"}
    node = condition(ctx, {"any": [{"fact": "age", "eq": 1, **yes},
                                   {"fact": "household_size", "eq": 1, **yes}]}, "")
    assert evaluate(node, {"age": None, "household_size": 1})[0] is True
    assert evaluate(node, {"age": None, "household_size": 0}) == (None, ["未知"])
    negated = condition(ctx, {"not": {"fact": "age", "eq": 1, **yes}}, "")
    assert evaluate(negated, {"age": None}) == (None, ["未知"])
    both = condition(ctx, {"all": [{"fact": "age", "eq": 1, **yes},
                                   {"fact": "household_size", "eq": 1, **yes}]}, "")
    assert evaluate(both, {"age": None, "household_size": 0}) == (False, ["否"])
    assert ctx.issues == []


def test_the_rule_vocabulary_names_exactly_the_facts_people_build():
    """The facts a rule may name (app/rules, below people) are the facts build_facts gives,
    besides those the policy engine derives itself."""
    stated = {name for name, spec in FACTS.items() if not spec.derived} | ENGINE_ONLY
    assert stated == set(FACT_KEYS)
