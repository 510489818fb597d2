"""Demo benefit records for the demo people of app/certification/demo.py (`flask seed demo`).

Idempotent: a benefit is added only when the person exists and has no record of that
policy yet. Dates are relative to today, like the demo people's own.

- 王建国 (man, 57, registered unemployed 5 months, 15 years insured) draws unemployment
  insurance benefit since registering: 24 months for 10+ years of contributions.
- 李秀英 (dibao household, registered unemployed 14 months, 30 months insured) has drawn
  unemployment insurance benefit for 11 of her 12 months: it runs out within a month, so
  she is on the list for the assessment before a policy ends (notice §2.4).
"""
from datetime import date

from sqlalchemy import select

from app.core.months import add_months
from app.certification.demo import demo_id
from app.core.clock import local_today
from app.extensions import db
from app.people import services as people
from app.people.models import Person

from .benefits import refresh_due_dates
from .models import Benefit
from .services import catalog_in_force

SEED = "system:seed"


def _benefits(today):
    """(ID number, policy, start, end)."""
    return [
        (demo_id("150102", date(1969, 3, 15), "031"), "unemployment_insurance_benefit",
         add_months(today, -5), None),
        (demo_id("150102", date(1980, 8, 20), "062"), "unemployment_insurance_benefit",
         add_months(today, -11), None),
    ]


def seed_benefit_demo():
    """Add the demo benefits that are missing. Returns how many were added."""
    today = local_today()
    catalog = catalog_in_force(today)
    added = 0
    for number, policy, start, end in _benefits(today):
        person = db.session.scalar(select(Person).where(
            Person.id_number_index == people.index_of(number)))
        if person is None or db.session.scalar(select(Benefit.id).where(
                Benefit.person_id == person.id, Benefit.policy == policy)):
            continue
        db.session.add(Benefit(person_id=person.id, policy=policy, starts_on=start,
                               ends_on=end, region_code=person.residence_region_code,
                               source="seed", catalog_version=catalog.version,
                               approved_by=SEED))
        refresh_due_dates(person, catalog, today)
        added += 1
    db.session.flush()
    return added
