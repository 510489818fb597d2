"""The condition compiler: rule data -> condition nodes, checked against the vocabulary.

Nothing in a rule document is executed: each condition is validated (fact names, operators,
value types, explanation templates, references between named conditions) and compiled into
the node objects of conditions.py. Problems are collected, each with its JSON Pointer path
and a message (app.core.i18n.Text, rendered in the reader's language by the HTTP layer)
and the source line; refuse_if_any adds the conditions that can never be true and refuses
the document. Used alike by the policy catalog and the certification categories.
"""
import json

from app.core.i18n import N_, PLACEHOLDER, Join, Text

from .conditions import LEAF_PLACEHOLDERS, LIST_SEPARATOR, AllOf, AnyOf, Leaf, NotOf
from .consistency import never_true
from .dates import parse_date
from .loader import pointer
from .vocabulary import (COMPARISONS, ENGINE_ONLY, FACTS, LIST_OPS, MEASURES, NUMERIC_TYPES,
                         OPERATORS, SET_OPS)

STRUCTURAL = ("all", "any", "not", "ref")
TEXTS = ("met", "unmet", "unknown")

# What a value should have been, said to the person who wrote the document.
TYPE_NAMES = {"str": N_("非空文字"), "int": N_("整数"), "number": N_("数字"), "list": N_("列表"),
              "dict": N_("对象")}
VALUE_NAMES = {"int": N_("整数"), "number": N_("数字"), "bool": N_("true 或 false"),
               "str": N_("文字"), "member": N_("文字")}
EXPLANATION = Text(N_("说明文字"))


def known(value, table):
    """Whether a value from the document names an entry of `table` (a list or an object in
    the document is never a name, and must not crash the lookup)."""
    return isinstance(value, str) and value in table


def one_of(names):
    """A list of codes, read as "a、b、c"."""
    return Join(names, LIST_SEPARATOR)


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
        """Record a problem; `message` is a Text."""
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
        ctx.fail(path, "rules.wrong_type", Text(N_("{what}应为{expected}"), what=what,
                                                expected=Text(TYPE_NAMES[kind])))
    return ok


def keys(ctx, raw, path, required, optional=()):
    """Check an object's keys; False when it is not an object or misses a required key."""
    if not expect(ctx, raw, path, "dict", Text(N_("此处"))):
        return False
    ok = True
    for key in raw:
        if key not in required and key not in optional:
            ctx.fail(pointer(path, key), "rules.unknown_field",
                     Text(N_("未知的字段“{key}”"), key=key))
    for key in required:
        if key not in raw:
            ctx.fail(path, "rules.missing_field", Text(N_("缺少必填字段“{key}”"), key=key))
            ok = False
    return ok


def date_field(ctx, raw, path, what):
    try:
        return parse_date(raw)
    except (ValueError, TypeError):
        ctx.fail(path, "rules.wrong_type", Text(N_("{what}应为 YYYY-MM-DD 格式的日期"), what=what))
        return None


def template(ctx, raw, path, allowed, what):
    if not expect(ctx, raw, path, "str", what):
        return None
    for name in PLACEHOLDER.findall(raw):
        if name not in allowed:
            ctx.fail(path, "rules.bad_placeholder",
                     Text(N_("{what}中的占位符“{placeholder}”无效"), what=what,
                          placeholder="{" + name + "}"))
    if "{" in PLACEHOLDER.sub("", raw) or "}" in PLACEHOLDER.sub("", raw):
        ctx.fail(path, "rules.bad_placeholder", Text(N_("{what}中的花括号不成对"), what=what))
    return raw


# ---------------------------------------------------------------- conditions


MAX_DEPTH = 24  # nesting of all/any/not and references: plenty for policy rules


def condition(ctx, raw, path):
    """Compile one condition node; None (after recording issues) when it is malformed."""
    if ctx.depth >= MAX_DEPTH:
        ctx.fail(path, "rules.too_deep", Text(N_("条件嵌套超过 {limit} 层"), limit=MAX_DEPTH))
        return None
    ctx.depth += 1
    try:
        return _condition(ctx, raw, path)
    finally:
        ctx.depth -= 1


def _condition(ctx, raw, path):
    if not isinstance(raw, dict):
        ctx.fail(path, "rules.wrong_type", Text(N_("条件应为对象")))
        return None
    kinds = [k for k in (*STRUCTURAL, "fact") if k in raw]
    if len(kinds) != 1:
        ctx.fail(path, "rules.bad_condition",
                 Text(N_("条件必须且只能包含 all、any、not、ref、fact 之一")) if not kinds
                 else Text(N_("条件同时包含{kinds}，只能有一个"), kinds=one_of(kinds)))
        return None
    kind = kinds[0]
    if kind == "fact":
        return _leaf(ctx, raw, path)
    texts = {}
    for key in raw:
        if key == kind:
            continue
        if key in TEXTS:
            texts[key] = template(ctx, raw[key], pointer(path, key), set(), EXPLANATION)
        else:
            ctx.fail(pointer(path, key), "rules.unknown_field",
                     Text(N_("未知的字段“{key}”"), key=key))
    body, body_path = raw[kind], pointer(path, kind)
    if kind == "ref":
        if texts:
            ctx.fail(path, "rules.unknown_field",
                     Text(N_("引用条件不能带说明文字，请写在被引用的条件中")))
        return ref(ctx, body, body_path)
    if kind == "not":
        child = condition(ctx, body, body_path)
        return ctx.keep(NotOf(path, child, **texts)) if child else None
    if not isinstance(body, list) or not body:
        ctx.fail(body_path, "rules.wrong_type", Text(N_("{kind} 应为非空的条件列表"), kind=kind))
        return None
    children = [condition(ctx, item, pointer(body_path, i)) for i, item in enumerate(body)]
    if any(c is None for c in children):
        return None
    cls = AllOf if kind == "all" else AnyOf
    return ctx.keep(cls(path, children, **texts))


def ref(ctx, name, path):
    if not isinstance(name, str) or name not in ctx.named_raw:
        ctx.fail(path, "rules.unknown_condition", Text(N_("引用了不存在的条件“{name}”"), name=name))
        return None
    if name in ctx.named:
        return ctx.named[name]
    if name in ctx.compiling:
        ctx.fail(path, "rules.circular_condition",
                 Text(N_("条件循环引用：{chain}"), chain=Join([*ctx.compiling, name], N_(" → "))))
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
        message = (N_("未知的事实名称“{fact}”（benefits 由引擎用于计算期限，不能直接比较）")
                   if known(fact, ENGINE_ONLY) else N_("未知的事实名称“{fact}”"))
        ctx.fail(pointer(path, "fact"), "rules.unknown_fact", Text(message, fact=fact))
        return None
    ops = [k for k in raw if k in OPERATORS]
    for key in raw:
        if key not in OPERATORS and key not in ("fact", "measure", *TEXTS):
            ctx.fail(pointer(path, key), "rules.unknown_operator",
                     Text(N_("未知的运算符或字段“{key}”"), key=key))
    if len(ops) != 1:
        ctx.fail(path, "rules.bad_condition", Text(N_("条件必须且只能有一个运算符")) if not ops
                 else Text(N_("条件有多个运算符：{operators}"), operators=one_of(ops)))
        return None
    op = ops[0]
    kind = spec.type
    measure = raw.get("measure")
    if measure is not None:
        if not known(measure, MEASURES) or MEASURES[measure] != kind:
            ctx.fail(pointer(path, "measure"), "rules.bad_measure",
                     Text(N_("“{fact}”不能使用度量“{measure}”"), fact=fact, measure=measure))
            return None
        kind = "int"
    value = _operand(ctx, raw[op], pointer(path, op), op, kind, spec, fact)
    texts = {}
    for key in ("met", "unmet"):
        if key not in raw:
            ctx.fail(path, "rules.missing_field",
                     Text(N_("缺少必填字段“{key}”（满足/不满足时的中文说明）"), key=key))
        else:
            texts[key] = template(ctx, raw[key], pointer(path, key), LEAF_PLACEHOLDERS,
                                  EXPLANATION)
    unknown = None
    if "unknown" in raw:
        unknown = template(ctx, raw["unknown"], pointer(path, "unknown"),
                           {"label", "threshold"}, EXPLANATION)
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
                 Text(N_("“{fact}”不能使用运算符“{op}”，可用：{allowed}"), fact=fact, op=op,
                      allowed=one_of(sorted(allowed_ops))))
        return _BAD
    if isinstance(raw, dict) and op in COMPARISONS and kind in (*NUMERIC_TYPES, "date"):
        if set(raw) != {"male", "female"}:
            ctx.fail(path, "rules.wrong_type",
                     Text(N_("按性别区分的取值必须且只能包含 male 和 female")))
            return _BAD
        values = {g: _scalar(ctx, raw[g], pointer(path, g), kind, spec, fact) for g in raw}
        return _BAD if _BAD in values.values() else values
    if op in SET_OPS:
        if not isinstance(raw, list) or not raw:
            ctx.fail(path, "rules.wrong_type", Text(N_("运算符“{op}”的取值应为非空列表"), op=op))
            return _BAD
        values = [_scalar(ctx, v, pointer(path, i), kind, spec, fact) for i, v in enumerate(raw)]
        return _BAD if _BAD in values else tuple(dict.fromkeys(values))  # as written
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
            ctx.fail(path, "rules.wrong_type",
                     Text(N_("“{fact}”是日期，取值应为 YYYY-MM-DD"), fact=fact))
            return _BAD
    if kind in ("enum", "member") and spec.values:
        if known(raw, spec.values):
            return raw
        ctx.fail(path, "rules.unknown_value",
                 Text(N_("“{fact}”没有取值“{value}”，可用：{allowed}"), fact=fact, value=raw,
                      allowed=one_of(spec.values)))
        return _BAD
    if kind in ("str", "member") and isinstance(raw, str):
        return raw
    expected = Text(VALUE_NAMES[kind]) if kind in VALUE_NAMES else kind
    ctx.fail(path, "rules.wrong_type",
             Text(N_("“{fact}”的取值应为{expected}，而不是 {value}"), fact=fact, expected=expected,
                  value=json.dumps(raw, ensure_ascii=False)))
    return _BAD


# ---------------------------------------------------------------- the whole document


def refuse_if_any(ctx):
    """Once every condition of a document is compiled: record those that can never be true,
    then raise CatalogError with every issue (by line, then path) if there is any."""
    for node, clash in never_true(ctx.nodes):
        message = (Text(N_("此条件永远不可能成立；相互矛盾的条件：{conditions}"),
                        conditions=one_of(clash)) if clash
                   else Text(N_("此条件永远不可能成立")))
        ctx.fail(node.path, "rules.never_true", message,
                 related=clash)
    if ctx.issues:
        raise CatalogError(sorted(ctx.issues, key=lambda i: (i["line"] or 0, i["path"])))
