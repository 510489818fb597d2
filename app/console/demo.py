"""Demo data for trying the console after `make run` (called by `flask seed demo` only, so
the test suite's seeded state stays as it was).

Every seeded application was entered by station_xc, who therefore may not review them
(maker-checker). 刘洋 registered and applied himself in the mini-program (WeChat login
`demo-liuyang`), so station_xc can accept and check his application in the console.
"""
import base64
import hashlib
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.accounts.models import PersonAccount
from app.certification.demo import demo_id
from app.certification.services import submit_application
from app.core.clock import local_today
from app.core.months import add_months
from app.extensions import db
from app.people import services as people
from app.people.models import Person

LOGIN = "liuyang"


def _openid(appid, name):
    """The fake WeChat's openid for `demo-<name>` (fakes/wechat.py demo_openid)."""
    digest = hashlib.sha256(f"{appid}:{name}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def seed_console_demo():
    """刘洋's self-service application, waiting at the station. Idempotent; returns 1 if made."""
    number = demo_id("150102", date(1970, 6, 18), "071")
    if db.session.scalar(select(Person.id).where(Person.id_number_index == people.index_of(number))):
        return 0
    config = current_app.config
    account = PersonAccount(openid=_openid(config["WECHAT_APPID"], LOGIN), active=True,
                            token_version=1)
    db.session.add(account)
    db.session.flush()
    person, _ = people.register_self(
        account, name="刘洋", id_number=number, residence_region_code="150102001001",
        consent={"notice_version": config["PRIVACY_NOTICE_VERSION"]},
        facts={"urban_resident": True, "residence_since": date(2003, 4, 1),
               "employment_status": "unemployed", "registered_unemployed": True,
               "unemployment_registered_on": add_months(local_today(), -9), "social_insurance_months": 150,
               "education": "junior", "skills": ["驾驶"], "wants": ["job"],
               "ever_employed": True})
    submit_application(account, person, categories=["older"],
                       commitment={"accepted": True,
                                   "version": config["CERT_COMMITMENT_VERSION"]})
    return 1
