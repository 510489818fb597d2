"""The person-facts contract (notes/FACTS.md): one plain dict that every rule engine reads.

Pure: no Flask, no database. `build_facts` reads attributes of a person-like object (a
`Person` row or anything shaped like it, e.g. a SimpleNamespace in tests):

- the person's own columns (see app.people.models.Person);
- `household`: None or an object with `registered_size`, `business_income` and `members`
  (each with person_id, relation, birth_date, gender, employment_status,
  registered_unemployed, able_to_work, willing_to_work);
- `certifications` (added by the certification area): objects with `status`, `categories`,
  `starts_on`;
- `benefits` (added by the policies area later): dicts or objects with policy/start/end.

Unknown is None, never a guess.
"""
import json
from datetime import date
from pathlib import Path

from app.core.idnumber import age_on
from app.core.months import full_months

RULES_FILE = Path(__file__).parent / "data" / "household_rules.json"
HOUSEHOLD_RULES = json.loads(RULES_FILE.read_text(encoding="utf-8"))

FACT_KEYS = (
    "today", "birth_date", "age", "gender", "residence_region", "in_inner_mongolia",
    "urban_resident", "residence_months", "employment_status", "registered_unemployed",
    "unemployment_registered_on", "unemployed_months", "social_insurance_months",
    "unemployment_insured", "dibao", "disability_certificate", "disability_level",
    "disability_type", "land_lost", "land_compensation_monthly", "household_size",
    "zero_employment_household", "graduate_left_on", "ever_employed", "education", "skills",
    "trades_trained", "skill_certificates", "wants", "business_registered_on", "business_kind",
    "in_startup_training", "in_vocational_training", "passed_skill_evaluation_on", "certified",
    "categories", "certified_on", "benefits", "public_welfare_placements",
    "retirement_base_age")
# Men have one original statutory retirement age; a woman's (50 for workers, 55 for cadres)
# is a fact of her job history we do not hold yet: None, and the policies engine weighs both.
MALE_RETIREMENT_BASE_AGE = 60


def working_age(age, gender, rules=HOUSEHOLD_RULES):
    if age is None or gender is None:
        return None
    return rules["working_age_min"] <= age < rules["retirement_age"][gender]


def _member_values(member, person):
    """The person's own record wins over what the household form said about them."""
    if getattr(member, "person_id", None) is not None and member.person_id == person.id:
        return (person.birth_date, person.gender, person.employment_status,
                person.registered_unemployed)
    return (member.birth_date, member.gender, member.employment_status,
            member.registered_unemployed)


def zero_employment(person, today, rules=HOUSEHOLD_RULES):
    """True / False / None (unknown) for the person's household.

    Zero-employment: at least the minimum number of members, no business or investment
    income, and every working-age member able and willing to work is registered unemployed
    (and there is at least one such member).
    """
    household = getattr(person, "household", None)
    if household is None:
        return None
    members = list(household.members or [])
    size = household.registered_size or len(members)
    if size < rules["zero_employment_min_members"]:
        return False
    if household.business_income:
        return False
    unknown = household.business_income is None
    seekers = 0
    for member in members:
        born, gender, status, registered = _member_values(member, person)
        age = age_on(born, today) if born and born <= today else None
        in_age = working_age(age, gender, rules)
        if in_age is False:
            continue
        if in_age is None or member.able_to_work is None or member.willing_to_work is None:
            unknown = True
            continue
        if not (member.able_to_work and member.willing_to_work):
            continue
        if status in ("employed", "flexible", "self_employed") or registered is False:
            return False
        if registered is None:
            unknown = True
            continue
        seekers += 1
    if unknown:
        return None
    return seekers > 0


# The status of a live certification in this contract. The certification area's
# `CertificationStatus.ACTIVE` takes its value from here, since people sits below it.
LIVE_CERTIFICATION_STATUS = "active"


def _live_certification(person, today):
    live = [c for c in (getattr(person, "certifications", None) or [])
            if c.status == LIVE_CERTIFICATION_STATUS and c.starts_on <= today]
    return max(live, key=lambda c: c.starts_on) if live else None


def _benefit(item):
    get = item.get if isinstance(item, dict) else lambda k: getattr(item, k, None)
    return {"policy": get("policy"), "start": get("start"), "end": get("end")}


def retirement_base_age(person):
    """60 for a man; for a woman her recorded base age (50 or 55) if known, else None."""
    if person.gender == "male":
        return MALE_RETIREMENT_BASE_AGE
    value = getattr(person, "retirement_base_age", None)
    return value if person.gender == "female" and value in (50, 55) else None


def _flag(value):
    return None if value is None else bool(value)


def build_facts(person, today: date) -> dict:
    """The facts dict of FACTS.md for `person` on `today` (engines never read the clock)."""
    age = age_on(person.birth_date, today)
    registered = _flag(person.registered_unemployed)
    registered_on = person.unemployment_registered_on
    certification = _live_certification(person, today)
    household = getattr(person, "household", None)
    compensation = person.land_compensation_monthly
    return {
        "today": today,
        "birth_date": person.birth_date,
        "age": age,
        "gender": person.gender,
        "residence_region": person.residence_region_code,
        "in_inner_mongolia": str(person.residence_region_code).startswith("15"),
        "urban_resident": _flag(person.urban_resident),
        "residence_months": full_months(person.residence_since, today),
        "employment_status": person.employment_status,
        "registered_unemployed": registered,
        "unemployment_registered_on": registered_on if registered else None,
        "unemployed_months": full_months(registered_on, today) if registered else None,
        "social_insurance_months": person.social_insurance_months,
        "unemployment_insured": _flag(person.unemployment_insured),
        "dibao": _flag(person.dibao),
        "disability_certificate": _flag(person.disability_certificate),
        "disability_level": person.disability_level,
        "disability_type": person.disability_type,
        "land_lost": _flag(person.land_lost),
        "land_compensation_monthly": None if compensation is None else float(compensation),
        "household_size": None if household is None
        else (household.registered_size or len(household.members or [])) or None,
        "zero_employment_household": zero_employment(person, today),
        "graduate_left_on": person.graduate_left_on,
        "ever_employed": _flag(person.ever_employed),
        "education": person.education,
        "skills": list(person.skills or []),
        "trades_trained": list(person.trades_trained or []),
        "skill_certificates": list(person.skill_certificates or []),
        "wants": list(person.wants or []),
        "business_registered_on": person.business_registered_on,
        "business_kind": person.business_kind,
        "in_startup_training": _flag(person.in_startup_training),
        "in_vocational_training": _flag(person.in_vocational_training),
        "passed_skill_evaluation_on": person.passed_skill_evaluation_on,
        "certified": certification is not None,
        "categories": sorted(certification.categories) if certification else [],
        "certified_on": certification.starts_on if certification else None,
        "benefits": [_benefit(b) for b in (getattr(person, "benefits", None) or [])],
        "public_welfare_placements": person.public_welfare_placements or 0,
        "retirement_base_age": retirement_base_age(person),
    }
