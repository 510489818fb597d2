"""Comparison (比对): what partner lists say about a person beside what the person declared.

Pure: no Flask, no database. A record is a `Listed` (source, values, as_of, ended_on); the
declared side is the facts dict of app/people/facts.py. Each finding names the fact, both
values, the list and its date, and whether the list confirms the declaration, contradicts
it, or only adds what the person never said.
"""
from dataclasses import dataclass
from datetime import date

CONFIRMED, CONTRADICTED, ADDED = "confirmed", "contradicted", "added"

# Which certification evidence a live list entry stands in for (免证).
EVIDENCE_OF = {"dibao": "dibao_certificate", "disability": "disability_certificate",
               "unemployment": "unemployment_registration", "land_lost": "land_expropriation",
               "social_insurance": "social_insurance_record"}


@dataclass(frozen=True)
class Listed:
    source: str
    values: dict
    as_of: date
    ended_on: date | None


def listed_facts(record, today):
    """{fact: value} that one list entry states about the person today."""
    values, live = record.values, record.ended_on is None
    if record.source == "dibao":
        end = _day(values.get("end"))
        return {"dibao": live and (end is None or end >= today)}
    if record.source == "disability":
        valid = live and _day(values.get("valid_until")) >= today
        facts = {"disability_certificate": valid}
        if valid:
            facts |= {"disability_level": values.get("disability_level"),
                      "disability_type": values.get("disability_type")}
        return facts
    if record.source == "unemployment":
        return {"registered_unemployed": live and values.get("status") == "registered"}
    if record.source == "social_insurance":
        contributing = live and values.get("status") == "contributing"
        facts = {"social_insurance_months": values.get("months")}
        if contributing and values.get("kind") == "employee":
            facts["employed_by_contributions"] = True
        return facts
    if record.source == "land_lost":
        return {"land_lost": live}
    return {}


def compare(declared, records, today):
    """Findings for one person, one per (list, fact), in a stable order."""
    findings = []
    for record in sorted(records, key=lambda r: (r.source, r.as_of)):
        for fact, partner_value in listed_facts(record, today).items():
            if fact == "employed_by_contributions":
                own = declared.get("employment_status")
                outcome = CONTRADICTED if own == "unemployed" else (
                    CONFIRMED if own in ("employed", "flexible", "self_employed") else ADDED)
                findings.append(_finding("employment_status", own, "employed", record, outcome))
                continue
            own = declared.get(fact)
            if own is None:
                outcome = ADDED
            elif own == partner_value:
                outcome = CONFIRMED
            else:
                outcome = CONTRADICTED
            findings.append(_finding(fact, own, partner_value, record, outcome))
    return findings


def confirmed_evidence(records, today):
    """{evidence kind: source} that live list entries stand in for, so the person need not
    upload them (免证)."""
    kinds = {}
    for record in records:
        stated = listed_facts(record, today)
        if record.source == "social_insurance":
            confirms = record.ended_on is None
        else:
            confirms = any(value is True for value in stated.values())
        if confirms:
            kinds[EVIDENCE_OF[record.source]] = record.source
    return kinds


def _finding(fact, declared, listed, record, outcome):
    return {"fact": fact, "declared": _plain(declared), "listed": _plain(listed),
            "source": record.source, "as_of": record.as_of, "ended_on": record.ended_on,
            "outcome": outcome}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _day(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
