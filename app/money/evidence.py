"""A claim's materials: uploaded files checked and cleaned exactly as certification's
evidence (app.certification.uploads), encrypted and stored under random names in the same
EVIDENCE_DIR; or, where the policy allows, stood in for by a partner list (免证,
app.partners). The station check refuses a claim whose materials are not all shown."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.certification.evidence import add_sealed_row, open_sealed, seal_upload
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.partners.records import confirmed_evidence_for

from .models import ClaimEvidence
from .payrules import MATERIAL_LABELS, MATERIALS, missing_materials

MAX_FILES = 20
OPEN = ("submitted", "checked", "returned")


def add_claim_evidence(caller_label, claim, kind, filename, data, declared_type):
    """Check, clean, encrypt and store one material of an open claim."""
    if claim.status not in OPEN:
        raise Conflict("money.claim_closed", _l("该申请当前不能补充材料"), {"status": claim.status})
    kinds = MATERIALS.get(claim.policy, {})
    if kind not in kinds:
        raise ValidationFailed("evidence.kind_unknown", _l("材料类型不正确"),
                               {"field": "kind", "kinds": sorted(kinds)})
    count = db.session.scalar(select(func.count()).select_from(ClaimEvidence)
                              .where(ClaimEvidence.claim_id == claim.id))
    if count >= MAX_FILES:
        raise ValidationFailed("evidence.too_many", _l("材料数量已达上限"), {"max": MAX_FILES})
    clean, stored_name, path = seal_upload("claim", claim.id, kind, filename, data, declared_type)
    item = ClaimEvidence(claim_id=claim.id, kind=kind, content_type=clean.content_type,
                         size=len(clean.data), sha256=clean.sha256, stored_name=stored_name,
                         uploaded_by=caller_label)
    add_sealed_row(item, path)
    record("evidence.uploaded", "claim", claim.id,
           details={"evidence_id": item.id, "kind": kind, "size": item.size,
                    "content_type": item.content_type})
    return item


def read_claim_evidence(item):
    """Decrypted bytes; every read is audited."""
    data = open_sealed(item.stored_name)
    record("evidence.viewed", "claim", item.claim_id,
           details={"evidence_id": item.id, "kind": item.kind})
    return data


def require_materials(claim, today):
    """{kind: how shown} for the station check, or 422 money.materials_missing naming each
    material still missing."""
    uploaded = {item.kind for item in claim.evidence}
    shown, missing = missing_materials(claim.policy, uploaded,
                                       confirmed_evidence_for(claim.person_id, today))
    if missing:
        raise ValidationFailed("money.materials_missing", _l("申请材料不全，请先上传所缺材料"),
                               {"missing": missing,
                                "labels": [gettext(MATERIAL_LABELS[k]) for k in missing]})
    return shown
