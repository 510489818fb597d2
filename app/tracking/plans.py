"""Needs and help plans (分级分类帮扶) as versioned data. Pure: no Flask, no database.

A plan file (data/plans-<version>.json) lists needs; each has a `when` condition in the one
rule language (app.rules, compiled against the facts vocabulary, so a misspelt fact is
refused at load time with its JSON path and line) and the steps of its help plan. A case
keeps the version its needs were derived from.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.rules.compiler import CatalogError, Context, condition, expect, keys, refuse_if_any
from app.rules.loader import load_source, pointer

DATA_DIR = Path(__file__).parent / "data"
CURRENT = "2026.1"


@dataclass(frozen=True)
class Need:
    code: str
    label: str
    when: object
    steps: tuple


@dataclass(frozen=True)
class PlanSet:
    version: str
    needs: tuple

    def by_code(self, code):
        return next((n for n in self.needs if n.code == code), None)


def parse_plans(data, lines=None):
    """Compile a decoded plan file, or raise CatalogError listing every problem."""
    ctx = Context(lines)
    if not keys(ctx, data, "", ("version", "needs"), ("source",)):
        refuse_if_any(ctx)
    needs = []
    if expect(ctx, data["needs"], "/needs", "list", "needs"):
        for i, raw in enumerate(data["needs"]):
            path = pointer("/needs", i)
            if not keys(ctx, raw, path, ("code", "label", "when", "steps")):
                continue
            when = condition(ctx, raw["when"], pointer(path, "when"))
            if expect(ctx, raw["steps"], pointer(path, "steps"), "list", "steps"):
                needs.append(Need(str(raw["code"]), str(raw["label"]), when,
                                  tuple(str(s) for s in raw["steps"])))
    refuse_if_any(ctx)
    return PlanSet(str(data["version"]), tuple(needs))


@lru_cache(maxsize=4)
def load_plans(version=CURRENT):
    path = DATA_DIR / f"plans-{version}.json"
    if not path.is_file():
        raise CatalogError([{"path": "/", "line": None, "code": "tracking.unknown_plan_version",
                             "message": version}])
    data, lines = load_source(path.read_text(encoding="utf-8"))
    return parse_plans(data, lines)


def derive_needs(plans, facts):
    """The codes of the needs whose condition the facts meet (unknown is not a need)."""
    return [need.code for need in plans.needs if need.when.eval(facts)[0] is True]


def plan_of(plans, codes):
    """[{code, label, steps}] for the recorded need codes (unknown codes are skipped)."""
    return [{"code": n.code, "label": n.label, "steps": list(n.steps)}
            for n in (plans.by_code(c) for c in codes) if n is not None]
