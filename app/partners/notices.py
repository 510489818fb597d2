"""What the lists make the service say to a person, through the push outbox (WeChat, or SMS
when WeChat cannot carry it, as app/wechat decides): an invitation to a discovered person,
once per campaign round, and the dibao phase-out information (低保渐退) to a person who
left dibao, once per membership end. Both are exactly once by unique constraints, and the
outbox's dedupe key holds the message to one as well.
"""
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.campaigns.models import Campaign
from app.core.clock import utcnow
from app.core.concurrency import dialect_insert
from app.core.errors import Conflict, NotFound
from app.core.i18n import N_
from app.core.models import is_within, subtree_codes
from app.core.regions import requested_region
from app.core.stations import Station
from app.extensions import db
from app.people.models import Person
from app.wechat.services import enqueue_message

from .compare import Listed, listed_facts
from .discoveries import find_discoveries
from .models import DibaoPhaseOut, PartnerInvitation, PartnerRecord

INVITE_ITEM = N_("就业困难人员认定")
PHASE_OUT_ITEM = N_("低保渐退政策告知")
PHASE_OUT_PAGE_MAX = 500
CHUNK = 1000


# ------------------------------------------------------------------ invitations

def invite_discovered(staff, campaign_id, today, region_code=None):
    """Invite every discovered person of the caller's subtree who has a mini-program account
    to apply, in the campaign's round. A person already invited in this round is skipped
    (the second press of the button, or a colleague's at the same moment)."""
    campaign = _campaign(staff, campaign_id)
    region, found = find_discoveries(staff, today, region_code)
    station = db.session.get(Station, staff.station_id) if staff.station_id else None
    values = {"item": gettext(INVITE_ITEM),
              "station": station.name if station else gettext("服务站")}
    counts = {"invited": 0, "already_invited": 0, "without_account": 0}
    for item in found:
        if item["account_id"] is None:
            counts["without_account"] += 1
            continue
        invitation_id = _claim(campaign.id, item, staff)
        if invitation_id is None:
            counts["already_invited"] += 1
            continue
        message = enqueue_message("discovery_invitation", item["account_id"], values,
                                  f"partners:invite:{campaign.id}:{item['person_id']}",
                                  page_query={"id": str(campaign.id)})
        db.session.execute(PartnerInvitation.__table__.update().where(
            PartnerInvitation.id == invitation_id).values(message_id=message.id))
        counts["invited"] += 1
    record("partners.discoveries_invited", "campaign", campaign.id,
           details={"region_code": region, **counts})
    return {"campaign_id": campaign.id, "region_code": region, **counts}


def _campaign(staff, campaign_id):
    """A campaign whose region contains the caller's, or lies in it (a round reaches down,
    as the tracking coverage reads it), still within its window."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not (is_within(campaign.region_code, staff.region_code)
                                or is_within(staff.region_code, campaign.region_code)):
        raise NotFound(*Campaign.scope_not_found)
    if campaign.not_after <= utcnow():
        raise Conflict("partners.campaign_over", _l("该活动轮次已结束，不能再发送邀请"))
    return campaign


def _claim(campaign_id, item, staff):
    """INSERT ... ON CONFLICT DO NOTHING on (campaign, person): the id when this call won."""
    table = PartnerInvitation.__table__
    stmt = dialect_insert(db.session.get_bind(), table).values(
        campaign_id=campaign_id, person_id=item["person_id"], record_id=item["record_id"],
        invited_by_staff_id=staff.id, created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["campaign_id", "person_id"]).returning(table.c.id)
    return db.session.execute(stmt).scalar()


# ------------------------------------------------------------------ dibao phase-out

def record_dibao_exits(batch, indexes_with_end):
    """After a dibao import: every membership the list ended (absent from it, or listed
    with an end date before the list's date) is recorded once, and the person, when
    registered with a mini-program account, is told about the phase-out. Returns the count
    of new phase-outs."""
    ended = db.session.scalars(select(PartnerRecord).where(
        PartnerRecord.ended_import_id == batch.id)).all()
    dated = []
    for start in range(0, len(indexes_with_end), CHUNK):  # bound the statement's parameters
        dated += db.session.scalars(select(PartnerRecord).where(
            PartnerRecord.source == "dibao", PartnerRecord.region_code == batch.region_code,
            PartnerRecord.id_number_index.in_(indexes_with_end[start:start + CHUNK]))).all()
    leaving = [(r, r.ended_on) for r in ended] + [
        (r, end) for r in dated if (end := _end_of(r, batch.as_of)) is not None]
    indexes = sorted({r.id_number_index for r, _ in leaving})
    persons = {}
    for start in range(0, len(indexes), CHUNK):
        persons.update(_accounts(indexes[start:start + CHUNK]))
    created = 0
    for entry, ended_on in leaving:
        person_id, account_id = persons.get(entry.id_number_index, (None, None))
        if _phase_out(batch, entry, ended_on, person_id, account_id):
            created += 1
    return created


def _end_of(entry, as_of):
    """The end date a live dibao row states, when it lies before the list's date."""
    # A live row of this list: confirmed as of the list's date.
    stated = listed_facts(Listed(entry.source, entry.values, as_of, entry.ended_on), as_of)
    end = entry.values.get("end")
    return date.fromisoformat(end) if stated.get("dibao") is False and end else None


def _accounts(indexes):
    if not indexes:
        return {}
    return {index: (person_id, account_id) for index, person_id, account_id in
            db.session.execute(select(Person.id_number_index, Person.id,
                                      Person.person_account_id)
                               .where(Person.id_number_index.in_(indexes))).all()}


def _phase_out(batch, entry, ended_on, person_id, account_id):
    table = DibaoPhaseOut.__table__
    stmt = dialect_insert(db.session.get_bind(), table).values(
        key=f"{entry.id}:{ended_on.isoformat()}", record_id=entry.id, import_id=batch.id,
        community_code=entry.community_code, person_id=person_id, ended_on=ended_on,
        created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    new_id = db.session.execute(stmt).scalar()
    if new_id is None:
        return False
    if account_id is not None:
        message = enqueue_message("dibao_phase_out", account_id,
                                  {"item": gettext(PHASE_OUT_ITEM), "changed_on": ended_on},
                                  f"partners:dibao-out:{new_id}")
        db.session.execute(table.update().where(table.c.id == new_id).values(
            message_id=message.id))
    record("partners.dibao_phase_out", "partner_record", entry.id,
           details={"phase_out_id": new_id, "person_id": person_id,
                    "notified": account_id is not None})
    return True


def list_phase_outs(staff, region_code=None):
    """Persons of the caller's subtree who left dibao, newest first, and whether the
    service could tell them itself: the station tells the others (铁脚板)."""
    region = requested_region(staff, region_code)
    rows = db.session.execute(
        select(DibaoPhaseOut, PartnerRecord.name)
        .join(PartnerRecord, PartnerRecord.id == DibaoPhaseOut.record_id)
        .where(DibaoPhaseOut.community_code.in_(subtree_codes(region)))
        .order_by(DibaoPhaseOut.id.desc()).limit(PHASE_OUT_PAGE_MAX)).all()
    record("partners.phase_outs_listed", "region", region, details={"count": len(rows)})
    return {"region_code": region, "items": [
        {"id": p.id, "person_id": p.person_id, "name": name, "community_code": p.community_code,
         "ended_on": p.ended_on, "notified": p.message_id is not None} for p, name in rows]}
