"""A claim's materials: uploaded files checked and cleaned exactly as certification's
evidence (app.certification.uploads), encrypted and stored under random names in the same
EVIDENCE_DIR; or, where the policy allows, stood in for by a partner list (免证,
app.partners). The station check refuses a claim whose materials are not all shown."""
import os
import secrets

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.certification.evidence import REFUSALS, evidence_dir
from app.certification.uploads import UploadRefused, inspect_upload
from app.core.errors import AppError, Conflict, ValidationFailed
from app.core.types import field_cipher
from app.extensions import db
from app.partners.records import confirmed_evidence_for

from .models import ClaimEvidence
from .payrules import MATERIAL_LABELS, MATERIALS, missing_materials

MAX_FILES = 20
OPEN = ("submitted", "checked", "returned")


def _path(stored_name):
    return evidence_dir() / stored_name[:2] / stored_name


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
    cfg = current_app.config
    try:
        clean = inspect_upload(data, filename, declared_type, max_bytes=cfg["EVIDENCE_MAX_BYTES"],
                               max_pixels=cfg["EVIDENCE_MAX_PIXELS"])
    except UploadRefused as exc:
        status, message = REFUSALS[exc.code]
        record("evidence.refused", "claim", claim.id, result="denied",
               details={"reason": exc.code, "kind": kind})
        db.session.commit()  # the refusal stays in the audit trail; nothing else was written
        raise AppError(f"evidence.{exc.code}", message, status=status) from None
    stored_name = secrets.token_hex(16)
    path = _path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(field_cipher().seal_bytes(clean.data))
    item = ClaimEvidence(claim_id=claim.id, kind=kind, content_type=clean.content_type,
                         size=len(clean.data), sha256=clean.sha256, stored_name=stored_name,
                         uploaded_by=caller_label)
    db.session.add(item)
    try:
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    record("evidence.uploaded", "claim", claim.id,
           details={"evidence_id": item.id, "kind": kind, "size": item.size,
                    "content_type": item.content_type})
    return item


def read_claim_evidence(item):
    """Decrypted bytes; every read is audited."""
    data = field_cipher().open_bytes(_path(item.stored_name).read_bytes())
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
