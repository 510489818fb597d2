"""People for tests: ID numbers, job seekers registered through the real HTTP API, and
the demo people as fact dicts shaped like app/people/facts.py::build_facts (FACTS.md) for
the policy engine tests."""
from datetime import date

from app.core.i18n import render_all
from tests.builders.http import auth, staff_token

NOTICE = "2025-01"  # PRIVACY_NOTICE_VERSION and CERT_COMMITMENT_VERSION of the test config
RESIDENCE = "150102001001"  # 示范社区, served by station_xc's doorstep station
OLDER_FACTS = {"urban_resident": True, "residence_since": "2010-01-01",
               "employment_status": "unemployed", "registered_unemployed": True,
               "unemployment_registered_on": "2026-01-05", "social_insurance_months": 60,
               "education": "senior", "skills": ["电工"], "wants": ["job"],
               "ever_employed": True}


def id_number(address, born, sequence):
    """A valid 18-char ID number (GB 11643 check character) for a date of birth."""
    from app.core.idnumber import check_char
    first17 = f"{address}{born:%Y%m%d}{sequence}"
    return first17 + check_char(first17)


def older_man_id(sequence="031"):
    return id_number("150102", date(1968, 4, 1), sequence)


def register_self(client, token, *, name="张三", number=None, residence=RESIDENCE, facts=None,
                  expect=200):
    body = {"name": name, "id_number": number or older_man_id(), "residence_region_code":
            residence, "consent": {"notice_version": NOTICE},
            "facts": OLDER_FACTS if facts is None else facts}
    response = client.put("/api/v1/people/me", json=body, headers=auth(token))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def create_person(client, token, *, name="王五", number=None, residence=RESIDENCE, facts=None,
                  phone=None, expect=201):
    body = {"name": name, "id_number": number or older_man_id("051"),
            "residence_region_code": residence,
            "consent": {"notice_version": NOTICE, "channel": "station_paper"},
            "facts": OLDER_FACTS if facts is None else facts}
    if phone:
        body["phone"] = phone
    response = client.post("/api/v1/people", json=body, headers=auth(token))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def verify_at_station(client, id_number, link_id, station="station_xc"):
    """A station checks the relative's ID card and signed consent: the proxy link takes
    effect. Returns the relative as the station sees them."""
    staff = staff_token(client, station)
    person = client.post("/api/v1/people/lookup", json={"id_number": id_number},
                         headers=auth(staff))
    assert person.status_code == 200, person.get_json()
    verified = client.post(
        f"/api/v1/people/{person.get_json()['id']}/proxy-links/{link_id}/verify",
        json={"notice_version": NOTICE, "channel": "station_paper"}, headers=auth(staff))
    assert verified.status_code == 200, verified.get_json()
    return person.get_json()


# ---------------------------------------------------------------- demo people as fact dicts

TODAY = date(2025, 12, 1)

FACT_KEYS = (
    "today birth_date age gender residence_region in_inner_mongolia urban_resident "
    "residence_months employment_status registered_unemployed unemployment_registered_on "
    "unemployed_months social_insurance_months unemployment_insured dibao "
    "disability_certificate disability_level disability_type land_lost "
    "land_compensation_monthly household_size zero_employment_household graduate_left_on "
    "ever_employed education skills trades_trained skill_certificates wants "
    "business_registered_on business_kind in_startup_training in_vocational_training "
    "passed_skill_evaluation_on certified categories certified_on benefits "
    "public_welfare_placements").split()

LISTS = {"skills", "trades_trained", "skill_certificates", "wants", "categories", "benefits"}


def in_chinese(value):
    """Engine output as a reader of the source language gets it: every Text rendered with
    no translation (the templates are Chinese)."""
    return render_all(value, lambda template: template)


def facts(extra=None, **known):
    """Every contract key; unknown ones None (lists empty), `today` fixed."""
    base = {key: ([] if key in LISTS else None) for key in FACT_KEYS}
    base.update(today=TODAY, residence_region="150102001001", in_inner_mongolia=True,
                certified=False, public_welfare_placements=0)
    base.update(known)
    base.update(extra or {})
    return base


def man_57_near_retirement(**extra):
    """Born 1968-06-15: statutory retirement at 60y11m, on 2029-05-15 (41 months away).
    Certified as older, now in flexible employment with the social-insurance subsidy
    approved from 2025-01-01, i.e. 52 months before retirement."""
    return facts(birth_date=date(1968, 6, 15), age=57, gender="male", urban_resident=True,
                 residence_months=120, employment_status="flexible",
                 registered_unemployed=False, social_insurance_months=240, dibao=False,
                 disability_certificate=False, zero_employment_household=False,
                 certified=True, categories=["older"], certified_on=date(2024, 11, 20),
                 wants=["job"], benefits=[{"policy": "social_insurance_subsidy_flexible",
                                           "start": date(2025, 1, 1), "end": None}], extra=extra)


def dibao_member_unemployed_14_months(**extra):
    """A woman of 40 in a dibao household, registered unemployed since 2024-10-01."""
    return facts(birth_date=date(1985, 3, 10), age=40, gender="female", urban_resident=True,
                 residence_months=60, employment_status="unemployed",
                 registered_unemployed=True, unemployment_registered_on=date(2024, 10, 1),
                 unemployed_months=14, social_insurance_months=30, dibao=True,
                 disability_certificate=False, zero_employment_household=False,
                 certified=True, categories=["long_term_unemployed"],
                 certified_on=date(2025, 10, 15), wants=["job", "training"], extra=extra)


def disabled_woman_30(**extra):
    """A woman of 30 with a level-3 physical disability certificate, registered unemployed
    for 2 months, wanting a job and training."""
    return facts(birth_date=date(1995, 7, 1), age=30, gender="female", urban_resident=True,
                 residence_months=24, employment_status="unemployed",
                 registered_unemployed=True, unemployment_registered_on=date(2025, 9, 20),
                 unemployed_months=2, dibao=False, disability_certificate=True,
                 disability_level=3, disability_type="physical",
                 zero_employment_household=False, certified=True, categories=["disabled"],
                 certified_on=date(2025, 11, 1), wants=["job", "training"], extra=extra)


def zero_employment_member(**extra):
    """A man of 45 in a zero-employment household, registered unemployed for 4 months,
    already placed once in a public-welfare post."""
    return facts(birth_date=date(1980, 5, 5), age=45, gender="male", urban_resident=True,
                 residence_months=200, employment_status="unemployed",
                 registered_unemployed=True, unemployment_registered_on=date(2025, 7, 25),
                 unemployed_months=4, dibao=False, household_size=3,
                 zero_employment_household=True, disability_certificate=False,
                 certified=True, categories=["zero_employment_household"],
                 certified_on=date(2025, 8, 20), wants=["job"], public_welfare_placements=1,
                 extra=extra)
