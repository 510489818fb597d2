"""A person's entries on partner lists, the comparison with what they declared, and the
contradictions a station has to clear up."""
from sqlalchemy import select

from app.audit.services import record
from app.core.models import get_in_scope, subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people.facts import build_facts
from app.people.models import Person

from . import standing
from .compare import CONTRADICTED, compare, confirmed_evidence
from .models import PartnerRecord

CONTRADICTIONS_MAX = 500  # a station's list; beyond that, narrow the region


def listed(person_id):
    """Every list entry matched to the person (live and ended), as the pure engine reads it."""
    return standing.listed(db.session.scalars(select(PartnerRecord).where(
        PartnerRecord.person_id == person_id)).all())


def confirmed_evidence_for(person_id, today):
    """The certification area's confirmer (registered in create_app)."""
    return confirmed_evidence(listed(person_id), today)


def compare_person(staff, person_id, today):
    """What partner lists say about a person of the caller's subtree beside what the person
    declared; the view is audited like any reading of a person's data."""
    person = get_in_scope(Person, staff, person_id)
    findings = compare(build_facts(person, today), listed(person.id), today)
    record("partners.comparison_viewed", "person", person.id)
    return {"person_id": person.id, "findings": findings,
            "confirmed_evidence": confirmed_evidence(listed(person.id), today)}


def list_contradictions(staff, today, region_code=None):
    """Persons living in a region of the caller's subtree whose declaration a partner list
    contradicts, with both values: the station's work list."""
    region = requested_region(staff, region_code)
    persons = db.session.scalars(
        select(Person).where(Person.residence_region_code.in_(subtree_codes(region)),
                             Person.id.in_(select(PartnerRecord.person_id)))
        .order_by(Person.id).limit(CONTRADICTIONS_MAX)).all()
    items = []
    for person in persons:
        found = [f for f in compare(build_facts(person, today), listed(person.id), today)
                 if f["outcome"] == CONTRADICTED]
        if found:
            items.append({"person_id": person.id, "name": person.name, "findings": found})
    record("partners.contradictions_listed", "region", region, details={"count": len(items)})
    return {"region_code": region, "items": items}
