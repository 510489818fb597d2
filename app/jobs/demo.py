"""Jobs demo data (called by `flask seed demo`): employers, vacancies and a couple of
recommendations for the demo people. Idempotent: what exists is left alone.
"""
from datetime import timedelta

from sqlalchemy import select

from app.core.clock import local_today
from app.core.idnumber import check_char
from app.extensions import db
from app.people import services as people
from app.people.models import Person

from .creditcode import check_character
from .models import Employer, Recommendation, Vacancy
from .recommendations import create_recommendation, match_person

SEED = "system:seed"

# (first 17 characters of the credit code, name, kind, region, address, contact, phone).
# The check character is computed; the codes are demo values, not real registrations.
DEMO_EMPLOYERS = [
    ("91150102MA0NXC001", "呼和浩特市新城区暖心家政服务有限公司（演示）", "small_micro_firm",
     "150102001001", "新城区海拉尔东路示范社区底商12号", "韩经理", "13900000001"),
    ("92150102MA0NXC002", "新城区海东路惠民便利店（演示）", "sole_proprietor", "150102001",
     "新城区海拉尔东路88号", "刘店主", "13900000002"),
    ("91150102MA0NXC003", "呼和浩特塞上物业服务有限公司（演示）", "small_micro_firm", "150102002",
     "新城区锡林路街道物业服务中心", "高主管", "0471-6900101"),
    ("92150102MA0NXC004", "新城区锡林路蒙餐馆（演示）", "sole_proprietor", "150102002",
     "新城区锡林北路17号", "其木格", "13900000004"),
    ("12150102MB0NXC005", "新城区海拉尔东路街道社区服务中心（演示）", "public_institution",
     "150102001", "新城区海拉尔东路街道办事处院内", "张主任", "0471-6900102"),
    ("12150702MB0HLR006", "海拉尔区正阳街道社区服务中心（演示）", "public_institution",
     "150702001", "海拉尔区正阳街道便民服务中心", "乌主任", "0470-8200101"),
    ("93150702MA0HLR007", "海拉尔区草原乳业专业合作社（演示）", "cooperative", "150702001",
     "海拉尔区正阳街道牧业新村", "敖其尔", "13900000007"),
    ("92150702MA0HLR008", "海拉尔区巴特尔蒙古族手工艺品店（演示）", "sole_proprietor",
     "150702001001", "海拉尔区团结社区商业街5号", "巴特尔", "13900000008"),
]

_LIGHT_FIT = ["physical", "hearing", "speech"]
# (employer index, title, occupation, region, (lat, lng) or None, salary min, max, hours,
#  physical demand, suitable_for, extra fields). Coordinates around Hohhot's Xincheng
# district (40.84, 111.67) and Hailar (49.21, 119.74).
DEMO_VACANCIES = [
    (0, "社区保洁员（爱心岗位）", "cleaner", "150102001001", (40.8452, 111.6745), 2200, 2800,
     "full_time", "light", _LIGHT_FIT, {"caring_job": True, "min_age": 18, "max_age": 55}),
    (0, "居家养老护理员", "elder_care", "150102001001", (40.8431, 111.6690), 3500, 4500,
     "full_time", "medium", [], {"min_age": 25, "max_age": 55, "required_skills": ["护理"]}),
    (0, "数据录入员（居家灵活）", "data_entry", "150102001001", None, 2000, 3000, "flexible",
     "light", _LIGHT_FIT, {"caring_job": True, "education_min": "junior",
                           "required_skills": ["打字"]}),
    (0, "家政服务员", "housekeeper", "150102001001", (40.8440, 111.6702), 3000, 4000,
     "full_time", "medium", [], {"headcount": 2, "filled_count": 2, "status": "filled"}),
    (1, "便利店收银员（爱心岗位）", "cashier", "150102001", (40.8405, 111.6712), 1800, 2400,
     "part_time", "light", _LIGHT_FIT, {"caring_job": True, "hours_per_week": 24}),
    (1, "便利店理货员", "warehouse_keeper", "150102001", (40.8399, 111.6721), 2400, 3000,
     "full_time", "medium", ["hearing", "speech"], {"max_age": 50}),
    (1, "快递分拣员", "courier", "150102001", (40.8410, 111.6730), 3000, 4000, "full_time",
     "heavy", [], {"status": "closed"}),
    (2, "小区保安员", "security_guard", "150102002", (40.8480, 111.6800), 2600, 3200,
     "full_time", "medium", [], {"min_age": 18, "max_age": 60}),
    (2, "物业水电维修工", "property_maintenance", "150102002", (40.8475, 111.6795), 3500, 5000,
     "full_time", "medium", [], {"required_skills": ["电工"], "education_min": "junior"}),
    (2, "绿化养护工", "greening", "150102002", None, 2500, 3000, "full_time", "heavy", [],
     {"min_age": 18, "max_age": 58}),
    (3, "蒙餐馆后厨帮工（爱心岗位）", "kitchen_helper", "150102002", (40.8520, 111.6880),
     2500, 3000, "full_time", "medium", ["hearing", "speech"], {"caring_job": True}),
    (3, "蒙餐馆服务员", "waiter", "150102002", (40.8523, 111.6884), 2300, 2900, "part_time",
     "light", ["hearing"], {"min_age": 18, "max_age": 45}),
    (3, "中式烹调师", "cook", "150102002", None, 4000, 6000, "full_time", "medium", [],
     {"required_skills": ["烹饪"]}),
    (4, "公益性岗位：楼栋巡查员", "community_assistant", "150102001001", (40.8447, 111.6731),
     2200, 2200, "full_time", "light", _LIGHT_FIT, {"public_welfare_post": True}),
    (4, "公益性岗位：街道保洁员", "cleaner", "150102001", None, 2200, 2200, "full_time",
     "medium", ["hearing", "speech"], {"public_welfare_post": True, "headcount": 3}),
    (5, "公益性岗位：社区就业服务协理员", "community_assistant", "150702001001", (49.2121, 119.7420),
     2100, 2100, "full_time", "light", _LIGHT_FIT, {"public_welfare_post": True}),
    (5, "公益性岗位：社区保洁员", "cleaner", "150702001001", (49.2130, 119.7390), 2100, 2100,
     "full_time", "medium", ["hearing", "speech"], {"public_welfare_post": True}),
    (6, "乳制品加工工", "food_processor", "150702001", (49.2050, 119.7600), 3000, 4000,
     "full_time", "medium", [], {"max_age": 55}),
    (6, "挤奶工", "herder", "150702", None, 2800, 3600, "full_time", "heavy", [],
     {"required_skills": ["挤奶"]}),
    (7, "蒙古族刺绣手工艺人（爱心岗位）", "handicraft", "150702001001", (49.2116, 119.7366),
     2000, 3500, "flexible", "light", _LIGHT_FIT, {"caring_job": True,
                                                    "required_skills": ["刺绣"]}),
    (7, "手工艺品店营业员", "sales_clerk", "150702001001", (49.2118, 119.7372), 2200, 2800,
     "part_time", "light", ["physical", "hearing"], {}),
]


def seed_jobs(today=None):
    """Demo employers and vacancies; return how many vacancies were created."""
    today = today or local_today()
    employers = []
    for body, name, kind, region, address, contact, phone in DEMO_EMPLOYERS:
        code = body + check_character(body)
        employer = db.session.scalar(select(Employer).where(Employer.credit_code == code))
        if employer is None:
            employer = Employer(name=name, credit_code=code, kind=kind, region_code=region,
                                address=address, contact_name=contact, contact_phone=phone)
            db.session.add(employer)
            db.session.flush()
        employers.append(employer)
    created = 0
    for (index, title, occupation, region, place, low, high, hours, demand, suits,
         extra) in DEMO_VACANCIES:
        employer = employers[index]
        if db.session.scalar(select(Vacancy.id).where(Vacancy.employer_id == employer.id,
                                                      Vacancy.title == title)):
            continue
        fields = {"headcount": 1, "filled_count": 0, "status": "open", "caring_job": False,
                  "public_welfare_post": False, "required_skills": [], **extra}
        db.session.add(Vacancy(
            employer_id=employer.id, title=title, occupation_code=occupation,
            region_code=region, county_code=region[:6], address=employer.address,
            lat=place[0] if place else None, lng=place[1] if place else None,
            salary_min=low, salary_max=high, hours_kind=hours, physical_demand=demand,
            suitable_for=suits, opens_on=today - timedelta(days=14),
            closes_on=today + timedelta(days=180), **fields))
        created += 1
    db.session.flush()
    return created


# Demo people who get the system's best match recommended (first 17 ID characters):
# 王建国 (older, registered unemployed) and 张丽 (disabled, certified).
DEMO_RECOMMENDED = ["15010219690315031", "15010519960512048"]


def seed_recommendations(today=None):
    """Recommend each demo person their best current match, once. Returns how many."""
    today = today or local_today()
    created = 0
    for first17 in DEMO_RECOMMENDED:
        index = people.index_of(first17 + check_char(first17))
        person = db.session.scalar(select(Person).where(Person.id_number_index == index))
        if person is None or db.session.scalar(
                select(Recommendation.id).where(Recommendation.person_id == person.id)):
            continue
        matches = match_person(person, limit=1, today=today)["matches"]
        if not matches:
            continue
        vacancy = db.session.get(Vacancy, matches[0].vacancy.id)
        create_recommendation(person, vacancy, SEED, today)
        created += 1
    db.session.flush()
    return created
