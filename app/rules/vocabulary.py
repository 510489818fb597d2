"""What a rule may talk about: the facts (the FACTS.md contract), operators and measures.
Pure data: no Flask, no database.

Rule documents (the policy catalog, the certification categories) name facts from here; the
compiler refuses anything else, so an evaluation never meets a name it cannot evaluate. The
catalog's own codes (departments, places, channels) are in app/policies/vocabulary.py.
"""
from dataclasses import dataclass, field

from app.core.i18n import N_


@dataclass(frozen=True)
class Fact:
    type: str                 # int | number | bool | date | enum | str | list
    label: str
    evidence: str = ""        # what proves it, said to a person when it is unknown
    with_unit: str = ""       # template putting a number in its unit, e.g. N_("{value}岁")
    values: dict = field(default_factory=dict)  # enum / list members -> Chinese label
    low: float | None = None  # domain bounds, used to spot conditions that can never hold
    high: float | None = None
    derived: bool = False     # computed by the engine from other facts


EMPLOYMENT = {"unemployed": N_("失业"), "employed": N_("单位就业"), "flexible": N_("灵活就业"),
              "self_employed": N_("自主创业（个体经营）"), "student": N_("在校学生"),
              "retired": N_("已退休")}
CATEGORIES = {"older": N_("大龄失业人员"), "disabled": N_("残疾人"),
              "zero_employment_household": N_("零就业家庭成员"), "land_lost": N_("失地农牧民"),
              "long_term_unemployed": N_("长期失业人员"), "graduate": N_("就业困难高校毕业生")}
DISABILITY_TYPES = {"visual": N_("视力残疾"), "hearing": N_("听力残疾"), "speech": N_("言语残疾"),
                    "physical": N_("肢体残疾"), "intellectual": N_("智力残疾"),
                    "mental": N_("精神残疾"), "multiple": N_("多重残疾")}
EDUCATION = {"none": N_("未上学"), "primary": N_("小学"), "junior": N_("初中"),
             "senior": N_("高中"), "vocational": N_("中专/技校"), "college": N_("大专"),
             "bachelor": N_("本科"), "master": N_("硕士研究生"), "doctor": N_("博士研究生")}
WANTS = {"job": N_("求职"), "startup": N_("创业"), "training": N_("培训")}
BUSINESS_KINDS = {"sole_proprietor": N_("个体工商户"), "small_firm": N_("小微企业")}
GENDERS = {"male": N_("男"), "female": N_("女")}
# A threshold that depends on gender, said for one gender ("男性50岁").
FOR_GENDER = {"male": N_("男性{threshold}"), "female": N_("女性{threshold}")}

FACTS = {
    "today": Fact("date", N_("评估日期")),
    "birth_date": Fact("date", N_("出生日期"), N_("居民身份证")),
    "age": Fact("int", N_("年龄"), N_("居民身份证"), N_("{value}岁"), low=0, high=150),
    "gender": Fact("enum", N_("性别"), N_("居民身份证"), values=GENDERS),
    "residence_region": Fact("str", N_("常住地"), N_("户口簿或居住证")),
    "in_inner_mongolia": Fact("bool", N_("在自治区内常住"), N_("户口簿或居住证")),
    "urban_resident": Fact("bool", N_("城镇常住人员"), N_("户口簿或居住证")),
    "residence_months": Fact("int", N_("在常住地连续居住时间"), N_("居住证明"), N_("{value}个月"),
                             low=0),
    "employment_status": Fact("enum", N_("就业状态"), N_("就业失业登记信息"), values=EMPLOYMENT),
    "registered_unemployed": Fact("bool", N_("已办理失业登记"),
                                  N_("失业登记（可在所在社区家门口就业服务站办理）")),
    "unemployment_registered_on": Fact("date", N_("失业登记日期"), N_("失业登记信息")),
    "unemployed_months": Fact("int", N_("连续登记失业时间"), N_("失业登记信息"), N_("{value}个月"),
                              low=0),
    "social_insurance_months": Fact("int", N_("城镇职工社会保险累计缴费时间"),
                                    N_("社会保险缴费记录"), N_("{value}个月"), low=0),
    "unemployment_insured": Fact("bool", N_("符合失业保险金领取条件"),
                                 N_("失业保险缴费记录和非因本人意愿中断就业的证明")),
    "dibao": Fact("bool", N_("家庭享受最低生活保障（低保）"), N_("民政部门的低保认定信息")),
    "disability_certificate": Fact("bool", N_("持有《中华人民共和国残疾人证》"),
                                   N_("《中华人民共和国残疾人证》")),
    "disability_level": Fact("int", N_("残疾等级"), N_("《中华人民共和国残疾人证》"),
                             N_("{value}级"), low=1, high=4),
    "disability_type": Fact("enum", N_("残疾类别"), N_("《中华人民共和国残疾人证》"),
                            values=DISABILITY_TYPES),
    "land_lost": Fact("bool", N_("因征收失去全部承包耕地或草原"), N_("旗县级以上征地部门的证明")),
    "land_compensation_monthly": Fact("number", N_("每月征地补偿"), N_("征地补偿协议"),
                                      N_("{value}元"), low=0),
    "household_size": Fact("int", N_("户籍家庭人数"), N_("户口簿"), N_("{value}人"), low=1),
    "zero_employment_household": Fact("bool", N_("零就业家庭"), N_("户口簿和家庭成员失业登记信息")),
    "graduate_left_on": Fact("date", N_("高校毕业离校日期"), N_("毕业证书")),
    "ever_employed": Fact("bool", N_("曾经就业"), N_("就业登记或社会保险缴费记录")),
    "education": Fact("enum", N_("文化程度"), N_("学历证书"), values=EDUCATION),
    "skills": Fact("list", N_("技能特长"), N_("本人填报")),
    "trades_trained": Fact("list", N_("参加过培训的工种"), N_("培训结业证书")),
    "skill_certificates": Fact("list", N_("职业资格或技能等级证书"), N_("证书原件")),
    "wants": Fact("list", N_("服务需求"), N_("本人填报"), values=WANTS),
    "business_registered_on": Fact("date", N_("首次创业登记日期"), N_("营业执照")),
    "business_kind": Fact("enum", N_("创业形式"), N_("营业执照"), values=BUSINESS_KINDS),
    "in_startup_training": Fact("bool", N_("参加创业培训"), N_("创业培训报名或结业证明")),
    "in_vocational_training": Fact("bool", N_("参加职业技能培训"), N_("职业培训报名或结业证明")),
    "passed_skill_evaluation_on": Fact("date", N_("通过职业技能等级评价的日期"),
                                       N_("职业技能等级证书")),
    "certified": Fact("bool", N_("已认定为就业困难人员"),
                      N_("就业困难人员认定（可到所在社区家门口就业服务站申请）")),
    "categories": Fact("list", N_("就业困难人员类别"), N_("就业困难人员认定信息"),
                       values=CATEGORIES),
    "certified_on": Fact("date", N_("认定日期"), N_("就业困难人员认定信息")),
    "public_welfare_placements": Fact("int", N_("已安置公益性岗位次数"), N_("公益性岗位安置记录"),
                                      N_("{value}次"), low=0),
    # Not in FACTS.md yet: a woman's original statutory retirement age (50 or 55) decides
    # which reform schedule applies; without it both are considered.
    "retirement_base_age": Fact("int", N_("原法定退休年龄"), N_("档案或参保信息中的人员身份"),
                                N_("{value}岁"), low=50, high=60),
    # Derived by the engine from birth_date, gender and retirement_base_age.
    "months_to_retirement": Fact("int", N_("距法定退休年龄"), N_("居民身份证"), N_("{value}个月"),
                                 derived=True),
    "working_age": Fact("bool", N_("处于法定劳动年龄内"), N_("居民身份证"), derived=True),
}

# Facts the engine reads but rules never compare directly.
ENGINE_ONLY = {"benefits"}

NUMERIC_TYPES = {"int", "number"}
COMPARISONS = {"eq", "ne", "gt", "gte", "lt", "lte"}
SET_OPS = {"in", "not_in"}
LIST_OPS = {"contains", "not_contains"}
OPERATORS = COMPARISONS | SET_OPS | LIST_OPS | {"is"}
NEGATION = {"eq": "ne", "ne": "eq", "gt": "lte", "lte": "gt", "gte": "lt", "lt": "gte",
            "in": "not_in", "not_in": "in", "contains": "not_contains",
            "not_contains": "contains", "is": "is"}

# A measure turns a date fact into whole units elapsed up to `today`, or a list into its size.
# years_since counts calendar months (a month ends on its clamped day, app.core.months
# .months_between); full_years_since counts years as an age does (a year is complete on the
# same month and day; 29 February's falls on 1 March; 0 before the date).
MEASURES = {"months_since": "date", "years_since": "date", "full_years_since": "date",
            "days_since": "date", "count": "list"}
MEASURE_UNITS = {"months_since": N_("{value}个月"), "years_since": N_("{value}年"),
                 "full_years_since": N_("{value}年"), "days_since": N_("{value}天"),
                 "count": N_("{value}项")}
