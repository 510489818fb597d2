"""Conditions: compiled from rule data into small node objects that evaluate facts.

Three-valued: a node answers True (met), False (not met) or None (cannot tell: a fact is
missing). Unknown never counts as met. Every answer carries the explanations that justify
it, as app.core.i18n.Text built from the templates in the data (rendered in the reader's
language at the HTTP edge, never here):

    all  - True when every child is; False when one is False; otherwise None
    any  - True when one child is; False when every child is; otherwise None
    not  - swaps True and False (and the met / not-met explanations)
    leaf - {"fact": "age", "gte": {"male": 50, "female": 40}, "met": "...", "unmet": "..."}

Templates may use {label} (the fact's name), {value} (the person's value) and {threshold}
(the value compared with, the one for the person's gender when it depends on gender).
"""
from collections import namedtuple
from datetime import date

from app.core.i18n import N_, Join, Text
from app.core.months import full_months, months_between

from .vocabulary import FACTS, FOR_GENDER, MEASURE_UNITS

Item = namedtuple("Item", "text facts")

LEAF_PLACEHOLDERS = {"label", "value", "threshold"}

YES, NO, UNKNOWN, NOTHING = Text(N_("是")), Text(N_("否")), Text(N_("未知")), Text(N_("无"))
LIST_SEPARATOR = N_("、")
ITEM_SEPARATOR = N_("；")
ALTERNATIVES = N_("或")


class Unknown:
    """A derived fact that cannot be computed; `missing` names the facts it needs."""
    __slots__ = ("missing",)

    def __init__(self, missing):
        self.missing = tuple(missing)


class Candidates:
    """A derived fact with several possible values (one per possible unknown input)."""
    __slots__ = ("values", "missing")

    def __init__(self, values, missing):
        self.values = tuple(values)
        self.missing = tuple(missing)


def show(value, spec):
    """A value as a person reads it: a Text, a Join of values, or a number as a string."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, date):
        return Text(N_("{year}年{month}月{day}日"), year=value.year, month=value.month,
                    day=value.day)
    if isinstance(value, (list, tuple, set, frozenset)):
        return Join([show(v, spec) for v in value], LIST_SEPARATOR) if value else NOTHING
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and spec is not None and value in spec.values:
        return Text(spec.values[value])
    return str(value)


def with_unit(shown, template):
    """A shown value in its unit (template such as N_("{value}个月")), or as is."""
    return Text(template, value=shown) if template else shown


def _needed(missing):
    """"需核实：…" naming each missing fact and what proves it."""
    parts = []
    for name in missing:
        spec = FACTS.get(name)
        if spec is None:
            parts.append(name)
        elif spec.evidence:
            parts.append(Text(N_("{label}，请提供{evidence}"), label=Text(spec.label),
                              evidence=Text(spec.evidence)))
        else:
            parts.append(Text(spec.label))
    return Text(N_("需核实：{facts}"), facts=Join(parts, ITEM_SEPARATOR))


_NEEDED = {}  # missing fact names -> Text; names come from the vocabulary, so few


def needed(missing):
    text = _NEEDED.get(missing)
    if text is None:
        text = _NEEDED[missing] = _needed(missing)
    return text


def _measure_months(value, today):
    return months_between(value, today)


def _measure_years(value, today):
    return months_between(value, today) // 12


def _measure_full_years(value, today):
    return full_months(value, today) // 12


def _measure_days(value, today):
    return (today - value).days


def _measure_count(value, today):
    return len(value)


MEASURE_FUNCS = {"months_since": _measure_months, "years_since": _measure_years,
                 "full_years_since": _measure_full_years, "days_since": _measure_days,
                 "count": _measure_count}


def _is(value, expected):
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value is expected


def _contains(value, item):
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise TypeError("not a list")
    return item in value


TESTS = {
    "eq": lambda v, t: v == t, "ne": lambda v, t: v != t,
    "gt": lambda v, t: v > t, "gte": lambda v, t: v >= t,
    "lt": lambda v, t: v < t, "lte": lambda v, t: v <= t,
    "in": lambda v, t: v in t, "not_in": lambda v, t: v not in t,
    "contains": _contains, "not_contains": lambda v, t: not _contains(v, t),
    "is": _is,
}

_EMPTY = ()

# Key of the per-evaluation memo in the facts environment: named conditions (shared by
# several policies, e.g. "certified") are evaluated once per person, not once per use.
MEMO = object()


class Node:
    __slots__ = ("path", "met", "unmet", "unknown", "facts", "shared")

    def eval(self, env):
        if self.shared:
            memo = env.get(MEMO)
            if memo is not None:
                found = memo.get(self)
                if found is None:
                    found = memo[self] = self._eval(env)
                return found
        return self._eval(env)

    def _override(self, state, met, unmet, unknown):
        if state is True and self.met:
            return state, (Item(self.met, self.facts),), _EMPTY, _EMPTY
        if state is False and self.unmet:
            return state, _EMPTY, (Item(self.unmet, self.facts),), _EMPTY
        if state is None and self.unknown:
            return state, met, _EMPTY, (Item(self.unknown, self.facts),)
        return state, met, unmet, unknown


def _static(template):
    """The explanation of an all / any / not node (no placeholders) as a Text."""
    return Text(template) if template else None


class Leaf(Node):
    __slots__ = ("fact", "spec", "measure", "measure_func", "op", "test", "value",
                 "by_gender", "unit", "label", "thresholds_shown", "met_items",
                 "unmet_items", "unknown_text")

    def __init__(self, path, fact, measure, op, value, met, unmet, unknown):
        self.path, self.fact, self.spec = path, fact, FACTS[fact]
        self.measure, self.measure_func = measure, MEASURE_FUNCS.get(measure)
        written = value
        if op in ("in", "not_in"):
            value = frozenset(value)  # tested by membership, shown in the order written
        self.op, self.test, self.value = op, TESTS[op], value
        self.by_gender = isinstance(value, dict)
        # Templates from the data: {label}, {value} and {threshold} are filled per person.
        self.met, self.unmet, self.unknown = met, unmet, unknown
        self.unit = MEASURE_UNITS[measure] if measure else self.spec.with_unit
        self.label = Text(self.spec.label)
        self.facts = (fact, "gender") if self.by_gender else (fact,)
        self.shared = False
        # Explanations without placeholders are the same for everyone: built once.
        self.met_items = (Item(Text(met), self.facts),) if "{" not in met else None
        self.unmet_items = (Item(Text(unmet), self.facts),) if "{" not in unmet else None
        self.unknown_text = Text(unknown) if unknown and "{" not in unknown else None
        # Thresholds as shown to people, built once: per gender, and for unknown gender.
        if self.by_gender:
            shown = {g: with_unit(show(v, self.spec), self.unit) for g, v in value.items()}
            shown[None] = Join([Text(FOR_GENDER[g], threshold=text)
                                for g, text in shown.items()], LIST_SEPARATOR)
        else:
            shown = {None: with_unit(show(written, self.spec), self.unit)}
        self.thresholds_shown = shown

    def _missing(self, env, missing):
        if self.unknown_text:
            text = self.unknown_text
        elif self.unknown:
            text = Text(self.unknown, label=self.label, threshold=self._show_threshold(env))
        else:
            text = needed(tuple(missing))
        return None, _EMPTY, _EMPTY, (Item(text, tuple(missing)),)

    def _show_threshold(self, env):
        if not self.by_gender:
            return self.thresholds_shown[None]
        return self.thresholds_shown.get(env.get("gender"), self.thresholds_shown[None])

    def _render(self, template, values, env):
        shown = tuple(dict.fromkeys(show(v, self.spec) for v in values))
        value = shown[0] if len(shown) == 1 else Join(shown, ALTERNATIVES)
        return Text(template, label=self.label, value=with_unit(value, self.unit),
                    threshold=self._show_threshold(env))

    def _eval(self, env):
        raw = env.get(self.fact)
        if raw is None:
            return self._missing(env, (self.fact,))
        kind = type(raw)
        if kind is Unknown:
            return self._missing(env, raw.missing)
        if kind is Candidates:
            values, missing = raw.values, raw.missing
        else:
            values, missing = (raw,), ()
        if self.by_gender:
            gender = env.get("gender")
            if gender in self.value:
                thresholds = (self.value[gender],)
            else:
                thresholds, missing = tuple(self.value.values()), missing + ("gender",)
        else:
            thresholds = (self.value,)
        try:
            if self.measure_func is not None:
                today = env["today"]
                values = tuple(self.measure_func(v, today) for v in values)
            test = self.test
            if len(values) == 1 and len(thresholds) == 1:
                result = bool(test(values[0], thresholds[0]))
            else:
                results = {bool(test(v, t)) for v in values for t in thresholds}
                if len(results) != 1:
                    return self._missing(env, missing)
                result = results.pop()
        except (TypeError, ValueError, AttributeError, KeyError):
            # A value of the wrong type is treated like a missing one: never met, no crash.
            return self._missing(env, (self.fact,))
        if result:
            items = self.met_items or (Item(self._render(self.met, values, env), self.facts),)
            return True, items, _EMPTY, _EMPTY
        items = self.unmet_items or (Item(self._render(self.unmet, values, env), self.facts),)
        return False, _EMPTY, items, _EMPTY


class AllOf(Node):
    __slots__ = ("children",)

    def __init__(self, path, children, met=None, unmet=None, unknown=None):
        self.path, self.children = path, tuple(children)
        self.met, self.unmet, self.unknown = _static(met), _static(unmet), _static(unknown)
        self.facts = _facts_of(self.children)
        self.shared = False

    def _eval(self, env):
        state, met, unmet, unknown = True, [], [], []
        for child in self.children:
            s, m, u, k = child.eval(env)
            if s is True:
                met.extend(m)
            elif s is False:
                state = False
                unmet.extend(u)
            else:
                if state is True:
                    state = None
                unknown.extend(k)
        if state is False:
            unknown = _EMPTY
        return self._override(state, tuple(met), tuple(unmet), tuple(unknown))


class AnyOf(Node):
    __slots__ = ("children",)

    def __init__(self, path, children, met=None, unmet=None, unknown=None):
        self.path, self.children = path, tuple(children)
        self.met, self.unmet, self.unknown = _static(met), _static(unmet), _static(unknown)
        self.facts = _facts_of(self.children)
        self.shared = False

    def _eval(self, env):
        state, met, unmet, unknown = False, [], [], []
        for child in self.children:
            s, m, u, k = child.eval(env)
            if s is True:
                return self._override(True, m, _EMPTY, _EMPTY)
            if s is False:
                unmet.extend(u)
            else:
                state = None
                met.extend(m)
                unknown.extend(k)
        if state is None:
            if len(unknown) > 1:
                facts = tuple(dict.fromkeys(f for item in unknown for f in item.facts))
                either = Text(N_("以下条件满足其一即可：{conditions}"),
                              conditions=Join([item.text for item in unknown], ITEM_SEPARATOR))
                unknown = [Item(either, facts)]
            return self._override(None, tuple(met), _EMPTY, tuple(unknown))
        return self._override(False, _EMPTY, tuple(unmet), _EMPTY)


class NotOf(Node):
    __slots__ = ("child",)

    def __init__(self, path, child, met=None, unmet=None, unknown=None):
        self.path, self.child = path, child
        self.met, self.unmet, self.unknown = _static(met), _static(unmet), _static(unknown)
        self.facts = child.facts
        self.shared = False

    def _eval(self, env):
        s, m, u, k = self.child.eval(env)
        if s is None:
            return self._override(None, _EMPTY, _EMPTY, k)
        return self._override(not s, u, m, _EMPTY)


def _facts_of(children):
    return tuple(dict.fromkeys(f for child in children for f in child.facts))
