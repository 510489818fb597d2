"""Category detection from facts, by rules kept as versioned data. Pure: no Flask, no DB.

The rule file (rules/<version>.json) is written in the one rule language (app/rules): its
`common` condition and each category's `when` are compiled by app.rules.compiler against
the facts vocabulary and checked like a published policy catalog (fact names, operators,
value types, texts, conditions that can never be true); every problem names its JSON path
and line. A value may be {"param": "name"}, read from the file's `params`.

Logic is three-valued: a fact that is None makes its comparison unknown, so the answer can
be "would qualify if ..." instead of no. The reasons are the `unmet` texts of what failed
and the `unknown` texts of what cannot be told yet.
"""
from dataclasses import dataclass
from pathlib import Path

from app.core.i18n import N_, Text
from app.rules.compiler import CatalogError, Context, condition, expect, keys, refuse_if_any
from app.rules.loader import SourceError, load_source, pointer

RULES_DIR = Path(__file__).parent / "rules"
MET, UNMET, UNKNOWN = "met", "unmet", "unknown"

REQUIRED = ("version", "evidence_kinds", "common", "common_evidence", "categories",
            "reject_reasons", "exit_reasons")
OPTIONAL = ("source", "params")
CATEGORY = ("code", "label", "when", "evidence")


def _plain(template):
    return template


class RuleError(CatalogError):
    """The rule file is refused; raised at load time, never while evaluating. `issues` lists
    every problem, each with its JSON path and line."""

    def __init__(self, issues):
        super().__init__(issues)
        self.args = ("; ".join(f"{i['path']} (line {i['line']}): "
                               f"{i['message'].render(_plain)}" for i in issues),)


@dataclass(frozen=True)
class RuleSet:
    version: str
    params: dict
    common: object        # compiled condition (app.rules.conditions)
    common_evidence: tuple
    categories: tuple     # dicts: code, label, when (compiled), evidence
    evidence_kinds: dict
    exit_reasons: dict
    reject_reasons: dict

    @property
    def codes(self):
        return tuple(c["code"] for c in self.categories)


def _with_params(ctx, raw, path, params):
    """`raw` with every {"param": name} replaced by its value (unknown names recorded)."""
    if isinstance(raw, dict):
        if set(raw) == {"param"}:
            if isinstance(raw["param"], str) and raw["param"] in params:
                return params[raw["param"]]
            ctx.fail(path, "rules.unknown_param",
                     Text(N_("引用了不存在的参数“{name}”"), name=str(raw["param"])))
            return raw
        return {k: _with_params(ctx, v, pointer(path, k), params) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_with_params(ctx, v, pointer(path, i), params) for i, v in enumerate(raw)]
    return raw


def _texts(ctx, raw, path):
    """A {code: Chinese text} table."""
    if not expect(ctx, raw, path, "dict", path.lstrip("/")):
        return {}
    for code, text in raw.items():
        expect(ctx, text, pointer(path, code), "str", code)
    return dict(raw)


def _codes(ctx, raw, path, known):
    if not expect(ctx, raw, path, "list", path.lstrip("/")):
        return ()
    for i, code in enumerate(raw):
        if not isinstance(code, str) or code not in known:
            ctx.fail(pointer(path, i), "rules.unknown_value",
                     Text(N_("未知的材料种类“{value}”"), value=str(code)))
    return tuple(raw)


def _category(ctx, raw, path, params, kinds):
    if not keys(ctx, raw, path, CATEGORY):
        return None
    expect(ctx, raw["code"], pointer(path, "code"), "str", "code")
    expect(ctx, raw["label"], pointer(path, "label"), "str", "label")
    when = condition(ctx, _with_params(ctx, raw["when"], pointer(path, "when"), params),
                     pointer(path, "when"))
    evidence = _codes(ctx, raw["evidence"], pointer(path, "evidence"), kinds)
    return {"code": raw["code"], "label": raw["label"], "when": when, "evidence": evidence}


def parse_rules(data, lines=None):
    """Compile a decoded rule file into a RuleSet, or raise RuleError with every issue."""
    ctx = Context(lines)
    if not keys(ctx, data, "", REQUIRED, OPTIONAL):
        raise RuleError(ctx.issues)
    raw_params = data.get("params", {})
    params = {}
    if expect(ctx, raw_params, "/params", "dict", "params"):
        params = {k: v for k, v in raw_params.items() if not k.startswith("_")}
    kinds = _texts(ctx, data["evidence_kinds"], "/evidence_kinds")
    common = condition(ctx, _with_params(ctx, data["common"], "/common", params), "/common")
    common_evidence = _codes(ctx, data["common_evidence"], "/common_evidence", kinds)
    categories = []
    if expect(ctx, data["categories"], "/categories", "list", "categories"):
        categories = [_category(ctx, raw, pointer("/categories", i), params, kinds)
                      for i, raw in enumerate(data["categories"])]
    exit_reasons = _texts(ctx, data["exit_reasons"], "/exit_reasons")
    reject_reasons = _texts(ctx, data["reject_reasons"], "/reject_reasons")
    try:
        refuse_if_any(ctx)
    except CatalogError as exc:
        raise RuleError(exc.issues) from None
    return RuleSet(str(data["version"]), params, common, common_evidence, tuple(categories),
                   kinds, exit_reasons, reject_reasons)


def load_rules(version):
    path = RULES_DIR / f"{version}.json"
    if not path.is_file() or path.parent != RULES_DIR:
        raise RuleError([{"path": "/", "line": None, "code": "rules.unknown_version",
                          "message": Text(N_("没有版本为“{version}”的认定规则"),
                                          version=str(version))}])
    try:
        data, lines = load_source(path.read_text(encoding="utf-8"))
    except SourceError as exc:
        raise RuleError([exc.issue]) from None
    return parse_rules(data, lines)


def evaluate(node, facts):
    """(True | False | None, reasons): the texts explaining a False (what is not met) or a
    None (what cannot be told yet); no reasons for True."""
    state, _met, unmet, unknown = node.eval(facts)
    items = unmet if state is False else unknown if state is None else ()
    return state, [item.text.render(_plain) for item in items]


def _status(value):
    return MET if value is True else UNMET if value is False else UNKNOWN


def detect_categories(rules, facts, provided_evidence=()):
    """Which categories the facts support, what is missing, and the evidence still needed."""
    provided = set(provided_evidence)
    common_value, common_reasons = evaluate(rules.common, facts)
    results = []
    for category in rules.categories:
        value, reasons = evaluate(category["when"], facts)
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
