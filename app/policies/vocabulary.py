"""What a policy catalog may name besides facts: departments, places, channels, who
benefits, amount units and bases. Pure data: no Flask, no database. The facts, operators and
measures every rule document uses are in app/rules/vocabulary.py.
"""
from app.core.i18n import N_

DEPARTMENTS = {
    "hrss": N_("人力资源和社会保障部门"),
    "employment_service": N_("公共就业服务机构"),
    "social_insurance_agency": N_("社会保险经办机构"),
    "finance": N_("财政部门"),
    "civil_affairs": N_("民政部门"),
    "disabled_federation": N_("残疾人联合会"),
    "tax": N_("税务部门"),
    "bank": N_("创业担保贷款经办银行"),
    "guarantee_agency": N_("创业担保贷款担保机构"),
}

# Where a step is done. `own_station` is the person's own doorstep station or employment
# post; the API resolves it (and the halls) to real stations near the person's region.
PLACES = {
    "own_station": N_("您所在社区（嘎查村）的家门口就业服务站或就业驿站"),
    "township_hall": N_("苏木乡镇（街道）便民服务大厅"),
    "county_hall": N_("旗县区人社服务大厅（公共就业服务机构）"),
    "social_insurance_agency": N_("旗县区社会保险经办机构"),
    "tax_office": N_("主管税务机关"),
    "civil_affairs_office": N_("苏木乡镇（街道）社会救助窗口或旗县区民政部门"),
    "bank": N_("创业担保贷款经办银行"),
    "training_institution": N_("定点培训机构"),
    "evaluation_institution": N_("职业技能等级评价机构"),
    "employer": N_("用人单位"),
    "online": N_("自治区智慧就业云平台或“一人一码”小程序"),
}

CHANNELS = {"online": N_("网上办理"), "offline": N_("线下办理"), "both": N_("线上线下均可")}
BENEFICIARIES = {"person": N_("本人享受"), "employer": N_("招用您的单位享受")}
# How an amount is written in each unit (the catalog names units by these codes).
AMOUNT_UNITS = {"yuan": N_("{value}元"), "months": N_("{value}个月"), "years": N_("{value}年"),
                "percent": N_("{value}%"), "times": N_("{value}次"), "count": N_("{value}个")}
AMOUNT_BASES = {"confirmed": N_("政策文件明确"), "to_confirm": N_("以当地标准为准")}
