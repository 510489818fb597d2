"""The condition compiler: rule data -> condition nodes, checked against the vocabulary.

Nothing in a rule document is executed: each condition is validated (fact names, operators,
value types, explanation templates, references between named conditions) and compiled into
the node objects of conditions.py. Problems are collected, each with its JSON Pointer path;
catalog.py adds the source line and refuses the document.
"""
import json

from .conditions import LEAF_PLACEHOLDERS, PLACEHOLDER, AllOf, AnyOf, Leaf, NotOf
from .dates import parse_date
from .loader import pointer
from .vocabulary import (COMPARISONS, ENGINE_ONLY, FACTS, LIST_OPS, MEASURES, NUMERIC_TYPES,
                         OPERATORS, SET_OPS)

STRUCTURAL = ("all", "any", "not", "ref")
TEXTS = ("met", "unmet", "unknown")


class CatalogError(ValueError):
    """The document is refused; `issues` lists every problem found."""

    def __init__(self, issues):
        super().__init__(f"{len(issues)} problem(s) in rule document")
        self.issues = issues


# ---------------------------------------------------------------- validation helpers


class Context:
    def __init__(self, lines):
        self.lines = lines or {}
        self.issues = []
        self.named_raw = {}
        self.named = {}
        self.compiling = []
        self.nodes = []
        self.depth = 0
        self._seen_nodes = set()

    def fail(self, path, code, message, **extra):
        line = None
        probe = path
        while line is None:
            line = self.lines.get(probe)
            if not probe:
                break
            probe = probe.rsplit("/", 1)[0]
        self.issues.append({"path": path or "/", "line": line, "code": code,
                            "message": message, **extra})

    def keep(self, node):
        if id(node) not in self._seen_nodes:
            self._seen_nodes.add(id(node))
            self.nodes.append(node)
        return node


def expect(ctx, raw, path, kind, what):
    if kind == "str":
        ok = isinstance(raw, str) and raw.strip() != ""
    elif kind == "int":
        ok = isinstance(raw, int) and not isinstance(raw, bool)
    elif kind == "number":
        ok = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    elif kind == "list":
        ok = isinstance(raw, list)
    elif kind == "dict":
        ok = isinstance(raw, dict)
    else:  # pragma: no cover
        raise ValueError(kind)
    if not ok:
        names = {"str": "非空文字", "int": "整数", "number": "数字", "list": "列表",
                 "dict": "对象"}
        ctx.fail(path, "rules.wrong_type", f"{what}应为{names[kind]}")
    return ok


def keys(ctx, raw, path, required, optional=()):
    """Check an object's keys; False when it is not an object or misses a required key."""
    if not expect(ctx, raw, path, "dict", "此处"):
        return False
    ok = True
    for key in raw:
        if key not in required and key not in optional:
            ctx.fail(pointer(path, key), "rules.unknown_field", f"未知的字段“{key}”")
    for key in required:
        if key not in raw:
            ctx.fail(path, "rules.missing_field", f"缺少必填字段“{key}”")
            ok = False
    return ok


def date_field(ctx, raw, path, what):
    try:
        return parse_date(raw)
    except (ValueError, TypeError):
        ctx.fail(path, "rules.wrong_type", f"{what}应为 YYYY-MM-DD 格式的日期")
        return None


def template(ctx, raw, path, allowed, what):
    if not expect(ctx, raw, path, "str", what):
        return None
    for name in PLACEHOLDER.findall(raw):
        if name not in allowed:
            ctx.fail(path, "rules.bad_placeholder", f"{what}中的占位符“{{{name}}}”无效")
    if "{" in PLACEHOLDER.sub("", raw) or "}" in PLACEHOLDER.sub("", raw):
        ctx.fail(path, "rules.bad_placeholder", f"{what}中的花括号不成对")
    return raw


# ---------------------------------------------------------------- conditions


MAX_DEPTH = 24  # nesting of all/any/not and references: plenty for policy rules


def condition(ctx, raw, path):
    """Compile one condition node; None (after recording issues) when it is malformed."""
    if ctx.depth >= MAX_DEPTH:
        ctx.fail(path, "rules.too_deep", f"条件嵌套超过 {MAX_DEPTH} 层")
        return None
    ctx.depth += 1
    try:
        return _condition(ctx, raw, path)
    finally:
        ctx.depth -= 1


def _condition(ctx, raw, path):
    if not isinstance(raw, dict):
        ctx.fail(path, "rules.wrong_type", "条件应为对象")
        return None
    kinds = [k for k in (*STRUCTURAL, "fact") if k in raw]
    if len(kinds) != 1:
        ctx.fail(path, "rules.bad_condition",
                 "条件必须且只能包含 all、any、not、ref、fact 之一" if not kinds
                 else f"条件同时包含{'、'.join(kinds)}，只能有一个")
        return None
    kind = kinds[0]
    if kind == "fact":
        return _leaf(ctx, raw, path)
    texts = {}
    for key in raw:
        if key == kind:
            continue
        if key in TEXTS:
            texts[key] = template(ctx, raw[key], pointer(path, key), set(), "说明文字")
        else:
            ctx.fail(pointer(path, key), "rules.unknown_field", f"未知的字段“{key}”")
    body, body_path = raw[kind], pointer(path, kind)
    if kind == "ref":
        if texts:
            ctx.fail(path, "rules.unknown_field", "引用条件不能带说明文字，请写在被引用的条件中")
        return ref(ctx, body, body_path)
    if kind == "not":
        child = condition(ctx, body, body_path)
        return ctx.keep(NotOf(path, child, **texts)) if child else None
    if not isinstance(body, list) or not body:
        ctx.fail(body_path, "rules.wrong_type", f"{kind} 应为非空的条件列表")
        return None
    children = [condition(ctx, item, pointer(body_path, i)) for i, item in enumerate(body)]
    if any(c is None for c in children):
        return None
    cls = AllOf if kind == "all" else AnyOf
    return ctx.keep(cls(path, children, **texts))


def ref(ctx, name, path):
    if not isinstance(name, str) or name not in ctx.named_raw:
        ctx.fail(path, "rules.unknown_condition", f"引用了不存在的条件“{name}”")
        return None
    if name in ctx.named:
        return ctx.named[name]
    if name in ctx.compiling:
        ctx.fail(path, "rules.circular_condition",
                 "条件循环引用：" + " → ".join([*ctx.compiling, name]))
        return None
    ctx.compiling.append(name)
    node = condition(ctx, ctx.named_raw[name], pointer("/conditions", name))
    ctx.compiling.pop()
    if node is not None:
        node.shared = True
    ctx.named[name] = node
    return node


def _leaf(ctx, raw, path):
    fact = raw["fact"]
    spec = FACTS.get(fact) if isinstance(fact, str) else None
    if spec is None:
        hint = "（benefits 由引擎用于计算期限，不能直接比较）" if fact in ENGINE_ONLY else ""
        ctx.fail(pointer(path, "fact"), "rules.unknown_fact", f"未知的事实名称“{fact}”{hint}")
        return None
    ops = [k for k in raw if k in OPERATORS]
    for key in raw:
        if key not in OPERATORS and key not in ("fact", "measure", *TEXTS):
            ctx.fail(pointer(path, key), "rules.unknown_operator", f"未知的运算符或字段“{key}”")
    if len(ops) != 1:
        ctx.fail(path, "rules.bad_condition", "条件必须且只能有一个运算符" if not ops
                 else f"条件有多个运算符：{'、'.join(ops)}")
        return None
    op = ops[0]
    kind = spec.type
    measure = raw.get("measure")
    if measure is not None:
        if MEASURES.get(measure) != kind:
            ctx.fail(pointer(path, "measure"), "rules.bad_measure",
                     f"“{fact}”不能使用度量“{measure}”")
            return None
        kind = "int"
    value = _operand(ctx, raw[op], pointer(path, op), op, kind, spec, fact)
    texts = {}
    for key in ("met", "unmet"):
        if key not in raw:
            ctx.fail(path, "rules.missing_field", f"缺少必填字段“{key}”（满足/不满足时的中文说明）")
        else:
            texts[key] = template(ctx, raw[key], pointer(path, key), LEAF_PLACEHOLDERS, "说明文字")
    unknown = None
    if "unknown" in raw:
        unknown = template(ctx, raw["unknown"], pointer(path, "unknown"),
                            {"label", "threshold"}, "说明文字")
    if value is _BAD or None in texts.values() or len(texts) < 2 \
            or ("unknown" in raw and unknown is None):
        return None
    return ctx.keep(Leaf(path, fact, measure, op, value, texts["met"], texts["unmet"], unknown))


_BAD = object()


def _operand(ctx, raw, path, op, kind, spec, fact):
    """Check and convert the value compared with; _BAD (after an issue) when it is wrong."""
    allowed_ops = {"int": COMPARISONS | SET_OPS, "number": COMPARISONS | SET_OPS,
                   "date": COMPARISONS, "bool": {"is"}, "enum": {"eq", "ne"} | SET_OPS,
                   "str": {"eq", "ne"} | SET_OPS, "list": LIST_OPS}[kind]
    if op not in allowed_ops:
        ctx.fail(path, "rules.bad_operator",
                 f"“{fact}”不能使用运算符“{op}”，可用：{'、'.join(sorted(allowed_ops))}")
        return _BAD
    if isinstance(raw, dict) and op in COMPARISONS and kind in (*NUMERIC_TYPES, "date"):
        if set(raw) != {"male", "female"}:
            ctx.fail(path, "rules.wrong_type", "按性别区分的取值必须且只能包含 male 和 female")
            return _BAD
        values = {g: _scalar(ctx, raw[g], pointer(path, g), kind, spec, fact) for g in raw}
        return _BAD if _BAD in values.values() else values
    if op in SET_OPS:
        if not isinstance(raw, list) or not raw:
            ctx.fail(path, "rules.wrong_type", f"运算符“{op}”的取值应为非空列表")
            return _BAD
        values = [_scalar(ctx, v, pointer(path, i), kind, spec, fact) for i, v in enumerate(raw)]
        return _BAD if _BAD in values else frozenset(values)
    if op in LIST_OPS:
        return _scalar(ctx, raw, path, "member", spec, fact)
    return _scalar(ctx, raw, path, kind, spec, fact)


def _scalar(ctx, raw, path, kind, spec, fact):
    if kind == "int" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind == "number" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    if kind == "bool" and isinstance(raw, bool):
        return raw
    if kind == "date":
        try:
            return parse_date(raw)
        except (ValueError, TypeError):
            ctx.fail(path, "rules.wrong_type", f"“{fact}”是日期，取值应为 YYYY-MM-DD")
            return _BAD
    if kind in ("enum", "member") and spec.values:
        if raw in spec.values:
            return raw
        ctx.fail(path, "rules.unknown_value",
                 f"“{fact}”没有取值“{raw}”，可用：{'、'.join(spec.values)}")
        return _BAD
    if kind in ("str", "member") and isinstance(raw, str):
        return raw
    names = {"int": "整数", "number": "数字", "bool": "true 或 false", "str": "文字",
             "member": "文字"}
    ctx.fail(path, "rules.wrong_type", f"“{fact}”的取值应为{names.get(kind, kind)}，"
             f"而不是 {json.dumps(raw, ensure_ascii=False)}")
    return _BAD
