"""Proactive discovery (主动发现): people whom partner lists show as likely to fall into a
certification category, with the reason in words a station worker can say at the door.

Pure: no Flask, no database. Input: one person's live list entries by source, their birth
date and gender (from the ID number), today, and what the person's dibao household shows
(whether any member contributes to social insurance). The working-age bounds are those of the
certification rules' common conditions (16 to under 60 for men, under 55 for women).
"""
from datetime import date

from app.core.i18n import N_
from app.core.idnumber import age_on

from .compare import Listed, listed_facts

LONG_TERM_MONTHS = 12

REASONS = {
    "dibao_no_contributions": N_("低保家庭成员，处于劳动年龄，无参保缴费记录"),
    "disabled_no_contributions": N_("持证残疾人，处于劳动年龄，无就业参保记录"),
    "long_registered_unemployed": N_("登记失业已满一年"),
    "land_lost_no_contributions": N_("被征地农民，处于劳动年龄，无参保缴费记录"),
    "household_without_contributions": N_("低保家庭中无人参保缴费，可能为零就业家庭"),
}
# The category each reason points to (codes of rules/nm-2019.1.json).
CATEGORY_OF = {"dibao_no_contributions": "long_term_unemployed",
               "disabled_no_contributions": "disabled",
               "long_registered_unemployed": "long_term_unemployed",
               "land_lost_no_contributions": "land_lost",
               "household_without_contributions": "zero_employment_household"}


def working_age(born, gender, today):
    age = age_on(born, today)
    return 16 <= age < (60 if gender == "male" else 55)


def discover(entries: list[Listed], born: date, gender: str, today: date,
             household_contributes: bool | None = None):
    """The reason codes that make this person worth a visit, in a stable order.

    `household_contributes` is None when the person is on no dibao household list; False
    when no member of their dibao household (as the lists of the region show it) pays
    contributions: a likely zero-employment household (零就业家庭)."""
    if not working_age(born, gender, today):
        return []
    stated = {}
    for entry in entries:
        if entry.ended_on is None:
            stated.setdefault(entry.source, {}).update(listed_facts(entry, today))
    contributing = contributes(entries)
    reasons = []
    if stated.get("dibao", {}).get("dibao") and not contributing:
        reasons.append("dibao_no_contributions")
    if stated.get("disability", {}).get("disability_certificate") and not contributing:
        reasons.append("disabled_no_contributions")
    registered = next((e for e in entries if e.source == "unemployment" and e.ended_on is None
                       and e.values.get("status") == "registered"), None)
    if registered is not None and _months_since(registered.values.get("registered_on"),
                                                today) >= LONG_TERM_MONTHS:
        reasons.append("long_registered_unemployed")
    if stated.get("land_lost", {}).get("land_lost") and not contributing:
        reasons.append("land_lost_no_contributions")
    if household_contributes is False and stated.get("dibao", {}).get("dibao"):
        reasons.append("household_without_contributions")
    return reasons


def contributes(entries: list[Listed]):
    """True when one of the entries is a live social-insurance record of paid contributions."""
    return any(entry.source == "social_insurance" and entry.ended_on is None
               and entry.values.get("status") == "contributing" for entry in entries)


def households(entries_by_person: dict, today: date):
    """{dibao household number: whether any member contributes}, from the entries of each
    person (key: anything that tells persons apart)."""
    found = {}
    for entries in entries_by_person.values():
        for entry in entries:
            if entry.source == "dibao" and entry.ended_on is None \
                    and listed_facts(entry, today).get("dibao"):
                number = entry.values.get("household_no")
                found[number] = found.get(number, False) or contributes(entries)
    return found


def _months_since(day, today):
    if day is None:
        return 0
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
