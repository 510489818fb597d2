"""亲情服务: a family member asks to act for a relative; nothing happens until it is vouched.

A request (`request_link`) never reveals whether the ID number is registered and never
gives the family member anything by itself:
- a registered ID number: a pending link to that person; their record is not touched;
- an unregistered one: an "unvouched" record (identity only, with the consent the family
  member declared) and a pending link to it. The real person claims such a record when they
  register themselves (services.register_self) or at a station (services.create_person).
Both answer the same pending link. The link takes effect, and the proxy-service legal basis
is recorded, only when the relative confirms it in the mini-program (`confirm_link`) or a
station in the relative's region verifies it against the signed consent (`verify_link`).
Facts the family member entered wait in the link until then. Every step is audited.
"""
import json
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import PersonAccount
from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db

from . import services
from .models import Channel, Person, ProxyLink, ProxyLinkStatus, Purpose

PENDING, ACTIVE, DECLINED = (ProxyLinkStatus.PENDING, ProxyLinkStatus.ACTIVE,
                             ProxyLinkStatus.DECLINED)


def _seal_facts(facts):
    return json.dumps(facts, default=str, sort_keys=True) if facts else None


def _unseal_facts(link):
    facts = link.pending_facts
    for name, value in facts.items():
        if value is not None and name.endswith(("_on", "_since")):
            facts[name] = date.fromisoformat(value)
    return facts


def _unvouched_person(account, name, identity, residence_region_code, consent):
    """The record for an ID number nobody registered yet; a parallel request may win."""
    person = services._person_row(account, name, identity, residence_region_code, None, None)
    person.unvouched = True
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        return services._existing(identity)
    services.record_consent(account, person, consent, channel=Channel.PROXY_MINIPROGRAM)
    record("person.created", "person", person.id, details={"channel": "proxy", "unvouched": True})
    return person


def _link_for(person, account):
    return db.session.scalar(select(ProxyLink).where(ProxyLink.person_id == person.id,
                                                     ProxyLink.account_id == account.id))


def _new_link(person, account, relation, facts):
    link = ProxyLink(person_id=person.id, account_id=account.id, relation=relation,
                     status=PENDING, pending_facts_sealed=_seal_facts(facts),
                     requested_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError:  # the same request in parallel
        return _link_for(person, account)
    return link


def request_link(account, *, name, id_number, residence_region_code, relation, consent,
                 facts=None):
    """Ask to act for a relative. The same pending link whether the ID is registered or not."""
    identity = services.parse_identity(id_number)
    services.check_residence(residence_region_code)
    own = services.own_person(account, required=False)
    if own is not None and own.id_number_index == services.index_of(identity.number):
        raise ValidationFailed("people.proxy_self", _l("不能把本人登记为亲属"))
    services._check_notice(consent)
    person = services._existing(identity) or _unvouched_person(
        account, name, identity, residence_region_code, consent)
    link = _link_for(person, account)
    if link is None:
        link = _new_link(person, account, relation, facts)
    elif link.status == DECLINED:  # asking again after a refusal starts a new request
        link.status, link.relation, link.requested_at = PENDING, relation, utcnow()
        link.pending_facts_sealed = _seal_facts(facts)
        link.decided_at = link.decided_by = None
    else:
        return link  # already pending or active: nothing new
    db.session.flush()
    record("person.proxy_requested", "proxy_link", link.id,
           details={"person_id": person.id, "relation": relation})
    return link


def _decide(link, status, caller):
    """pending -> status, once: a parallel second decision gets 409."""
    changed = db.session.execute(
        update(ProxyLink).where(ProxyLink.id == link.id, ProxyLink.status == PENDING)
        .values(status=status, decided_at=utcnow(), decided_by=services.who(caller))
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict("people.proxy_link_decided", _l("该亲情服务申请已处理"))
    db.session.refresh(link)


def _activate(caller, link, consent, channel):
    _decide(link, ACTIVE, caller)
    person = db.session.get(Person, link.person_id)
    proxy = db.session.get(PersonAccount, link.account_id)
    basis = services.record_consent(caller, person, {**consent, "relation": link.relation},
                                    purpose=Purpose.PROXY_SERVICE, granted_to=proxy,
                                    channel=channel)
    link.legal_basis_id = basis.id
    facts = _unseal_facts(link)
    link.pending_facts_sealed = None
    if facts:
        services.update_facts(caller, person, facts)
    return person


# ------------------------------------------------------------------ the relative

def _incoming(account, link_id):
    own = services.own_person(account)
    link = db.session.scalar(select(ProxyLink).where(ProxyLink.id == link_id,
                                                     ProxyLink.person_id == own.id))
    if link is None:
        raise NotFound("people.proxy_link_not_found", _l("亲情服务申请不存在"))
    return link


def incoming_requests(account):
    """Requests to act for the account's own person that wait for their answer."""
    own = services.own_person(account)
    return db.session.scalars(select(ProxyLink).where(
        ProxyLink.person_id == own.id, ProxyLink.status == PENDING).order_by(ProxyLink.id)).all()


def confirm_link(account, link_id, consent):
    """The relative agrees, in the mini-program, that the family member may act for them."""
    link = _incoming(account, link_id)
    _activate(account, link, {"notice_version": consent["notice_version"]},
              Channel.MINIPROGRAM)
    record("person.proxy_confirmed", "proxy_link", link.id,
           details={"person_id": link.person_id, "account_id": link.account_id})
    return link


def decline_link(account, link_id):
    link = _incoming(account, link_id)
    _decide(link, DECLINED, account)
    link.pending_facts_sealed = None
    record("person.proxy_declined", "proxy_link", link.id,
           details={"person_id": link.person_id, "account_id": link.account_id})
    return link


def outgoing_requests(account):
    """The family member's own requests, whatever their state."""
    return db.session.scalars(select(ProxyLink).where(ProxyLink.account_id == account.id)
                              .order_by(ProxyLink.id)).all()


# ------------------------------------------------------------------ the station

def links_of_person(staff, person_id):
    person = get_in_scope(Person, staff, person_id)
    return db.session.scalars(select(ProxyLink).where(ProxyLink.person_id == person.id)
                              .order_by(ProxyLink.id)).all()


def verify_link(staff, person_id, link_id, consent):
    """A station in the relative's region checked their ID card and signed consent."""
    person = get_in_scope(Person, staff, person_id)
    link = db.session.scalar(select(ProxyLink).where(ProxyLink.id == link_id,
                                                     ProxyLink.person_id == person.id))
    if link is None:
        raise NotFound("people.proxy_link_not_found", _l("亲情服务申请不存在"))
    channel = consent.get("channel")
    if channel not in services.STAFF_CHANNELS:
        raise ValidationFailed("people.consent_channel", _l("服务站代办须记录纸质或电子签字同意"))
    _activate(staff, link, consent, channel)
    person.unvouched = False  # identity checked at the station
    record("person.proxy_verified", "proxy_link", link.id,
           details={"person_id": person.id, "account_id": link.account_id,
                    "channel": str(channel)})
    return link
