"""Benefit clocks: how long a policy already enjoyed runs, and which limit applies.

Social-insurance-type subsidies share one pool (catalog `clock_pools`): together at most
`cap_months` (36). A person within `extend_to_retirement_within_months` (60) of statutory
retirement when first approved in the pool may continue until retirement instead. Other
policies run a fixed number of months (`duration.months`), a number looked up from a fact
(`duration.months_by`, e.g. unemployment insurance by contribution time), or stay open.

Months used are full calendar months from the start to the recorded end, or to today while
the benefit is still running. Pure: dates in, dicts out.
"""
from dataclasses import dataclass
from datetime import date

from app.core.months import add_months, months_between


@dataclass(frozen=True)
class Benefit:
    policy: str
    start: date
    end: date | None


def read_benefits(raw, known_codes):
    """Well-formed benefit records for policies in the catalog, oldest first."""
    found = []
    for item in raw or ():
        if not isinstance(item, dict):
            continue
        code, start, end = item.get("policy"), item.get("start"), item.get("end")
        if code not in known_codes or not isinstance(start, date) \
                or not (end is None or isinstance(end, date)):
            continue
        found.append(Benefit(code, start, end))
    return sorted(found, key=lambda b: (b.start, b.policy))


def _used(benefit, today):
    stop = min(benefit.end, today) if benefit.end else today
    return max(0, months_between(benefit.start, stop))


def _clock(benefit, today, used, **fields):
    end = benefit.end or fields.get("planned_end")
    return {"policy": benefit.policy, "start": benefit.start, "recorded_end": benefit.end,
            "end": end, "months_used": used,
            "active": benefit.start <= today and (end is None or today < end),
            "over_cap": bool(benefit.end and fields.get("planned_end")
                             and benefit.end > fields["planned_end"]),
            "pool": None, "cap_months": None, "pool_months_used": None,
            "first_approved_on": None, "retirement_date": None, "remaining_months": None,
            "missing": [], **fields}


def pool_clocks(pool, records, today, retirements):
    """Clocks of every record in one pool, plus the pool's state.

    `retirements` is a tuple of possible statutory retirement dates (one when known, two
    for a woman whose original retirement age is unknown) or an Unknown-like object with
    `.missing`. When the candidates lead to different clocks the result is "undetermined".
    """
    if not records:
        return [], None
    candidates = getattr(retirements, "missing", None)
    if candidates is not None:
        return _undetermined(pool, records, today, list(retirements.missing))
    results = [_pool_for(pool, records, today, r) for r in retirements]
    if len(results) == 1:
        return results[0]
    if any(_without_retirement(r) != _without_retirement(results[0]) for r in results[1:]):
        return _undetermined(pool, records, today, ["retirement_base_age"])
    # Every candidate retirement date gives the same clock (e.g. a young woman under the
    # 3-year cap): the clock is known, only the retirement date is not.
    clocks, state = results[0]
    for clock in clocks:
        clock["retirement_date"] = None
    state["retirement_date"] = None
    return clocks, state


def _without_retirement(result):
    clocks, state = result
    return ([{k: v for k, v in c.items() if k != "retirement_date"} for c in clocks],
            {k: v for k, v in state.items() if k != "retirement_date"})


def _pool_for(pool, records, today, retirement):
    first = records[0].start
    extend = first < retirement and months_between(first, retirement) <= pool.extend_within_months
    used = [_used(b, today) for b in records]
    total = sum(used)
    clocks, used_before = [], 0
    for benefit, months in zip(records, used):
        if extend:
            planned = retirement
        else:
            planned = min(add_months(benefit.start, max(0, pool.cap_months - used_before)),
                          retirement)
        clocks.append(_clock(benefit, today, months, planned_end=planned, pool=pool.code,
                             rule="extend_to_retirement" if extend else "cap",
                             cap_months=pool.cap_months, pool_months_used=total,
                             first_approved_on=first, retirement_date=retirement))
        used_before += months
    to_retirement = max(0, months_between(today, retirement))
    remaining = to_retirement if extend else min(max(0, pool.cap_months - total), to_retirement)
    for clock in clocks:
        clock["remaining_months"] = remaining
    state = {"pool": pool.code, "label": pool.label, "rule": clocks[0]["rule"],
             "months_used": total, "cap_months": pool.cap_months, "remaining_months": remaining,
             "exhausted": remaining <= 0, "retirement_date": retirement}
    return clocks, state


def _undetermined(pool, records, today, missing):
    used = [_used(b, today) for b in records]
    total = sum(used)
    clocks = [_clock(b, today, m, planned_end=None, pool=pool.code, rule="undetermined",
                     cap_months=pool.cap_months, pool_months_used=total,
                     first_approved_on=records[0].start, missing=missing)
              for b, m in zip(records, used)]
    state = {"pool": pool.code, "label": pool.label, "rule": "undetermined",
             "months_used": total, "cap_months": pool.cap_months, "remaining_months": None,
             "exhausted": False, "retirement_date": None}
    return clocks, state


def own_clock(policy, benefit, today, facts):
    """A benefit outside any pool: fixed months, months looked up from a fact, or open."""
    duration = policy.duration
    used = _used(benefit, today)
    months, missing = duration.months, []
    if duration.months_by:
        value = facts.get(duration.months_by_fact)
        if value is None:
            months, missing = None, [duration.months_by_fact]
        else:
            months = 0
            for at_least, entitled in duration.months_by:
                if value >= at_least:
                    months = entitled
    if months is None:
        rule = "undetermined" if missing else "open"
        return _clock(benefit, today, used, rule=rule, planned_end=None, missing=missing)
    planned = add_months(benefit.start, months)
    return _clock(benefit, today, used, rule="fixed", planned_end=planned,
                  cap_months=months, remaining_months=max(0, months - used))
