"""The station's discovery list and the one-step station application for a discovered
person. Nothing about a discovered person is shown outside the caller's region subtree."""
import json
from datetime import date
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from app.audit.services import record
from app.certification.models import Application, Certification
from app.certification.services import submit_application
from app.certification.workflow import OPEN, CertificationStatus
from app.core.errors import Conflict
from app.core.idnumber import birth_and_gender
from app.core.models import get_in_scope, subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people import services as people
from app.people.models import Person
from app.tracking.cases import open_case
from app.tracking.models import Case
from app.tracking.work import record_contact

from . import standing
from .compare import Listed, listed_facts
from .discovery import CATEGORY_OF, REASONS, discover, households
from .models import PartnerRecord

SCAN_MAX = 5000  # distinct persons read for one list; a county narrows to a township
# The sources whose entries can state a category (discovery.discover); a social-insurance
# entry alone never makes a person worth a visit.
STATING = ("dibao", "disability", "unemployment", "land_lost")


def list_discoveries(staff, today, region_code=None, page=1, per_page=20):
    """Persons on partner lists living in a region of the caller's subtree who appear to
    fall into a certification category and have neither an open application nor a live
    certification, each with the reasons and the last contact; paged."""
    region, found = find_discoveries(staff, today, region_code)
    record("partners.discoveries_listed", "region", region, details={"count": len(found)})
    start = (page - 1) * per_page
    items = found[start:start + per_page]
    _add_names(items)
    _add_contacts(items)
    return {"region_code": region, "items": items, "page": page, "per_page": per_page,
            "total": len(found)}


def find_discoveries(staff, today, region_code=None):
    """(region, items) of the discovery list, unpaged (the invitations read it whole);
    the items carry no name (list_discoveries adds it to the page it shows)."""
    region = requested_region(staff, region_code)
    # The codes as a list, not a subquery: with the subquery PostgreSQL seq-scanned the
    # million-row table instead of using the community index.
    codes = list(db.session.scalars(subtree_codes(region)))
    # Only persons a list can state a category for are candidates (their blind indexes,
    # nothing decrypted); then, in one statement, their live entries of every source (a
    # contribution record only matters beside such an entry), each with the person of that
    # index, matched now, not at import (a person may have registered after the list came),
    # and whether they have applied or are certified. Names stay sealed: only a page shows
    # them. A station's list holds thousands of entries, read on every visit.
    candidates = (
        select(PartnerRecord.id_number_index).where(
            PartnerRecord.community_code.in_(codes), PartnerRecord.source.in_(STATING),
            PartnerRecord.ended_import_id.is_(None))
        .group_by(PartnerRecord.id_number_index).order_by(PartnerRecord.id_number_index)
        .limit(SCAN_MAX).subquery())
    rows = db.session.execute(
        select(*ENTRY_COLUMNS, Person.id, Person.person_account_id, _busy(Person.id))
        .join(candidates, candidates.c.id_number_index == PartnerRecord.id_number_index)
        .outerjoin(Person, Person.id_number_index == PartnerRecord.id_number_index)
        .where(PartnerRecord.community_code.in_(codes), PartnerRecord.ended_import_id.is_(None))
        .order_by(PartnerRecord.community_code, PartnerRecord.id_number_index,
                  PartnerRecord.id)).all()
    by_person, persons = {}, {}
    width = len(ENTRY_COLUMNS)
    for row in rows:
        entry = _Entry(*row[:width - 1], json.loads(row[width - 1]))
        by_person.setdefault(entry.id_number_index, []).append(entry)
        persons[entry.id_number_index] = row[width:]
    live = [entry for entries in by_person.values() for entry in entries]
    latest = standing.latest_lists(live)
    entries = {index: standing.listed(records, latest) for index, records in by_person.items()}
    household = households(entries, today)
    found = []
    for index, records in by_person.items():
        person_id, account_id, busy = persons[index]
        if busy:
            continue
        born, gender = birth_and_gender(records[0].id_number)  # checked at the import
        reasons = discover(entries[index], born, gender, today,
                           _household_of(records, household))
        if reasons:
            found.append(_item(records, reasons, person_id, account_id))
    return region, found


class _Entry(NamedTuple):
    """A live list entry as the discovery list reads it: plain values, its JSON parsed once
    (thousands are read on every visit; ORM objects cost several times more)."""
    id: int
    source: str
    region_code: str
    community_code: str
    id_number_index: str
    id_number: str
    as_of: date
    ended_import_id: int | None
    ended_on: date | None
    values: dict


ENTRY_COLUMNS = (PartnerRecord.id, PartnerRecord.source, PartnerRecord.region_code,
                 PartnerRecord.community_code, PartnerRecord.id_number_index,
                 PartnerRecord.id_number, PartnerRecord.as_of, PartnerRecord.ended_import_id,
                 PartnerRecord.ended_on, PartnerRecord.values_sealed)


def _busy(person_id):
    """Whether the person has an open application or a live certification (false without a
    person)."""
    return or_(
        exists().where(Application.person_id == person_id,
                       Application.status.in_([s.value for s in OPEN])),
        exists().where(Certification.person_id == person_id,
                       Certification.status == CertificationStatus.ACTIVE))


def _household_of(rows, household):
    dibao = next((r for r in rows if r.source == "dibao"), None)
    return household.get(dibao.values.get("household_no")) if dibao is not None else None


def _add_names(items):
    names = dict(db.session.execute(select(PartnerRecord.id, PartnerRecord.name).where(
        PartnerRecord.id.in_([item["record_id"] for item in items]))).all()) if items else {}
    for item in items:
        item["name"] = names[item["record_id"]]


def _add_contacts(items):
    """The last contact of each discovered person who has a help case (tracking area)."""
    ids = [item["person_id"] for item in items if item["person_id"] is not None]
    last = dict(db.session.execute(select(Case.person_id, Case.last_contact_on).where(
        Case.person_id.in_(ids), Case.status == "open")).all()) if ids else {}
    for item in items:
        item["last_contact_on"] = last.get(item["person_id"])


def _item(rows, reasons, person_id, account_id):
    first = rows[0]
    return {"record_id": first.id, "person_id": person_id, "account_id": account_id,
            "id_number": first.id_number, "community_code": first.community_code,
            "sources": sorted({r.source for r in rows}),
            "reasons": [{"code": code, "text": REASONS[code], "category": CATEGORY_OF[code]}
                        for code in reasons]}


def contact_discovered(staff, record_id, **contact):
    """Record a contact (联系对接) with a discovered person through the tracking area: the
    person is registered from the list when not yet (statutory duty, see people), gets a
    help case at their station, and the contact counts in the round's coverage."""
    entry = get_in_scope(PartnerRecord, staff, record_id)
    if entry.ended_on is not None:
        raise Conflict("partners.record_ended", _l("此人已不在该名单上"))
    person = people.register_from_list(staff, name=entry.name, id_number=entry.id_number,
                                       residence_region_code=entry.community_code,
                                       department_source=entry.source)
    person = get_in_scope(Person, staff, person.id)
    _link(entry.id_number_index, person.id)
    case = open_case(person, "discovered")
    result = record_contact(staff, case, **contact)
    record("partners.discovery_contacted", "case", case.id,
           details={"record_id": entry.id, "contact_id": result.id})
    return result


def _link(index, person_id):
    db.session.execute(PartnerRecord.__table__.update().where(
        PartnerRecord.id_number_index == index, PartnerRecord.person_id.is_(None)).values(
            person_id=person_id))


def apply_for_discovered(staff, record_id, today, *, consent, commitment, phone=None,
                         facts=None):
    """Register the discovered person at the station (identity from the list, never typed
    again) and file their application in one step. The person must be at the station with
    their signed consent and commitment, as for any station application."""
    entry = get_in_scope(PartnerRecord, staff, record_id)
    if entry.ended_on is not None:
        raise Conflict("partners.record_ended", _l("此人已不在该名单上"))
    person = db.session.scalar(select(Person).where(
        Person.id_number_index == entry.id_number_index))
    listed = _facts_from_lists(entry.id_number_index, today)
    if person is None:
        person = people.create_person(staff, name=entry.name, id_number=entry.id_number,
                                      residence_region_code=entry.community_code,
                                      consent=consent, phone=phone,
                                      facts={**listed, **(facts or {})})
    else:
        person = get_in_scope(Person, staff, person.id)
        people.record_consent(staff, person, consent)
        people.apply_facts(person, {**listed, **(facts or {})})
    application = submit_application(staff, person, commitment=commitment)
    db.session.execute(PartnerRecord.__table__.update().where(
        PartnerRecord.id_number_index == entry.id_number_index).values(
            person_id=person.id, applied_application_id=application.id))
    record("partners.discovery_applied", "application", application.id,
           details={"record_id": entry.id})
    return application


def _facts_from_lists(index, today):
    """The facts live list entries state, in the people area's vocabulary."""
    rows = db.session.scalars(select(PartnerRecord).where(
        PartnerRecord.id_number_index == index, PartnerRecord.ended_import_id.is_(None))).all()
    facts = {}
    for row in rows:
        stated = listed_facts(Listed(row.source, row.values, row.as_of, row.ended_on), today)
        if row.source == "unemployment" and stated.get("registered_unemployed"):
            facts["unemployment_registered_on"] = date.fromisoformat(row.values["registered_on"])
        if stated.pop("employed_by_contributions", False):
            facts["employment_status"] = "employed"
        facts.update({k: v for k, v in stated.items() if v is not None})
    return facts
