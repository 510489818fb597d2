"""The employers' tax-relief proof (§3.1: 主动为企业提供…身份信息查询服务).

An employer hiring a person asks, through station staff and with the person's consent on
record, whether the person has been registered unemployed for 6 months or more at the hire
date (by the HR bureau's own unemployment register, imported as a list) or holds a live
certification. A "no" is the same answer whether the person is unknown, the name does not
match, or the person does not qualify, so the check cannot be used to probe the registry.
"""
import secrets
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.certification.models import Certification
from app.certification.workflow import CertificationStatus
from app.core.errors import NotFound, ValidationFailed
from app.core.idnumber import InvalidIdNumber, parse_id_number
from app.core.masking import mask_id_number, mask_name
from app.core.models import get_in_scope
from app.core.months import months_between
from app.core.names import normalize_name
from app.extensions import db
from app.jobs.models import Employer
from app.people.models import Person
from app.people.services import index_of

from .models import PartnerRecord, TaxReliefProof

REGISTERED_MONTHS = 6
HIRE_AHEAD_DAYS = 90


def check_tax_relief(staff, *, employer_id, id_number, name, hired_on, consent_channel,
                     today):
    """Answer the employer's question and, on yes, issue a proof. Returns (proof or None,
    registered_on, certified_on)."""
    employer = get_in_scope(Employer, staff, employer_id)
    if hired_on > today + timedelta(days=HIRE_AHEAD_DAYS):
        raise ValidationFailed("partners.hire_too_far", _l("入职日期不能晚于今天90天以上"))
    person = _person(id_number, name, today)
    registered_on = certified_on = None
    if person is not None:
        registered_on = _registered_since(person.id, hired_on)
        if registered_on is None:
            certified_on = _certified_on(person.id, hired_on)
    eligible = registered_on is not None or certified_on is not None
    record("partners.tax_relief_checked", "employer", employer.id,
           details={"eligible": eligible, "consent_channel": consent_channel})
    if not eligible:
        return None
    proof = TaxReliefProof(
        serial="", verify_token=secrets.token_hex(16), employer_id=employer.id,
        person_id=person.id, region_code=employer.region_code,
        basis="registered_unemployed" if registered_on else "certified",
        registered_on=registered_on, certified_on=certified_on, hired_on=hired_on,
        consent_channel=consent_channel, issued_by_staff_id=staff.id, issued_on=today,
        valid_until=today + timedelta(days=current_app.config["TAX_PROOF_VALID_DAYS"]))
    db.session.add(proof)
    db.session.flush()
    proof.serial = f"SJ{today:%Y}{proof.id:010d}"
    record("partners.tax_relief_proof_issued", "tax_relief_proof", proof.id,
           details={"serial": proof.serial, "employer_id": employer.id, "basis": proof.basis})
    return proof


def _person(id_number, name, today):
    try:
        number = parse_id_number(id_number, today).number
    except InvalidIdNumber:
        return None
    person = db.session.scalar(select(Person).where(Person.id_number_index == index_of(number)))
    if person is None or person.name != normalize_name(name):
        return None
    return person


def _registered_since(person_id, hired_on):
    """The registration date on the HR bureau's unemployment list when it was 6 months or
    more before the hire and still live."""
    rows = db.session.scalars(select(PartnerRecord).where(
        PartnerRecord.person_id == person_id, PartnerRecord.source == "unemployment",
        PartnerRecord.ended_import_id.is_(None))).all()
    for row in rows:
        values = row.values
        if values.get("status") != "registered" or not values.get("registered_on"):
            continue
        registered = date.fromisoformat(values["registered_on"])
        if months_between(registered, hired_on) >= REGISTERED_MONTHS:
            return registered
    return None


def _certified_on(person_id, hired_on):
    certification = db.session.scalar(select(Certification).where(
        Certification.person_id == person_id,
        Certification.status == CertificationStatus.ACTIVE,
        Certification.starts_on <= hired_on))
    return certification.starts_on if certification is not None else None


def proof_by_serial(staff, serial):
    """A proof of the caller's subtree by its serial (the tax office's check)."""
    proof_id = db.session.scalar(select(TaxReliefProof.id).where(TaxReliefProof.serial == serial))
    if proof_id is None:
        raise NotFound(*TaxReliefProof.scope_not_found)
    proof = get_in_scope(TaxReliefProof, staff, proof_id)
    record("partners.tax_relief_proof_verified", "tax_relief_proof", proof.id)
    return proof


def public_proof(serial, token):
    """The proof the QR code names, or None: the public page needs the serial and the token
    printed in the code, and answers the same for a wrong token as for no proof."""
    proof = db.session.scalar(select(TaxReliefProof).where(TaxReliefProof.serial == serial))
    if proof is None or not secrets.compare_digest(proof.verify_token, token or ""):
        return None
    return proof


def proof_facts(proof):
    """What a proof states, for the PDF, the tax office and the public page (masked)."""
    employer, person = db.session.get(Employer, proof.employer_id), \
        db.session.get(Person, proof.person_id)
    return {"serial": proof.serial, "employer_name": employer.name,
            "employer_credit_code": employer.credit_code, "person_name": mask_name(person.name),
            "person_id_number": mask_id_number(person.id_number), "basis": proof.basis,
            "registered_on": proof.registered_on, "certified_on": proof.certified_on,
            "hired_on": proof.hired_on, "issued_on": proof.issued_on,
            "valid_until": proof.valid_until}
