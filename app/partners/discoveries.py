"""The station's discovery list and the one-step station application for a discovered
person. Nothing about a discovered person is shown outside the caller's region subtree."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.certification.models import Application, Certification
from app.certification.services import submit_application
from app.certification.workflow import OPEN, CertificationStatus
from app.core.errors import Conflict
from app.core.idnumber import parse_id_number
from app.core.models import get_in_scope, subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people import services as people
from app.people.models import Person

from .compare import Listed, listed_facts
from .discovery import CATEGORY_OF, REASONS, discover
from .models import PartnerRecord

SCAN_MAX = 5000  # distinct persons read for one list; a county narrows to a township


def list_discoveries(staff, today, region_code=None, page=1, per_page=20):
    """Persons on partner lists living in a region of the caller's subtree who appear to
    fall into a certification category and have neither an open application nor a live
    certification, each with the reasons; paged."""
    region = requested_region(staff, region_code)
    live = db.session.scalars(
        select(PartnerRecord).where(PartnerRecord.community_code.in_(subtree_codes(region)),
                                    PartnerRecord.ended_import_id.is_(None))
        .order_by(PartnerRecord.community_code, PartnerRecord.id_number_index,
                  PartnerRecord.id).limit(SCAN_MAX)).all()
    by_person = {}
    for row in live:
        by_person.setdefault(row.id_number_index, []).append(row)
    busy = _applied_or_certified({r.person_id for r in live if r.person_id is not None})
    found = []
    for rows in by_person.values():
        if any(r.person_id in busy for r in rows):
            continue
        identity = parse_id_number(rows[0].id_number, today)
        reasons = discover([Listed(r.source, r.values, r.as_of, r.ended_on) for r in rows],
                           identity.birth_date, identity.gender, today)
        if reasons:
            found.append(_item(rows, reasons))
    record("partners.discoveries_listed", "region", region, details={"count": len(found)})
    start = (page - 1) * per_page
    return {"region_code": region, "items": found[start:start + per_page], "page": page,
            "per_page": per_page, "total": len(found)}


def _applied_or_certified(person_ids):
    if not person_ids:
        return set()
    applied = db.session.scalars(select(Application.person_id).where(
        Application.person_id.in_(person_ids),
        Application.status.in_([s.value for s in OPEN]))).all()
    certified = db.session.scalars(select(Certification.person_id).where(
        Certification.person_id.in_(person_ids),
        Certification.status == CertificationStatus.ACTIVE)).all()
    return set(applied) | set(certified)


def _item(rows, reasons):
    first = rows[0]
    return {"record_id": first.id, "person_id": first.person_id, "name": first.name,
            "id_number": first.id_number, "community_code": first.community_code,
            "sources": sorted({r.source for r in rows}),
            "reasons": [{"code": code, "text": REASONS[code], "category": CATEGORY_OF[code]}
                        for code in reasons]}


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
