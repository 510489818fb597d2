"""Spotting conditions that can never be true (e.g. age >= 60 and age < 50).

Each condition is expanded into disjunctive normal form (negations pushed into the leaves),
and each conjunction is checked per gender: bounds on numbers and dates, required and
excluded values of enums, booleans and list members. A node whose every conjunction is
infeasible can never be true. Expansion is capped; past the cap the check gives up (says
"maybe") rather than refuse a valid document.
"""
import math
from dataclasses import dataclass
from datetime import date

from .conditions import AllOf, AnyOf, Leaf, NotOf
from .vocabulary import FACTS, NEGATION

MAX_TERMS = 512


@dataclass(frozen=True)
class Literal:
    fact: str
    measure: str | None
    op: str
    value: object
    path: str


class TooComplex(Exception):
    pass


def _literal(leaf, negate):
    op = leaf.op
    value = leaf.value
    if op == "is" and negate:
        value = not value
    elif negate:
        op = NEGATION[op]
    return Literal(leaf.fact, leaf.measure, op, value, leaf.path)


class Checker:
    """DNF per node, memoised, keeping only feasible conjunctions."""

    def __init__(self):
        self._memo = {}

    def terms(self, node, negate=False):
        key = (id(node), negate)
        if key not in self._memo:
            self._memo[key] = self._terms(node, negate)
        return self._memo[key]

    def _terms(self, node, negate):
        if isinstance(node, Leaf):
            conj = (_literal(node, negate),)
            return [conj] if feasible(conj)[0] else []
        if isinstance(node, NotOf):
            return self.terms(node.child, not negate)
        conjunctive = isinstance(node, AllOf) != negate
        if not conjunctive:
            result = [t for child in node.children for t in self.terms(child, negate)]
            if len(result) > MAX_TERMS:
                raise TooComplex
            return result
        result = [()]
        for child in node.children:
            child_terms = self.terms(child, negate)
            if len(result) * len(child_terms) > MAX_TERMS * 8:
                raise TooComplex
            result = [a + b for a in result for b in child_terms if feasible(a + b)[0]]
            if len(result) > MAX_TERMS:
                raise TooComplex
        return result

    def conflict(self, node):
        """Paths of the leaves that clash in the first conjunction of `node`, for messages."""
        try:
            conj = self._first_conjunction(node, False)
        except TooComplex:
            return []
        return feasible(conj)[1] if conj else []

    def _first_conjunction(self, node, negate):
        if isinstance(node, Leaf):
            return (_literal(node, negate),)
        if isinstance(node, NotOf):
            return self._first_conjunction(node.child, not negate)
        if isinstance(node, AllOf) != negate:
            return tuple(lit for child in node.children
                         for lit in self._first_conjunction(child, negate))
        return self._first_conjunction(node.children[0], negate)


def _number(value):
    return value.toordinal() if isinstance(value, date) else value


def _for_gender(value, gender):
    return value[gender] if isinstance(value, dict) else value


def feasible(conjunction):
    """(True, []) when some person could satisfy every literal, else (False, clashing paths)."""
    clash = []
    for gender in ("male", "female"):
        ok, paths = _feasible_for(conjunction, gender)
        if ok:
            return True, []
        clash = clash or paths
    return False, clash


def _feasible_for(conjunction, gender):
    groups = {}
    for lit in conjunction:
        groups.setdefault((lit.fact, lit.measure), []).append(lit)
    for (fact, measure), lits in groups.items():
        if fact == "gender" and not measure:
            ok = all(_holds(gender, lit.op, lit.value) for lit in lits)
        else:
            ok = _group_feasible(fact, measure, lits, gender)
        if not ok:
            return False, [lit.path for lit in lits]
    return True, []


def _holds(value, op, expected):
    return {"eq": value == expected, "ne": value != expected,
            "in": value in (expected or ()), "not_in": value not in (expected or ())}.get(op, True)


def _group_feasible(fact, measure, lits, gender):
    spec = FACTS[fact]
    kind = "int" if measure else spec.type
    if kind == "bool":
        return len({lit.value for lit in lits if lit.op == "is"}) <= 1
    if kind == "list":
        wanted = {lit.value for lit in lits if lit.op == "contains"}
        refused = {lit.value for lit in lits if lit.op == "not_contains"}
        return not wanted & refused
    if kind in ("enum", "str"):
        allowed = set(spec.values) if kind == "enum" else None
        excluded = set()
        for lit in lits:
            if lit.op == "eq":
                allowed = {lit.value} if allowed is None else allowed & {lit.value}
            elif lit.op == "in":
                allowed = set(lit.value) if allowed is None else allowed & set(lit.value)
            elif lit.op == "ne":
                excluded.add(lit.value)
            elif lit.op == "not_in":
                excluded |= set(lit.value)
        return allowed is None or bool(allowed - excluded)
    return _numbers_feasible(spec, measure, kind, lits, gender)


def _numbers_feasible(spec, measure, kind, lits, gender):
    integral = kind in ("int", "date")
    low, low_strict = (-math.inf, False) if measure or spec.low is None else (spec.low, False)
    high, high_strict = (math.inf, False) if measure or spec.high is None else (spec.high, False)
    allowed, excluded = None, set()
    for lit in lits:
        raw = _for_gender(lit.value, gender)
        if lit.op in ("in", "not_in"):
            values = {_number(v) for v in raw}
            if lit.op == "in":
                allowed = values if allowed is None else allowed & values
            else:
                excluded |= values
            continue
        value = _number(raw)
        if lit.op == "eq":
            allowed = {value} if allowed is None else allowed & {value}
        elif lit.op == "ne":
            excluded.add(value)
        elif lit.op in ("gt", "gte") and (value > low or (value == low and lit.op == "gt")):
            low, low_strict = value, lit.op == "gt"
        elif lit.op in ("lt", "lte") and (value < high or (value == high and lit.op == "lt")):
            high, high_strict = value, lit.op == "lt"
    if integral:
        if low_strict:
            low, low_strict = math.floor(low) + 1, False
        elif low != -math.inf:
            low = math.ceil(low)
        if high_strict:
            high, high_strict = math.ceil(high) - 1, False
        elif high != math.inf:
            high = math.floor(high)

    def inside(v):
        return ((v > low or (v == low and not low_strict))
                and (v < high or (v == high and not high_strict)))

    if allowed is not None:
        return any(inside(v) and v not in excluded for v in allowed)
    if low > high or (low == high and (low_strict or high_strict)):
        return False
    if integral and high - low < 1000:
        return any(v not in excluded for v in range(int(low), int(high) + 1))
    if low == high:
        return low not in excluded
    return True


def never_true(nodes):
    """[(node, clashing leaf paths)] for the deepest nodes among `nodes` that can never be
    true. `nodes` are every node of a document, children before parents."""
    checker = Checker()
    reported, found = set(), []
    for node in nodes:
        children = getattr(node, "children", None) or \
            ((node.child,) if isinstance(node, NotOf) else ())
        if any(id(c) in reported for c in children):
            reported.add(id(node))
            continue
        try:
            terms = checker.terms(node)
        except TooComplex:
            continue
        if not terms:
            reported.add(id(node))
            found.append((node, checker.conflict(node)))
    return found
