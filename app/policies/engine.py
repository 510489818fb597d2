"""Eligibility: evaluate a compiled catalog against one person's facts (FACTS.md).

    evaluate(catalog, facts) -> [result per policy]
    benefits_ending_within(catalog, facts, days=60) -> [clock]
    due_dates(catalog, facts) -> {(policy, start): end or None}

Pure and fast: no Flask, no database, no clock (facts["today"] is the evaluation date).
A missing fact (None) never crashes and never counts as met: the policy is then
"would_be_eligible_if" with what is missing. Every result names the catalog version.

Texts a person reads (name, reasons, failing, missing, gives) are app.core.i18n.Text: the
response schemas render them in the reader's language (app.core.schemas.Translated).
"""
from datetime import date, timedelta

from app.core.i18n import N_, Text
from app.core.months import months_between
from app.rules.conditions import MEMO, Candidates, Item, Unknown

from .clock import own_clock, pool_clocks, read_benefits
from .retirement import candidate_groups
from .vocabulary import AMOUNT_UNITS

ELIGIBLE, NOT_ELIGIBLE, WOULD_BE = "eligible", "not_eligible", "would_be_eligible_if"
MIN_WORKING_AGE = 16


def retirement_dates(facts):
    """Possible statutory retirement dates: a tuple (1 or 2 dates) or an Unknown."""
    birth, gender = facts.get("birth_date"), facts.get("gender")
    missing = [name for name, value, ok in (("birth_date", birth, isinstance(birth, date)),
                                            ("gender", gender, gender in ("male", "female")))
               if not ok]
    if missing:
        return Unknown(missing)
    base_age = facts.get("retirement_base_age")
    groups = candidate_groups(gender, base_age if isinstance(base_age, int) else None)
    if not groups:
        return Unknown(("retirement_base_age",))
    return tuple(dict.fromkeys(g.retirement_date(birth) for g in groups))


def _one_or_candidates(values, missing):
    values = tuple(dict.fromkeys(values))
    return values[0] if len(values) == 1 else Candidates(values, missing)


def derive(facts, retirements):
    """The facts plus the ones the engine computes (months_to_retirement, working_age)."""
    env = dict(facts)
    env[MEMO] = {}
    today = facts["today"]
    if isinstance(retirements, Unknown):
        env["months_to_retirement"] = env["working_age"] = retirements
        return env
    missing = ("retirement_base_age",)
    env["months_to_retirement"] = _one_or_candidates(
        (months_between(today, d) for d in retirements), missing)
    age = facts.get("age")
    if not isinstance(age, int) or isinstance(age, bool):
        # Wrongly typed or missing: the birth date (already checked) decides.
        age = months_between(facts["birth_date"], today) // 12
    env["working_age"] = _one_or_candidates(
        (age >= MIN_WORKING_AGE and today < d for d in retirements), missing)
    return env


TO_CONFIRM = Text(N_("以当地标准为准"))


def show_amount(amount):
    """An amount as a person reads it (Text)."""
    if amount.value is None:
        return TO_CONFIRM
    value = int(amount.value) if float(amount.value).is_integer() else amount.value
    if amount.unit == "yuan" and isinstance(value, int) and value >= 10000 and value % 10000 == 0:
        return Text(N_("{value}万元"), value=value // 10000)
    return Text(AMOUNT_UNITS[amount.unit], value=value)


def gives_text(catalog, policy, region_code):
    """What the policy gives (Text), with the amounts of the person's region (built once
    per catalog and per set of region overrides that apply)."""
    applying = tuple(prefix for prefix, code, _ in catalog.overrides
                     if code == policy.code and region_code and region_code.startswith(prefix))
    key = ("gives", policy.code, applying)
    text = catalog.cache.get(key)
    if text is None:
        amounts = catalog.amounts_for(policy.code, region_code)
        text = catalog.cache[key] = Text(policy.gives, {
            "amount." + name: show_amount(amount) for name, amount in amounts.items()})
    return text


def policy_name(catalog, policy):
    """The policy's name (catalog data) as a Text, built once per catalog."""
    key = ("name", policy.code)
    text = catalog.cache.get(key)
    if text is None:
        text = catalog.cache[key] = Text(policy.name)
    return text


def _items(items):
    return [{"text": item.text, "facts": list(item.facts)} for item in items]


def _clocks(catalog, facts, today, retirements):
    """({policy code: [clock]}, {pool code: state}) for the person's benefit records."""
    benefits = read_benefits(facts.get("benefits"), catalog.by_code)
    by_policy, pools = {}, {}
    if not benefits:
        return by_policy, pools
    for pool in catalog.pools.values():
        records = [b for b in benefits if catalog.by_code[b.policy].duration.pool == pool.code]
        clocks, state = pool_clocks(pool, records, today, retirements)
        for clock in clocks:
            by_policy.setdefault(clock["policy"], []).append(clock)
        if state:
            pools[pool.code] = state
    for benefit in benefits:
        policy = catalog.by_code[benefit.policy]
        if policy.duration.pool is None:
            by_policy.setdefault(policy.code, []).append(own_clock(policy, benefit, today, facts))
    return by_policy, pools


def evaluate(catalog, facts):
    """One result per policy of the catalog, in catalog order."""
    today = facts["today"]
    retirements = retirement_dates(facts)
    env = derive(facts, retirements)
    clocks, pools = _clocks(catalog, facts, today, retirements)
    region = facts.get("residence_region")
    results = []
    for policy in catalog.policies:
        state, met, unmet, unknown = policy.eligibility.eval(env)
        own = clocks.get(policy.code, [])
        enjoying = any(c["active"] for c in own)
        pool = pools.get(policy.duration.pool) if policy.duration.pool else None
        if pool and pool["exhausted"] and not enjoying:
            state, unmet = False, unmet + (_exhausted(pool),)
        status = ELIGIBLE if state is True else NOT_ELIGIBLE if state is False else WOULD_BE
        results.append({
            "policy": policy.code, "name": policy_name(catalog, policy),
            "beneficiary": policy.beneficiary,
            "catalog_version": catalog.version, "status": status,
            "reasons": _items(met), "failing": _items(unmet) if state is False else [],
            "missing": _items(unknown) if state is None else [],
            "gives": gives_text(catalog, policy, region), "enjoying": enjoying,
            "clocks": own,
        })
    return results


def _exhausted(pool):
    label = Text(pool["label"])
    if pool["rule"] == "extend_to_retirement":
        return Item(Text(N_("{label}已享受至法定退休年龄"), label=label), ("benefits",))
    return Item(Text(N_("{label}已累计享受{months_used}个月，达到{cap_months}个月上限"),
                     label=label, months_used=pool["months_used"],
                     cap_months=pool["cap_months"]), ("benefits",))


def benefits_ending_within(catalog, facts, days=60):
    """Running benefits whose end falls within `days` of today (the expiry assessment of
    notice §2.4), soonest first."""
    today = facts["today"]
    limit = today + timedelta(days=days)
    clocks, _ = _clocks(catalog, facts, today, retirement_dates(facts))
    ending = [c for cs in clocks.values() for c in cs
              if c["active"] and c["end"] is not None and today <= c["end"] <= limit]
    return sorted(ending, key=lambda c: (c["end"], c["policy"]))


def due_dates(catalog, facts):
    """{(policy, start): date or None}: when each of the person's benefits runs out (its
    clock's end). When the retirement date is one of two candidates (a woman whose original
    retirement age is unknown) the earlier end is kept, so an expiry assessment is never late."""
    today = facts["today"]
    retirements = retirement_dates(facts)
    options = [retirements]
    if isinstance(retirements, tuple) and len(retirements) > 1:
        options = [(r,) for r in retirements]
    due = {}
    for option in options:
        clocks, _ = _clocks(catalog, facts, today, option)
        for clock in (c for cs in clocks.values() for c in cs):
            key, end = (clock["policy"], clock["start"]), clock["end"]
            if key not in due or (end is not None and (due[key] is None or end < due[key])):
                due[key] = end
    return due
