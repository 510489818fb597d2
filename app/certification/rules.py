"""Category detection from facts, by rules kept as versioned data. Pure: no Flask, no DB.

The rule file (rules/<version>.json) holds a small declarative condition language, checked
when loaded; nothing in it is ever evaluated as code:

    {"all": [node, ...], "label": "..."}     every child holds
    {"any": [node, ...], "label": "..."}     at least one child holds
    {"not": node, "label": "..."}
    {"fact": "age", "gte": 50, "label": "..."}  one comparison on one fact

Comparisons: eq ne gt gte lt lte in contains years_since_gte months_since_gte; a value may
be {"param": "name"} to read the file's params. Logic is three-valued: a fact that is None
makes its comparison unknown, so the answer can be "would qualify if ..." instead of no.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from app.core.idnumber import age_on
from app.core.months import full_months
from app.people.facts import FACT_KEYS

RULES_DIR = Path(__file__).parent / "rules"
MET, UNMET, UNKNOWN = "met", "unmet", "unknown"

_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
    "contains": lambda a, b: b in a,
}
_SINCE = {"years_since_gte": lambda d, today: age_on(d, today) if d <= today else -1,
          "months_since_gte": full_months}
OPERATORS = set(_COMPARE) | set(_SINCE)


class RuleError(ValueError):
    """The rule file is malformed; raised at load time, never while evaluating."""


@dataclass(frozen=True)
class RuleSet:
    version: str
    params: dict
    common: dict
    common_evidence: tuple
    categories: tuple  # dicts: code, label, when, evidence
    evidence_kinds: dict
    exit_reasons: dict
    reject_reasons: dict

    @property
    def codes(self):
        return tuple(c["code"] for c in self.categories)


def _check_value(value, params, where):
    if isinstance(value, dict):
        if set(value) != {"param"} or value["param"] not in params:
            raise RuleError(f"{where}: unknown param reference {value!r}")


def check_node(node, params, where="when"):
    if not isinstance(node, dict):
        raise RuleError(f"{where}: a condition must be an object")
    keys = set(node) - {"label"}
    if keys in ({"all"}, {"any"}):
        children = node[keys.pop()]
        if not isinstance(children, list) or not children:
            raise RuleError(f"{where}: all/any need a non-empty list")
        for i, child in enumerate(children):
            check_node(child, params, f"{where}[{i}]")
    elif keys == {"not"}:
        check_node(node["not"], params, f"{where}.not")
    elif "fact" in keys:
        ops = keys - {"fact"}
        if node["fact"] not in FACT_KEYS:
            raise RuleError(f"{where}: unknown fact {node['fact']!r}")
        if len(ops) != 1 or not ops <= OPERATORS:
            raise RuleError(f"{where}: exactly one known operator needed, got {sorted(ops)}")
        _check_value(node[ops.pop()], params, where)
    else:
        raise RuleError(f"{where}: unknown condition keys {sorted(keys)}")


def parse_rules(data):
    """Validate a decoded rule file and return a RuleSet."""
    try:
        params = {k: v for k, v in data.get("params", {}).items() if not k.startswith("_")}
        kinds = data["evidence_kinds"]
        check_node(data["common"], params, "common")
        categories = []
        for raw in data["categories"]:
            check_node(raw["when"], params, f"categories.{raw['code']}")
            unknown = [k for k in raw["evidence"] if k not in kinds]
            if unknown:
                raise RuleError(f"categories.{raw['code']}: unknown evidence kinds {unknown}")
            categories.append({"code": raw["code"], "label": raw["label"],
                               "when": raw["when"], "evidence": tuple(raw["evidence"])})
        return RuleSet(str(data["version"]), params, data["common"],
                       tuple(data["common_evidence"]), tuple(categories), dict(kinds),
                       dict(data["exit_reasons"]), dict(data["reject_reasons"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise RuleError(f"malformed rule file: {exc!r}") from None


def load_rules(version):
    path = RULES_DIR / f"{version}.json"
    if not path.is_file() or path.parent != RULES_DIR:
        raise RuleError(f"no rule file for version {version!r}")
    return parse_rules(json.loads(path.read_text(encoding="utf-8")))


def _resolve(value, params):
    return params[value["param"]] if isinstance(value, dict) else value


def evaluate(node, facts, params):
    """(True | False | None, reasons): the labels explaining a False or a None."""
    label = node.get("label")
    if "all" in node or "any" in node:
        is_all = "all" in node
        results = [evaluate(child, facts, params) for child in node["all" if is_all else "any"]]
        values = [v for v, _ in results]
        decisive = False if is_all else True
        if decisive in values:
            if is_all:
                return False, [r for v, rs in results if v is False for r in rs]
            return True, []
        if None in values:
            return None, [label] if label else [r for v, rs in results if v is None for r in rs]
        if is_all:
            return True, []
        return False, [label] if label else [r for _, rs in results for r in rs]
    if "not" in node:
        value, reasons = evaluate(node["not"], facts, params)
        return (None if value is None else not value), ([label] if label else reasons)
    op = next(k for k in node if k not in ("fact", "label"))
    actual = facts.get(node["fact"])
    expected = _resolve(node[op], params)
    reason = [label or f"{node['fact']} {op} {expected}"]
    if actual is None:
        return None, reason
    if op in _SINCE:
        result = _SINCE[op](actual, facts["today"]) >= expected
    else:
        result = _COMPARE[op](actual, expected)
    return result, ([] if result else reason)


def _status(value):
    return MET if value is True else UNMET if value is False else UNKNOWN


def detect_categories(rules, facts, provided_evidence=()):
    """Which categories the facts support, what is missing, and the evidence still needed."""
    provided = set(provided_evidence)
    common_value, common_reasons = evaluate(rules.common, facts, rules.params)
    results = []
    for category in rules.categories:
        value, reasons = evaluate(category["when"], facts, rules.params)
        if common_value is False or value is False:
            combined = False
        elif common_value is None or value is None:
            combined = None
        else:
            combined = True
        unmet = (common_reasons if common_value is False else []) + \
            (reasons if value is False else [])
        missing = (common_reasons if common_value is None else []) + \
            (reasons if value is None else [])
        kinds = rules.common_evidence + category["evidence"]
        results.append({
            "code": category["code"], "label": category["label"], "status": _status(combined),
            "unmet": unmet, "missing": missing,
            "evidence": [{"kind": k, "label": rules.evidence_kinds[k], "provided": k in provided}
                         for k in kinds],
        })
    return results
