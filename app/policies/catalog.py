"""A catalog version: validate a whole rule document and build the immutable Catalog.

    compile_document(document, lines) -> Catalog      raises CatalogError(issues)
    compile_source(text) -> Catalog                   YAML or JSON text, issues carry lines
    shipped_catalog() -> Catalog                      data/catalog-<SHIPPED_VERSION>.yaml

Every problem is reported with its JSON Pointer path and, for text, its line, all at once,
so a region admin can fix a version in one go (messages are app.core.i18n.Text, rendered in
the reader's language by the HTTP layer). Compiling is pure and deterministic; the
service layer caches compiled catalogs per checksum.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.core.i18n import N_, Text

from app.rules.compiler import (CatalogError, Context, condition, date_field, expect, keys,
                                known, one_of, ref, refuse_if_any, template)
from app.rules.loader import SourceError, load_file, load_source, pointer
from app.rules.vocabulary import FACTS, NUMERIC_TYPES

from .vocabulary import AMOUNT_BASES, AMOUNT_UNITS, BENEFICIARIES, CHANNELS, DEPARTMENTS, PLACES

DATA_DIR = Path(__file__).parent / "data"
SHIPPED_VERSION = "2025.2"
FORMAT = 1
CODE = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
REGION_PREFIX = re.compile(r"^15(\d{2}){0,2}(\d{3}){0,2}$")
RESERVED_CODES = {"versions", "evaluate", "me"}
NAME, AMOUNT = Text(N_("名称")), Text(N_("金额"))

# ---------------------------------------------------------------- compiled catalog


@dataclass(frozen=True)
class Amount:
    key: str
    label: str
    value: float | None
    unit: str
    basis: str
    note: str = ""
    region: str | None = None  # the override prefix that set the value, if any


@dataclass(frozen=True)
class Step:
    title: str
    materials: tuple
    where: tuple
    channel: str
    time_limit: str


@dataclass(frozen=True)
class Duration:
    text: str
    months: int | None = None
    pool: str | None = None
    months_by: tuple = ()  # ((fact value at least, months), ...) ascending
    months_by_fact: str | None = None


@dataclass(frozen=True)
class Pool:
    code: str
    label: str
    cap_months: int
    extend_within_months: int


@dataclass(frozen=True)
class Policy:
    code: str
    name: str
    summary: str
    who: str
    beneficiary: str
    department: str
    partners: tuple
    notice_ref: str
    eligibility: object
    gives: str
    amounts: dict
    duration: Duration
    steps: tuple


@dataclass(frozen=True)
class Catalog:
    version: str
    title: str
    effective_from: date
    effective_to: date | None
    checksum: str
    policies: tuple
    pools: dict
    overrides: tuple  # ((prefix, policy, {key: value}), ...) longest prefix first
    by_code: dict = field(repr=False)
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # rendered texts

    def amounts_for(self, code, region_code=None):
        """The policy's amounts, with region overrides (longest matching prefix) applied."""
        amounts = dict(self.by_code[code].amounts)
        if region_code:
            done = set()
            for prefix, policy, values in self.overrides:
                if policy != code or not region_code.startswith(prefix):
                    continue
                for key, value in values.items():
                    if key not in done:
                        done.add(key)
                        base = amounts[key]
                        amounts[key] = Amount(key, base.label, value, base.unit, "confirmed",
                                              base.note, prefix)
        return amounts


def canonical_json(document):
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def document_checksum(document):
    return "sha256:" + hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the document


def compile_source(text):
    """YAML or JSON text -> Catalog; every issue carries its line."""
    try:
        document, lines = load_source(text)
    except SourceError as exc:
        raise CatalogError([exc.issue])
    return compile_document(document, lines)


def compile_document(document, lines=None):
    """Validate a rule document and build its Catalog, or raise CatalogError."""
    ctx = Context(lines)
    top_ok = keys(ctx, document, "", ("format", "version", "title", "effective_from",
                                      "policies"),
                  ("effective_to", "source", "note", "clock_pools", "conditions",
                   "region_overrides"))
    if not isinstance(document, dict):
        raise CatalogError(ctx.issues)
    if document.get("format") != FORMAT:
        ctx.fail("/format", "rules.unsupported_format", Text(N_("format 应为 {format}"),
                                                                 format=FORMAT))
    version = document.get("version")
    if not isinstance(version, str) or not VERSION.match(version):
        ctx.fail("/version", "rules.bad_version",
                 Text(N_("版本号应为 1-32 位字母、数字、点、下划线或连字符")))
    expect(ctx, document.get("title"), "/title", "str", Text(N_("标题")))
    start = date_field(ctx, document.get("effective_from"), "/effective_from",
                       Text(N_("生效日期")))
    end = None
    if document.get("effective_to") is not None:
        end = date_field(ctx, document["effective_to"], "/effective_to", Text(N_("失效日期")))
        if start and end and end < start:
            ctx.fail("/effective_to", "rules.bad_dates", Text(N_("失效日期早于生效日期")))
    pools = _pools(ctx, document.get("clock_pools", {}))
    _named_conditions(ctx, document.get("conditions", {}))
    policies = _policies(ctx, document.get("policies"), pools) if top_ok else []
    overrides = _overrides(ctx, document.get("region_overrides", []), policies)
    refuse_if_any(ctx)
    by_code = {p.code: p for p in policies}
    return Catalog(version=version, title=document["title"], effective_from=start,
                   effective_to=end, checksum=document_checksum(document),
                   policies=tuple(policies), pools=pools, overrides=overrides,
                   by_code=by_code)


def _pools(ctx, raw):
    pools = {}
    if not expect(ctx, raw, "/clock_pools", "dict", "clock_pools"):
        return pools
    for code, body in raw.items():
        path = pointer("/clock_pools", code)
        if not CODE.match(code):
            ctx.fail(path, "rules.bad_code", Text(N_("期限池代码应为小写字母、数字和下划线")))
        if not keys(ctx, body, path, ("label", "cap_months", "extend_to_retirement_within_months")):
            continue
        ok = expect(ctx, body["label"], pointer(path, "label"), "str", NAME)
        for key in ("cap_months", "extend_to_retirement_within_months"):
            if not expect(ctx, body[key], pointer(path, key), "int", key) or body[key] < 0:
                ok = False
        if ok:
            pools[code] = Pool(code, body["label"], body["cap_months"],
                               body["extend_to_retirement_within_months"])
    return pools


def _named_conditions(ctx, raw):
    if not expect(ctx, raw, "/conditions", "dict", "conditions"):
        return
    ctx.named_raw = raw
    for name in raw:
        if not CODE.match(name):
            ctx.fail(pointer("/conditions", name), "rules.bad_code",
                     Text(N_("条件名称应为小写字母、数字和下划线")))
        ref(ctx, name, pointer("/conditions", name))


POLICY_REQUIRED = ("code", "name", "summary", "who", "beneficiary", "department",
                   "eligibility", "gives", "duration", "steps")
POLICY_OPTIONAL = ("notice_ref", "amounts")


def _policies(ctx, raw, pools):
    if not expect(ctx, raw, "/policies", "list", "policies") or not raw:
        if isinstance(raw, list):
            ctx.fail("/policies", "rules.empty", Text(N_("政策目录不能为空")))
        return []
    policies, seen = [], {}
    for index, body in enumerate(raw):
        path = pointer("/policies", index)
        if not keys(ctx, body, path, POLICY_REQUIRED, POLICY_OPTIONAL):
            continue
        code = body["code"]
        good_code = isinstance(code, str) and CODE.match(code) and code not in RESERVED_CODES
        if not good_code:
            ctx.fail(pointer(path, "code"), "rules.bad_code",
                     Text(N_("政策代码应为 3-64 位小写字母、数字和下划线，且不能是保留字")))
        elif code in seen:
            ctx.fail(pointer(path, "code"), "rules.duplicate_code",
                     Text(N_("政策代码“{code}”与 {other} 重复"), code=code, other=seen[code]))
        else:
            seen[code] = path
        policy = _policy(ctx, body, path, pools)  # its other problems are reported too
        if policy is not None and good_code:
            policies.append(policy)
    return policies


def _policy(ctx, body, path, pools):
    ok = all([expect(ctx, body[k], pointer(path, k), "str", k) for k in ("name", "summary", "who")])
    if not known(body["beneficiary"], BENEFICIARIES):
        ctx.fail(pointer(path, "beneficiary"), "rules.unknown_value",
                 Text(N_("beneficiary 应为 {allowed} 之一"), allowed=one_of(BENEFICIARIES)))
        ok = False
    if "notice_ref" in body:
        ok &= expect(ctx, body["notice_ref"], pointer(path, "notice_ref"), "str", "notice_ref")
    lead, partners = _department(ctx, body["department"], pointer(path, "department"))
    amounts = _amounts(ctx, body.get("amounts", {}), pointer(path, "amounts"))
    gives = template(ctx, body["gives"], pointer(path, "gives"),
                     {f"amount.{k}" for k in amounts}, Text(N_("享受内容")))
    duration = _duration(ctx, body["duration"], pointer(path, "duration"), pools)
    steps = _steps(ctx, body["steps"], pointer(path, "steps"))
    eligibility = condition(ctx, body["eligibility"], pointer(path, "eligibility"))
    if not ok or None in (lead, gives, duration, steps, eligibility):
        return None
    return Policy(code=body["code"], name=body["name"], summary=body["summary"],
                  who=body["who"], beneficiary=body["beneficiary"], department=lead,
                  partners=partners, notice_ref=body.get("notice_ref", ""),
                  eligibility=eligibility, gives=gives, amounts=amounts, duration=duration,
                  steps=steps)


def _department(ctx, raw, path):
    if not keys(ctx, raw, path, ("lead",), ("partners",)):
        return None, ()
    lead = raw["lead"]
    if not known(lead, DEPARTMENTS):
        ctx.fail(pointer(path, "lead"), "rules.unknown_value",
                 Text(N_("未知的部门“{department}”"), department=lead))
        lead = None
    partners = raw.get("partners", [])
    if not expect(ctx, partners, pointer(path, "partners"), "list", "partners"):
        return None, ()
    for i, dept in enumerate(partners):
        if not known(dept, DEPARTMENTS):
            ctx.fail(pointer(pointer(path, "partners"), i), "rules.unknown_value",
                     Text(N_("未知的部门“{department}”"), department=dept))
            lead = None
    return lead, tuple(partners)


def _amounts(ctx, raw, path):
    amounts = {}
    if not expect(ctx, raw, path, "dict", "amounts"):
        return amounts
    for key, body in raw.items():
        sub = pointer(path, key)
        if not CODE.match(key):
            ctx.fail(sub, "rules.bad_code", Text(N_("金额代码应为小写字母、数字和下划线")))
        if not keys(ctx, body, sub, ("label", "value", "unit", "basis"), ("note",)):
            continue
        ok = expect(ctx, body["label"], pointer(sub, "label"), "str", NAME)
        value = body["value"]
        if value is not None and (not expect(ctx, value, pointer(sub, "value"), "number", AMOUNT)
                                  or value < 0):
            ok = False
        if not known(body["unit"], AMOUNT_UNITS):
            ctx.fail(pointer(sub, "unit"), "rules.unknown_value",
                     Text(N_("unit 应为 {allowed} 之一"), allowed=one_of(AMOUNT_UNITS)))
            ok = False
        if not known(body["basis"], AMOUNT_BASES):
            ctx.fail(pointer(sub, "basis"), "rules.unknown_value",
                     Text(N_("basis 应为 {allowed} 之一"), allowed=one_of(AMOUNT_BASES)))
            ok = False
        if "note" in body:
            ok &= expect(ctx, body["note"], pointer(sub, "note"), "str", Text(N_("说明")))
        if ok:
            amounts[key] = Amount(key, body["label"], value, body["unit"], body["basis"],
                                  body.get("note", ""))
    return amounts


def _duration(ctx, raw, path, pools):
    if not keys(ctx, raw, path, ("text",), ("months", "clock", "months_by")):
        return None
    ok = expect(ctx, raw["text"], pointer(path, "text"), "str", Text(N_("期限说明")))
    months = raw.get("months")
    if months is not None and (not expect(ctx, months, pointer(path, "months"), "int",
                                          Text(N_("月数"))) or months <= 0):
        ok = False
    pool = raw.get("clock")
    if pool is not None and not known(pool, pools):
        ctx.fail(pointer(path, "clock"), "rules.unknown_value",
                 Text(N_("未定义的期限池“{pool}”"), pool=pool))
        ok = False
    table, fact = (), None
    if "months_by" in raw:
        table, fact = _months_by(ctx, raw["months_by"], pointer(path, "months_by"))
        ok &= fact is not None
    if sum(x is not None and x != () for x in (months, pool, table or None)) > 1:
        ctx.fail(path, "rules.bad_duration",
                 Text(N_("months、clock、months_by 只能填写其中一项")))
        ok = False
    return Duration(raw["text"], months, pool, table, fact) if ok else None


def _months_by(ctx, raw, path):
    if not keys(ctx, raw, path, ("fact", "steps")):
        return (), None
    fact = raw["fact"]
    if not known(fact, FACTS) or FACTS[fact].type not in NUMERIC_TYPES or FACTS[fact].derived:
        ctx.fail(pointer(path, "fact"), "rules.unknown_fact",
                 Text(N_("“{fact}”不是可用的数值事实"), fact=fact))
        return (), None
    rows, previous = [], None
    if not expect(ctx, raw["steps"], pointer(path, "steps"), "list", "steps") or not raw["steps"]:
        return (), None
    for i, step in enumerate(raw["steps"]):
        sub = pointer(pointer(path, "steps"), i)
        if not keys(ctx, step, sub, ("at_least", "months")):
            return (), None
        if not (expect(ctx, step["at_least"], pointer(sub, "at_least"), "int", "at_least")
                and expect(ctx, step["months"], pointer(sub, "months"), "int", "months")):
            return (), None
        if previous is not None and step["at_least"] <= previous:
            ctx.fail(pointer(sub, "at_least"), "rules.bad_duration",
                     Text(N_("at_least 应逐级递增")))
            return (), None
        previous = step["at_least"]
        rows.append((step["at_least"], step["months"]))
    return tuple(rows), fact


def _steps(ctx, raw, path):
    if not expect(ctx, raw, path, "list", "steps") or not raw:
        if isinstance(raw, list):
            ctx.fail(path, "rules.empty", Text(N_("办理步骤不能为空")))
        return None
    steps, ok = [], True
    for i, body in enumerate(raw):
        sub = pointer(path, i)
        if not keys(ctx, body, sub, ("title", "materials", "where", "channel", "time_limit")):
            ok = False
            continue
        good = expect(ctx, body["title"], pointer(sub, "title"), "str", Text(N_("步骤名称")))
        good &= expect(ctx, body["time_limit"], pointer(sub, "time_limit"), "str",
                       Text(N_("办理时限")))
        materials, where = body["materials"], body["where"]
        if expect(ctx, materials, pointer(sub, "materials"), "list", Text(N_("所需材料"))):
            for j, item in enumerate(materials):
                good &= expect(ctx, item, pointer(pointer(sub, "materials"), j), "str",
                               Text(N_("材料")))
        else:
            good = False
        if expect(ctx, where, pointer(sub, "where"), "list", Text(N_("办理地点"))) and where:
            for j, place in enumerate(where):
                if not known(place, PLACES):
                    ctx.fail(pointer(pointer(sub, "where"), j), "rules.unknown_value",
                             Text(N_("未知的办理地点“{place}”"), place=place))
                    good = False
        else:
            ctx.fail(pointer(sub, "where"), "rules.empty", Text(N_("办理地点不能为空")))
            good = False
        if not known(body["channel"], CHANNELS):
            ctx.fail(pointer(sub, "channel"), "rules.unknown_value",
                     Text(N_("channel 应为 {allowed} 之一"), allowed=one_of(CHANNELS)))
            good = False
        if good:
            steps.append(Step(body["title"], tuple(materials), tuple(where), body["channel"],
                              body["time_limit"]))
        ok &= good
    # The notice pushes every service down to the person's doorstep: the first place a
    # person is sent to is always their own station.
    if ok and steps[0].where[0] != "own_station":
        ctx.fail(pointer(pointer(path, 0), "where"), "rules.own_station_first",
                 Text(N_("第一步的第一个办理地点应为 own_station（本人所在的家门口就业服务站）")))
        ok = False
    return tuple(steps) if ok else None


def _overrides(ctx, raw, policies):
    if not expect(ctx, raw, "/region_overrides", "list", "region_overrides"):
        return ()
    by_code = {p.code: p for p in policies}
    result, seen = [], set()
    for i, body in enumerate(raw):
        path = pointer("/region_overrides", i)
        if not keys(ctx, body, path, ("region", "policy", "amounts"), ("note",)):
            continue
        region, code = body["region"], body["policy"]
        if not isinstance(region, str) or not REGION_PREFIX.match(region):
            ctx.fail(pointer(path, "region"), "rules.bad_region",
                     Text(N_("region 应为以 15 开头的行政区划代码前缀（2、4、6、9 或 12 位）")))
            continue
        if not known(code, by_code):
            ctx.fail(pointer(path, "policy"), "rules.unknown_policy",
                     Text(N_("未知的政策“{policy}”"), policy=code))
            continue
        if (region, code) in seen:
            ctx.fail(path, "rules.duplicate_override",
                     Text(N_("“{region}”对“{policy}”的设置重复"), region=region, policy=code))
            continue
        seen.add((region, code))
        values = {}
        if expect(ctx, body["amounts"], pointer(path, "amounts"), "dict", "amounts"):
            for key, value in body["amounts"].items():
                sub = pointer(pointer(path, "amounts"), key)
                if key not in by_code[code].amounts:
                    ctx.fail(sub, "rules.unknown_amount",
                             Text(N_("政策“{policy}”没有金额项“{key}”"), policy=code, key=key))
                elif value is None or expect(ctx, value, sub, "number", AMOUNT):
                    values[key] = value
        result.append((region, code, values))
    result.sort(key=lambda row: -len(row[0]))
    return tuple(result)


@lru_cache(maxsize=4)
def shipped_catalog(version=SHIPPED_VERSION):
    """The catalog file shipped with the code (seeded into the database by migration 0004)."""
    document, lines = load_file(DATA_DIR / f"catalog-{version}.yaml")
    return compile_document(document, lines)


def shipped_document(version=SHIPPED_VERSION):
    return load_file(DATA_DIR / f"catalog-{version}.yaml")[0]
