"""Demo people and applications in different states (called by `flask seed demo`).

Later issues evaluate policies for exactly these: a 57-year-old man, a dibao household
member unemployed 14 months, a disabled woman of 30 and a zero-employment household. ID
numbers are valid (GB 11643 check character) with Inner Mongolia division codes; they are
made up. Idempotent: a person whose ID number is already registered is left alone.

Each person was registered and applied at their station (channel "station", entered by the
station's demo staff member); the later review steps are set by the seed itself (actor
system:seed). Maker-checker holds for them too: station_xc cannot check the applications
station_xc entered (李秀英's waits at the station for another staff member, or for the
township once the step is overdue and escalated).
"""
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.core.clock import local_today
from app.core.idnumber import check_char
from app.core.months import add_months
from app.extensions import db
from app.people import services as people
from app.people.models import Person

from .certs import create_certification
from .services import submit_application, transition
from .workflow import Action, Status

SEED = "system:seed"
PATHS = {
    Status.SUBMITTED: [],
    Status.STATION_CHECK: [(Action.ACCEPT, Status.STATION_CHECK)],
    Status.TOWNSHIP_REVIEW: [(Action.ACCEPT, Status.STATION_CHECK),
                             (Action.STATION_PASS, Status.TOWNSHIP_REVIEW)],
    Status.COUNTY_DECISION: [(Action.ACCEPT, Status.STATION_CHECK),
                             (Action.STATION_PASS, Status.TOWNSHIP_REVIEW),
                             (Action.TOWNSHIP_PASS, Status.COUNTY_DECISION)],
}
PATHS[Status.CERTIFIED] = PATHS[Status.COUNTY_DECISION] + [(Action.COUNTY_CERTIFY,
                                                            Status.CERTIFIED)]


def demo_id(address, born, sequence):
    first17 = f"{address}{born:%Y%m%d}{sequence}"
    return first17 + check_char(first17)


def _people(today):
    """(staff username, identity, facts, household, target status, categories)."""
    unemployed_14 = add_months(today, -14)
    return [
        ("station_xc",
         {"name": "王建国", "id_number": demo_id("150102", date(1969, 3, 15), "031"),
          "residence_region_code": "150102001001", "phone": "13900000001"},
         {"urban_resident": True, "residence_since": date(2008, 5, 1),
          "employment_status": "unemployed", "registered_unemployed": True,
          "unemployment_registered_on": add_months(today, -5), "social_insurance_months": 180,
          "unemployment_insured": True, "education": "junior", "skills": ["叉车驾驶", "仓库管理"], "wants": ["job"],
          "ever_employed": True},
         None, Status.COUNTY_DECISION, ["older"]),
        ("station_xc",
         {"name": "李秀英", "id_number": demo_id("150102", date(1980, 8, 20), "062"),
          "residence_region_code": "150102001001", "phone": "13900000002"},
         {"urban_resident": True, "residence_since": date(2015, 3, 1),
          "employment_status": "unemployed", "registered_unemployed": True,
          "unemployment_registered_on": unemployed_14, "social_insurance_months": 30,
          "unemployment_insured": True, "dibao": True, "education": "senior", "skills": ["家政服务"],
          "wants": ["job", "training"], "ever_employed": True},
         {"registered_size": 2, "business_income": False,
          "members": [{"name": "李明", "relation": "child", "birth_date": date(2004, 2, 1),
                       "gender": "male", "employment_status": "student",
                       "registered_unemployed": False, "able_to_work": True,
                       "willing_to_work": False}]},
         Status.SUBMITTED, ["long_term_unemployed"]),
        ("station_xc",
         {"name": "张丽", "id_number": demo_id("150105", date(1996, 5, 12), "048"),
          "residence_region_code": "150102001001", "phone": "13900000003"},
         {"urban_resident": True, "residence_since": date(2019, 9, 1),
          "employment_status": "unemployed", "registered_unemployed": True,
          "unemployment_registered_on": add_months(today, -3), "disability_certificate": True,
          "disability_level": 3, "disability_type": "physical", "education": "college",
          "skills": ["电脑办公", "客服"], "wants": ["job", "training"], "ever_employed": False,
          "graduate_left_on": date(2018, 7, 1)},
         None, Status.CERTIFIED, ["disabled"]),
        ("station_xc",
         {"name": "赵刚", "id_number": demo_id("150102", date(1975, 11, 2), "013"),
          "residence_region_code": "150102001001", "phone": "13900000004"},
         {"urban_resident": True, "residence_since": date(2001, 1, 1),
          "employment_status": "unemployed", "registered_unemployed": True,
          "unemployment_registered_on": add_months(today, -8), "social_insurance_months": 96,
          "education": "senior", "skills": ["电焊"], "trades_trained": ["焊工"],
          "wants": ["job", "startup"], "ever_employed": True},
         {"registered_size": 3, "business_income": False,
          "members": [
              {"name": "孙梅", "relation": "spouse", "birth_date": date(1977, 4, 9),
               "gender": "female", "employment_status": "unemployed",
               "registered_unemployed": True, "able_to_work": True, "willing_to_work": True},
              {"name": "赵小雨", "relation": "child", "birth_date": date(2014, 6, 1),
               "gender": "female", "employment_status": "student",
               "registered_unemployed": False, "able_to_work": False, "willing_to_work": False,
               "guardian": {"name": "赵刚", "relation": "parent", "notice_version": None,
                            "channel": "station_paper"}}]},
         Status.TOWNSHIP_REVIEW, ["zero_employment_household"]),
        ("station_hlr",
         {"name": "巴特", "id_number": demo_id("150702", date(1972, 1, 25), "057"),
          "residence_region_code": "150702001001", "phone": "13900000005"},
         {"urban_resident": True, "residence_since": date(1998, 1, 1),
          "employment_status": "unemployed", "registered_unemployed": True,
          "unemployment_registered_on": add_months(today, -6), "social_insurance_months": 120,
          "education": "junior", "skills": ["畜牧养殖"], "wants": ["job"], "ever_employed": True},
         None, Status.STATION_CHECK, ["older"]),
    ]


def seed_certification_demo():
    """Create the demo people and their applications that are missing. Returns the count."""
    today = local_today()
    notice = current_app.config["PRIVACY_NOTICE_VERSION"]
    consent = {"notice_version": notice, "channel": "station_paper"}
    commitment = {"accepted": True, "version": current_app.config["CERT_COMMITMENT_VERSION"]}
    created = 0
    for username, identity, facts, household, status, categories in _people(today):
        index = people.index_of(identity["id_number"])
        if db.session.scalar(select(Person.id).where(Person.id_number_index == index)):
            continue
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        person = people.create_person(staff, consent=consent, facts=facts, **identity)
        if household:
            for member in household["members"]:
                if member.get("guardian"):
                    member["guardian"]["notice_version"] = notice
            people.set_household(staff, person, **household)
        application = submit_application(staff, person, commitment=commitment,
                                         categories=categories)
        for action, target in PATHS[status]:
            values = {"decided_categories": categories} if target == Status.CERTIFIED else None
            transition(application, action, target, SEED, note="演示数据", values=values)
        if status == Status.CERTIFIED:
            create_certification(application, today)
        created += 1
    return created
