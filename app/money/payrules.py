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

MONTHLY, PER_CLAIM, LIFETIME, QUARTERLY = "monthly", "per_claim", "lifetime", "quarterly"
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
# Working days each step has unless the region sets its own (app.money.settings).
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
    # The guaranteed-loan interest subsidy: one claim per loan quarter, from the bank's
    # per-loan detail (interest actually paid), the share above the borrower's rate.
    PayRule("startup_guaranteed_loan", "lpr_one_year", QUARTERLY, "person"),
)}

# What a person reads as the item of a claim notice (a WeChat `thing`: 20 characters).
CLAIM_ITEMS = {
    "social_insurance_subsidy_flexible": N_("灵活就业社会保险补贴"),
    "social_insurance_subsidy_employer": N_("单位社会保险补贴"),
    "one_time_startup_subsidy": N_("一次性创业补贴"),
    "startup_training_subsidy": N_("创业培训补贴"),
    "vocational_training_subsidy": N_("职业培训补贴"),
    "skill_evaluation_subsidy": N_("职业技能评价补贴"),
    "startup_guaranteed_loan": N_("创业担保贷款贴息"),
}

# The materials each policy's service steps ask for, and the partner evidence kind (from
# app.partners' confirmed evidence, 免证) that stands in for an upload; None: upload only.
MATERIALS = {
    "social_insurance_subsidy_flexible": {"contribution_receipt": "social_insurance_record"},
    "social_insurance_subsidy_employer": {"contribution_receipt": "social_insurance_record",
                                          "labor_contract": None},
    "one_time_startup_subsidy": {"business_license": None},
    "startup_training_subsidy": {"training_certificate": None},
    "vocational_training_subsidy": {"training_certificate": None},
    "skill_evaluation_subsidy": {"skill_certificate": None},
    "startup_guaranteed_loan": {"interest_statement": None},
}
MATERIAL_LABELS = {"contribution_receipt": N_("社会保险缴费凭证"), "labor_contract": N_("劳动合同"),
                   "business_license": N_("营业执照"), "training_certificate": N_("培训合格证书"),
                   "skill_certificate": N_("职业技能等级证书"),
                   "interest_statement": N_("经办银行贷款付息明细")}


def missing_materials(policy, uploaded_kinds, partner_kinds):
    """({kind: how shown}, [kinds missing]): each material the policy asks for is shown by
    an upload or stands in through a partner list entry."""
    shown, missing = {}, []
    for kind, partner_kind in MATERIALS.get(policy, {}).items():
        if kind in uploaded_kinds:
            shown[kind] = "upload"
        elif partner_kind is not None and partner_kind in partner_kinds:
            shown[kind] = f"partner:{partner_kinds[partner_kind]}"
        else:
            missing.append(kind)
    return shown, missing
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


def quarter_start(day):
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def claim_periods(rule, month_from, month_to, today):
    """The periods (first days of months) a claim covers, checked against the rule."""
    if rule.per == LIFETIME:
        return [LIFETIME_PERIOD]
    if rule.per == QUARTERLY:
        if quarter_start(month_from) > quarter_start(today):
            raise RuleError("money.months_future", N_("不能申请尚未到来的季度"))
        return [quarter_start(month_from)]
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


def months_allowed(periods, planned_end):
    """The periods the benefit clock allows: a month is payable when it starts before the
    clock's end (the 3-year pool's cap or retirement). None means no end."""
    if planned_end is None:
        return list(periods)
    return [p for p in periods if p < planned_end]


def _percent(value):
    return Decimal(str(value))


def interest_subsidy(loan, lpr, below_lpr, max_loan_yuan):
    """Fen of one loan quarter's interest subsidy: of the interest the bank says was paid,
    the part above the borrower's own rate (LPR minus `below_lpr` points), for at most the
    policy's largest loan. No subsidy on an overdue or extended loan (MONEY.md)."""
    if loan is None:
        raise RuleError("money.loan_required", N_("申请贷款贴息须填写贷款本金、年利率和本季度已付利息"))
    if loan.get("overdue") or loan.get("extended"):
        raise RuleError("money.loan_not_subsidised", N_("逾期或展期的贷款不予贴息"))
    if lpr is None or below_lpr is None:
        raise RuleError("money.amount_unset", N_("当地尚未确定该项补贴标准，暂不能申请"))
    principal, rate = Decimal(loan["principal"]), Decimal(loan["annual_rate"])
    interest_fen = yuan_to_fen(loan["interest_paid"])
    # A quarter has at most 92 days of interest (actual/360): more is not one quarter's.
    most = principal * 100 * rate / 100 * 92 / 360
    if interest_fen > most.to_integral_value(rounding=ROUND_HALF_UP):
        raise RuleError("money.interest_implausible", N_("已付利息超过本金按年利率计算的一个季度利息"))
    borrower = max(_percent(lpr) - _percent(below_lpr), Decimal(0))
    if rate <= borrower:
        raise RuleError("money.no_interest_subsidy", N_("贷款利率未超过借款人承担部分，无需贴息"))
    share = (rate - borrower) / rate
    if max_loan_yuan is not None and principal > Decimal(str(max_loan_yuan)):
        share = share * Decimal(str(max_loan_yuan)) / principal
    return int((interest_fen * share).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
