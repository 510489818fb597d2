"""What the lists lead to: exit proposals for certified persons now contributing as
employees (有进有出 without anyone having to remember), and per-source figures for the
statistics (listed, matched to persons, converted into applications)."""
from collections import Counter

from sqlalchemy import and_, case, exists, func, or_, select

from app.audit.services import record
from app.certification.models import Application, Certification
from app.certification.workflow import CertificationStatus
from app.core.models import subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people.models import Person

from .discoveries import SCAN_MAX, find_discoveries
from .models import PartnerRecord
from .standing import confirmed_on, latest_lists

PROPOSALS_MAX = 500


def list_exit_proposals(staff, region_code=None):
    """Live certifications of persons in the caller's subtree whom the social-insurance list
    shows contributing as an employee: proposed to the county for exit (reason employed)."""
    region = requested_region(staff, region_code)
    rows = db.session.execute(
        select(Certification, PartnerRecord, Person.name)
        .join(PartnerRecord, and_(PartnerRecord.person_id == Certification.person_id,
                                  PartnerRecord.source == "social_insurance",
                                  PartnerRecord.ended_import_id.is_(None)))
        .join(Person, Person.id == Certification.person_id)
        .where(Certification.status == CertificationStatus.ACTIVE,
               Certification.region_code.in_(subtree_codes(region)))
        .order_by(Certification.id).limit(PROPOSALS_MAX)).all()
    latest = latest_lists([entry for _, entry, _ in rows])
    items = [{"certification_id": cert.id, "person_id": cert.person_id, "name": name,
              "reason": "employed", "employer": entry.values.get("employer"),
              "last_month": entry.values.get("last_month"),
              "as_of": confirmed_on(entry, latest)}
             for cert, entry, name in rows
             if entry.values.get("status") == "contributing"
             and entry.values.get("kind") == "employee"]
    record("partners.exit_proposals_listed", "region", region, details={"count": len(items)})
    return {"region_code": region, "items": items}


def source_figures(staff, today, region_code=None):
    """Per source, for the lists of a region of the caller's subtree: persons listed now,
    ended, matched to a registered person, confirmed (a registered person with an
    application or certification whom the live list backs: 免证), discovered (on the
    discovery list now, read over at most SCAN_MAX list entries: `discovered_capped` says
    when the region is larger and the figure a lower bound) and converted into an
    application from the discovery list."""
    region = requested_region(staff, region_code)
    live = PartnerRecord.ended_import_id.is_(None)
    person = PartnerRecord.person_id
    backed = and_(live, person.is_not(None), or_(
        exists().where(Application.person_id == person),
        exists().where(Certification.person_id == person)))
    rows = db.session.execute(
        select(PartnerRecord.source,
               func.sum(case((live, 1), else_=0)),
               func.sum(case((live, 0), else_=1)),
               func.sum(case((and_(live, person.is_not(None)), 1), else_=0)),
               func.sum(case((backed, 1), else_=0)),
               func.sum(case((PartnerRecord.applied_application_id.is_not(None), 1), else_=0)))
        .where(PartnerRecord.community_code.in_(subtree_codes(region)))
        .group_by(PartnerRecord.source).order_by(PartnerRecord.source)).all()
    _, found = find_discoveries(staff, today, region)
    discovered = Counter(source for item in found for source in item["sources"])
    scanned = db.session.scalar(select(func.count()).select_from(
        select(PartnerRecord.id).where(PartnerRecord.community_code.in_(subtree_codes(region)),
                                       live).limit(SCAN_MAX + 1).subquery()))
    return {"region_code": region, "discovered_capped": scanned > SCAN_MAX, "sources": [
        {"source": source, "listed": int(listed or 0), "ended": int(ended or 0),
         "matched": int(matched or 0), "confirmed": int(confirmed or 0),
         "discovered": discovered.get(source, 0), "converted": int(converted or 0)}
        for source, listed, ended, matched, confirmed, converted in rows]}
