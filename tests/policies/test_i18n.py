"""Every text a person reads in an evaluation result or a refusal of a rule document goes
through the translation layer: the pure engine carries app.core.i18n.Text, the HTTP layer
renders it in the caller's language."""
import ast
import copy
import json
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import Domain
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.core.errors import ValidationFailed
from app.core.i18n import Renderable, render_all
from app.policies import services
from app.policies.catalog import (CatalogError, compile_document, compile_source, shipped_catalog,
                                  shipped_document)
from app.policies.engine import benefits_ending_within, evaluate
from app.policies.schemas import EvaluationSchema, PolicyDetailSchema
from tests.builders import people
from tests.builders.people import TODAY, facts, in_chinese

NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def pseudo(template):
    """A stand-in language: every non-ASCII character of a template becomes "#", so any
    Chinese left after rendering bypassed the translation layer."""
    return NOT_ASCII.sub("#", template)


def untranslated(rendered):
    return sorted(set(re.findall(r"[^\x00-\x7f]+", json.dumps(rendered, ensure_ascii=False,
                                                                 default=str))))


def a_catalog_of_every_kind_of_value():
    """Explanations that show dates, lists, booleans, enums, measures, gender thresholds and
    amounts (the shipped catalog shows only some of them)."""
    def leaf(fact, op, value, **extra):
        return {"fact": fact, op: value, "met": "{label}：{value}（{threshold}）",
                "unmet": "{label}不符：{value}（{threshold}）", **extra}
    conditions = [
        leaf("certified_on", "gte", "2025-01-01"), leaf("dibao", "is", True),
        leaf("wants", "contains", "job"), leaf("employment_status", "in", ["flexible"]),
        leaf("age", "gte", {"male": 50, "female": 40}, unknown="{label}？{threshold}"),
        leaf("business_registered_on", "gte", 12, measure="months_since"),
        leaf("categories", "gte", 1, measure="count"),
        leaf("land_compensation_monthly", "lt", 1.5),
        {"any": [leaf("unemployed_months", "gte", 6),
                 leaf("graduate_left_on", "gte", "2024-07-01")]},
    ]
    amounts = {"big": {"label": "贷款", "value": 200000, "unit": "yuan", "basis": "confirmed"},
               "open": {"label": "补贴", "value": None, "unit": "yuan", "basis": "to_confirm"},
               "rate": {"label": "比例", "value": 2.5, "unit": "percent", "basis": "confirmed"}}
    policies = [{"code": f"p_{i}", "name": f"政策{i}", "summary": "说明", "who": "对象",
                 "beneficiary": "person", "department": {"lead": "hrss"}, "eligibility": c,
                 "gives": "{amount.big}、{amount.open}、{amount.rate}", "amounts": amounts,
                 "duration": {"text": "一次性"},
                 "steps": [{"title": "申请", "materials": [], "where": ["own_station"],
                            "channel": "both", "time_limit": "即时"}]}
                for i, c in enumerate(conditions)]
    return compile_document({"format": 1, "version": "t-i18n", "title": "测试",
                             "effective_from": "2025-01-01", "policies": policies})


EVERYONE = [
    people.man_57_near_retirement(), people.dibao_member_unemployed_14_months(),
    people.disabled_woman_30(), people.zero_employment_member(), {"today": TODAY},
    facts(gender=None, age=45, birth_date=date(1980, 6, 1), certified=None),
    facts(age=50, birth_date=date(1975, 6, 1), gender="female", certified=True,
          employment_status="flexible", wants=["job", "training"], dibao=False,
          certified_on=date(2025, 3, 1), categories=["older", "disabled"],
          business_registered_on=date(2024, 1, 15), land_compensation_monthly=1.0),
    # A spent three-year pool, and one that runs until retirement.
    facts(birth_date=date(1980, 4, 10), age=45, gender="male", certified=True,
          employment_status="flexible", benefits=[{"policy": "public_welfare_post",
                                                   "start": date(2021, 1, 1),
                                                   "end": date(2024, 1, 1)}]),
    people.man_57_near_retirement(today=date(2029, 6, 1)),
]


@pytest.mark.parametrize("catalog", [shipped_catalog(), a_catalog_of_every_kind_of_value()],
                         ids=["shipped", "every-kind"])
def test_every_text_of_an_evaluation_passes_through_translation(catalog):
    for person in EVERYONE:
        results = evaluate(catalog, person)
        chinese, translated = in_chinese(results), render_all(results, pseudo)
        assert untranslated(translated) == []
        for read, raw in zip(chinese, results):
            texts = [read["name"], read["gives"]] + \
                [item["text"] for key in ("reasons", "failing", "missing") for item in read[key]]
            assert all(NOT_ASCII.search(t) for t in texts), texts  # not a vacuous check
            assert isinstance(raw["gives"], Renderable) and isinstance(raw["name"], Renderable)
        # Only the texts differ: statuses, facts and clocks are the same in any language.
        strip = [{k: v for k, v in r.items() if k not in ("name", "gives", "reasons",
                                                         "failing", "missing")}
                 for r in chinese]
        assert strip == [{k: v for k, v in r.items() if k not in (
            "name", "gives", "reasons", "failing", "missing")} for r in translated]
        assert render_all(benefits_ending_within(catalog, person), pseudo) == \
            benefits_ending_within(catalog, person)


def test_a_translation_reorders_parts_and_translates_nested_texts():
    mongolian = {"{label}已累计享受{months_used}个月，达到{cap_months}个月上限":
                 "{label}: {cap_months} сарын дээд хязгаар ({months_used})",
                 "社会保险补贴（含公益性岗位社会保险补贴）": "НДШ-ийн татаас",
                 "需核实：{facts}": "Шалгах: {facts}", "；": "; ",
                 "{label}，请提供{evidence}": "{label} ({evidence})",
                 "是否已认定为就业困难人员": "?"}

    def translate(template):
        return mongolian.get(template, template)
    spent = evaluate(shipped_catalog(), EVERYONE[7])
    post = next(r for r in spent if r["policy"] == "public_welfare_post")
    assert post["failing"][-1]["text"].render(translate) == \
        "НДШ-ийн татаас: 36 сарын дээд хязгаар (36)"
    blank = {r["policy"]: r for r in evaluate(shipped_catalog(), {"today": TODAY})}
    texts = [item["text"].render(translate) for r in blank.values() for item in r["missing"]]
    assert any(t.startswith("Шалгах: ") and "; " in t for t in texts)


BROKEN = [
    {"format": 2, "version": "bad version!", "title": "", "effective_from": "2025-13-01",
     "effective_to": "x", "policies": [], "zz": 1},
    {"format": 1, "version": "t", "title": "t", "effective_from": "2026-01-01",
     "effective_to": "2025-01-01", "clock_pools": {"P": {"label": 1, "cap_months": -1}},
     "conditions": {"a_cond": {"ref": "b_cond"}, "b_cond": {"ref": "a_cond"}, "B": {"ref": 1}},
     "region_overrides": [{"region": "99", "policy": "nope", "amounts": {}}],
     "policies": [{"code": "bbb", "name": 1, "summary": "", "who": "w", "beneficiary": "x",
                   "department": {"lead": "x", "partners": ["y"]},
                   "eligibility": {"all": [
                       {"fact": "agee", "gte": 1}, {"fact": "benefits", "eq": 1},
                       {"fact": "age", "gte": "5", "lt": 3, "met": "{x}", "unmet": "{"},
                       {"fact": "dibao", "gte": 1, "met": "a", "unmet": "b"},
                       {"fact": "gender", "eq": "man", "met": "a", "unmet": "b"},
                       {"fact": "age", "gte": {"male": 1}, "met": "a", "unmet": "b"},
                       {"fact": "wants", "in": [], "met": "a", "unmet": "b"},
                       {"fact": "age", "measure": "count", "gte": 1, "met": "a", "unmet": "b"},
                       {"fact": "birth_date", "gte": "2020", "met": "a", "unmet": "b"},
                       {"all": [], "met": "a"}, {"any": [1], "zz": 2},
                       {"ref": "a_cond", "met": "x"},
                       {"fact": "age", "is": True, "met": "a", "unmet": "b"}, {"fact": "age"},
                       {"fact": "age", "greater": 1, "met": "a", "unmet": "b"},
                       {"not": {"all": [{"fact": "age", "gte": 60, "met": "a", "unmet": "b"},
                                        {"fact": "age", "lt": 50, "met": "a", "unmet": "b"}]}},
                       {"all": [{"fact": "age", "gte": 60, "met": "a", "unmet": "b"},
                                {"fact": "age", "lt": 50, "met": "a", "unmet": "b"}]}]},
                   "gives": "{amount.zz}", "amounts": {"K": {"label": "", "value": -1,
                                                           "unit": "x", "basis": "y"}},
                   "duration": {"text": "", "months": 0, "clock": "none",
                                "months_by": {"fact": "age", "steps": [
                                    {"at_least": 5, "months": 1}, {"at_least": 5, "months": 2}]}},
                   "steps": [{"title": "", "materials": [1], "where": ["moon"], "channel": "x",
                              "time_limit": ""}, {"title": "t"}]},
                  {"code": "bbb", "name": "n", "summary": "s", "who": "w",
                   "beneficiary": "person", "department": {"lead": "hrss"},
                   "eligibility": {"fact": "age", "gte": 1, "met": "a", "unmet": "b"},
                   "gives": "g", "duration": {"text": "t", "months_by": {"fact": "gender",
                                                                        "steps": []}},
                   "steps": []}]},
    {"format": 1, "version": "t", "title": "t", "effective_from": "2026-01-01",
     "policies": [{"code": "aaa", "name": "n", "summary": "s", "who": "w",
                   "beneficiary": "person", "department": {"lead": "hrss"},
                   "eligibility": {"fact": "age", "gte": 1, "met": "a", "unmet": "b"},
                   "gives": "g", "amounts": {"x": {"label": "l", "value": 1, "unit": "yuan",
                                                  "basis": "confirmed"}},
                   "duration": {"text": "t"},
                   "steps": [{"title": "t", "materials": [], "where": ["own_station"],
                              "channel": "both", "time_limit": "t"}]}],
     "region_overrides": [{"region": "15", "policy": "aaa", "amounts": {"y": 1, "x": "1"}},
                          {"region": "15", "policy": "aaa", "amounts": {}}]},
]
BROKEN.append(copy.deepcopy(BROKEN[-1]))
BROKEN[-1]["policies"][0]["steps"][0]["where"] = ["county_hall", "own_station"]
SOURCES = ["", "a: [", "a: &x [1]\nb: *x\n", "format: 1\nversion: a\nversion: b\n",
           "? [1]\n: 2\n", "a: " + "[" * 3000 + "]" * 3000]


def refusals():
    for document in BROKEN:
        with pytest.raises(CatalogError) as caught:
            compile_document(document)
        yield from caught.value.issues
    for source in SOURCES:
        with pytest.raises(CatalogError) as caught:
            compile_source(source)
        yield from caught.value.issues
    deep = {"fact": "age", "gte": 1, "met": "a", "unmet": "b"}
    for _ in range(30):
        deep = {"not": deep}
    document = shipped_document()
    document["policies"][0]["eligibility"] = deep
    with pytest.raises(CatalogError) as caught:
        compile_document(document)
    yield from caught.value.issues


def test_every_refusal_of_a_rule_document_passes_through_translation():
    issues = list(refusals())
    assert len({issue["code"] for issue in issues}) >= 30  # most kinds of problem
    for issue in issues:
        assert isinstance(issue["message"], Renderable)
        assert NOT_ASCII.search(issue["message"].render(lambda t: t)), issue
    assert untranslated(render_all(issues, pseudo)) == []


PURE = ["certification/rules", "policies/catalog", "policies/clock", "policies/engine", "policies/retirement",
        "policies/vocabulary", "rules/__init__", "rules/compiler", "rules/conditions",
        "rules/consistency", "rules/dates", "rules/loader", "rules/vocabulary"]
APP = Path(__file__).resolve().parents[2] / "app"


@pytest.mark.parametrize("path", [APP / "core" / "i18n.py", APP / "core" / "months.py"] +
                         [APP / f"{name}.py" for name in PURE],
                         ids=lambda p: str(p.relative_to(APP)))
def test_pure_modules_never_import_flask_or_the_database(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module)
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"flask", "flask_babel", "flask_smorest", "sqlalchemy", "werkzeug"}
    allowed = {"app.core.i18n", "app.core.months"}
    assert not {name for name in imported
                if name.startswith("app.") and not name.startswith("app.rules.")} - allowed


# ---------------------------------------------------------------- over HTTP, in Mongolian

MONGOLIAN = {
    "需核实：{facts}": "Шалгах: {facts}",
    "{label}，请提供{evidence}": "{label} ({evidence})",
    "；": "; ",
    "性别": "Хүйс",
    "居民身份证": "Иргэний үнэмлэх",
    "{value}岁": "{value} нас",
    "男性{threshold}": "эрэгтэй {threshold}",
    "女性{threshold}": "эмэгтэй {threshold}",
    "、": ", ",
    "{value}万元": "{value} түмэн юань",
    "以当地标准为准": "орон нутгийн жишгээр",
    "条件同时包含{kinds}，只能有一个": "нэг л төрөл: {kinds}",
    "未知的字段“{key}”": "үл мэдэгдэх талбар «{key}»",
}


@pytest.fixture()
def in_mongolian(fresh_app, tmp_path):
    """A request from a Mongolian reader, with a small Mongolian catalog on disk."""
    catalog = Catalog(locale="mn")
    for msgid, msgstr in MONGOLIAN.items():
        catalog.add(msgid, msgstr)
    folder = tmp_path / "mn" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    with fresh_app.test_request_context(headers={"Accept-Language": "mn"}):
        Domain(translation_directories=[str(tmp_path)]).as_default()
        yield
        from app.extensions import db
        db.session.remove()


def test_the_response_schemas_write_results_in_the_callers_language(in_mongolian):
    person = {"today": TODAY, "age": 45, "birth_date": date(1980, 6, 1)}
    body = EvaluationSchema().dump(services.evaluate_facts(person))
    older = next(r for r in body["results"] if r["policy"] == "older_worker_posts")
    texts = [item["text"] for item in older["missing"]]
    assert "Шалгах: Хүйс (Иргэний үнэмлэх)" in texts
    catalog = services.catalog_in_force()
    loan = PolicyDetailSchema().dump(services.describe_policy(
        catalog, catalog.by_code["startup_guaranteed_loan"], "150102001001", with_steps=True))
    assert loan["gives"].startswith("个人最高可申请20 түмэн юань创业担保贷款")  # catalog data
    assert "20 түмэн юань" in {a["display"] for a in loan["amounts"]}
    # An amount still to be confirmed locally (no value in the catalog) reads as such.
    flexible = PolicyDetailSchema().dump(services.describe_policy(
        catalog, catalog.by_code["social_insurance_subsidy_flexible"], "150702001001",
        with_steps=True))
    assert "（补贴比例орон нутгийн жишгээр）" in flexible["gives"]
    assert "орон нутгийн жишгээр" in {a["display"] for a in flexible["amounts"]}


def test_a_refused_document_is_explained_in_the_callers_language(in_mongolian):
    from app.extensions import db
    admin = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "region_admin"))
    document = shipped_document()
    document["policies"][0]["eligibility"] = {"all": [
        {"all": [], "any": []}, {"any": [{"ref": "certified"}], "zz": 1}]}
    with pytest.raises(ValidationFailed) as caught:
        services.publish_version(admin, document)
    messages = {i["message"] for i in caught.value.details["issues"]}
    assert "үл мэдэгдэх талбар «zz»" in messages
    assert "нэг л төрөл: all, any" in messages
