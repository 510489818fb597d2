"""How each paying policy is claimed, priced and paid. Pure data and arithmetic: no Flask,
no database.

The amounts themselves live in the policy catalog (`amounts`, with region overrides); this
table only says which amount a policy pays, per what (a month, or once per claim, or once
in a lifetime), to whom, from which fund, and through which review steps. Money is integer
fen throughout: catalog values (yuan, as written in the YAML) are turned into fen through
Decimal, never through float arithmetic.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.core.i18n import N_
from app.core.months import add_months, months_between

MONTHLY, PER_CLAIM, LIFETIME = "monthly", "per_claim", "lifetime"
# The one period of a lifetime-once subsidy (the one-time startup subsidy): every claim of
# the policy for the person lands on the same (person, policy, period) key, so the unique
# constraint allows exactly one.
LIFETIME_PERIOD = date(2000, 1, 1)

FUND_SOURCES = {"employment_fund": N_("就业补助资金"),
                "unemployment_insurance_fund": N_("失业保险基金")}
PAYEE_TYPES = {"person": N_("个人"), "employer": N_("用人单位")}

STATION_CHECK, COUNTY_APPROVE, FINANCE_CONFIRM = "station_check", "county_approve", "finance_confirm"
STEP_LABELS = {STATION_CHECK: N_("服务站初审"), COUNTY_APPROVE: N_("旗县区人社部门审批"),
               FINANCE_CONFIRM: N_("财政部门确认")}
# Working days each step has (a region's own figures can be added as data here).
STEP_DAYS = {STATION_CHECK: 2, COUNTY_APPROVE: 3, FINANCE_CONFIRM: 3}


@dataclass(frozen=True)
class PayRule:
    policy: str
    amount_key: str
    per: str  # MONTHLY | PER_CLAIM | LIFETIME
    payee: str  # person | employer
    fund_source: str = "employment_fund"
    max_months: int = 12  # months one monthly claim may cover
    cap_fen: int | None = None  # most one claim may pay


PAY_RULES = {rule.policy: rule for rule in (
    PayRule("social_insurance_subsidy_flexible", "monthly", MONTHLY, "person"),
    PayRule("social_insurance_subsidy_employer", "monthly", MONTHLY, "employer"),
    PayRule("one_time_startup_subsidy", "once", LIFETIME, "person"),
    PayRule("startup_training_subsidy", "per_person", PER_CLAIM, "person"),
    PayRule("vocational_training_subsidy", "per_person", PER_CLAIM, "person"),
    PayRule("skill_evaluation_subsidy", "per_certificate", PER_CLAIM, "person"),
)}
# Public-welfare post subsidies are paid to the employing unit through the post's advance
# and settlement (app.money.posts), never as a claim line.


class RuleError(Exception):
    """A claim the rules refuse: `code` is stable, `message` is for people."""

    def __init__(self, code, message, **details):
        super().__init__(code)
        self.code, self.message, self.details = code, message, details


def yuan_to_fen(value):
    """Catalog yuan (int, float or str as YAML gives it) to integer fen, exactly."""
    if value is None:
        return None
    fen = (Decimal(str(value)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return int(fen)


def fen_to_yuan(fen):
    """'1440.00' for 144000: the fixed two-decimal text used in exports and answers."""
    return f"{Decimal(fen) / 100:.2f}"


def first_of_month(day):
    return day.replace(day=1)


def months_of(month_from, month_to):
    """The first days of every month from month_from to month_to, both included."""
    start, end = first_of_month(month_from), first_of_month(month_to)
    count = months_between(start, end) + 1
    return [add_months(start, n) for n in range(count)]


def claim_periods(rule, month_from, month_to, today):
    """The periods (first days of months) a claim covers, checked against the rule."""
    if rule.per == LIFETIME:
        return [LIFETIME_PERIOD]
    if rule.per == PER_CLAIM:
        return [first_of_month(month_from)]
    if month_to is None:
        raise RuleError("money.months_required", N_("按月补贴须写明起止月份"))
    if month_to < month_from:
        raise RuleError("money.months_order", N_("结束月份不能早于开始月份"))
    if first_of_month(month_to) > first_of_month(today):
        raise RuleError("money.months_future", N_("不能申请尚未到来的月份"))
    periods = months_of(month_from, month_to)
    if len(periods) > rule.max_months:
        raise RuleError("money.too_many_months", N_("一次申请的月份数超过上限"), max=rule.max_months)
    return periods


def line_amounts(rule, amount_yuan, periods):
    """[fen per period]: the catalog amount per month (or once), capped per claim."""
    per = yuan_to_fen(amount_yuan)
    if per is None or per <= 0:
        raise RuleError("money.amount_unset", N_("当地尚未确定该项补贴标准，暂不能申请"))
    amounts = [per] * len(periods)
    if rule.cap_fen is not None:
        left = rule.cap_fen
        for i, value in enumerate(amounts):
            amounts[i] = min(value, left)
            left -= amounts[i]
    return amounts


def steps_for(region_code, finance_prefixes=()):
    """The review steps of a claim made in `region_code`: station check and county approval
    everywhere; finance's confirmation where the region (a code prefix) asks for it."""
    steps = [STATION_CHECK, COUNTY_APPROVE]
    if any(region_code.startswith(prefix) for prefix in finance_prefixes):
        steps.append(FINANCE_CONFIRM)
    return steps


def months_allowed(periods, planned_end):
    """The periods the benefit clock allows: a month is payable when it starts before the
    clock's end (the 3-year pool's cap or retirement). None means no end."""
    if planned_end is None:
        return list(periods)
    return [p for p in periods if p < planned_end]
