"""Evidence files: checked and cleaned (uploads.py), encrypted, stored under random names in
instance/evidence (outside every served folder), readable only by staff in scope."""
import os
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.core.errors import AppError, Conflict, ValidationFailed
from app.core.types import field_cipher
from app.extensions import db
from app.people.services import require_basis

from .models import Evidence
from .settings import rules_for
from .uploads import UploadRefused, inspect_upload
from .workflow import OPEN, Status

MAX_FILES = 30
REFUSALS = {
    "empty": (422, _l("文件为空")),
    "too_large": (413, _l("文件过大")),
    "bad_filename": (422, _l("文件名不允许")),
    "unsupported_type": (415, _l("只接受 JPEG、PNG 图片或 PDF 文件")),
    "type_mismatch": (415, _l("文件内容与其声明的类型不符")),
    "polyglot": (422, _l("文件中夹带了其他内容")),
    "pdf_active_content": (422, _l("PDF 中含有脚本或附件，请导出为普通 PDF")),
    "too_many_pixels": (422, _l("图片像素过多")),
    "corrupt": (422, _l("文件已损坏，无法读取")),
}


def evidence_dir():
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured or os.path.join(current_app.instance_path, "evidence"))


def _path(stored_name):
    return evidence_dir() / stored_name[:2] / stored_name


def seal_upload(target_type, target_id, kind, filename, data, declared_type):
    """Check and clean an upload (uploads.py), encrypt it and write it under a random name:
    (clean upload, stored name, path). A refusal is audited against the target (its own
    commit: nothing else was written) and answered with its stable code. Shared by every
    area that keeps uploaded material (certification evidence, claim materials)."""
    cfg = current_app.config
    try:
        clean = inspect_upload(data, filename, declared_type, max_bytes=cfg["EVIDENCE_MAX_BYTES"],
                               max_pixels=cfg["EVIDENCE_MAX_PIXELS"])
    except UploadRefused as exc:
        status, message = REFUSALS[exc.code]
        record("evidence.refused", target_type, target_id, result="denied",
               details={"reason": exc.code, "kind": kind})
        db.session.commit()  # the refusal stays in the audit trail; nothing else was written
        raise AppError(f"evidence.{exc.code}", message, status=status) from None
    stored_name = secrets.token_hex(16)
    path = _path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(field_cipher().seal_bytes(clean.data))
    return clean, stored_name, path


def add_sealed_row(row, path):
    """Insert the row describing a sealed file; the file goes again if the insert fails."""
    db.session.add(row)
    try:
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise


def open_sealed(stored_name):
    return field_cipher().open_bytes(_path(stored_name).read_bytes())


def sealed_download(data, content_type, name):
    """The response that hands decrypted material to staff: an attachment the browser never
    renders in the service's origin (nosniff, a sandboxing CSP) and never caches."""
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(content_type, "pdf")
    response = send_file(BytesIO(data), mimetype=content_type, as_attachment=True,
                         download_name=f"{name}.{extension}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def add_evidence(caller_label, application, kind, filename, data, declared_type):
    """Check, clean, encrypt and store one file for an open application."""
    if Status(application.status) not in OPEN or application.status == Status.PUBLIC_NOTICE:
        raise Conflict("certification.closed", _l("该申请当前不能补充材料"))
    require_basis(application.person)  # evidence images are sensitive data (SECURITY.md 1, 3)
    kinds = rules_for(application.rules_version).evidence_kinds
    if kind not in kinds:
        raise ValidationFailed("evidence.kind_unknown", _l("材料类型不正确"), {"kinds": sorted(kinds)})
    count = db.session.scalar(select(func.count()).select_from(Evidence)
                              .where(Evidence.application_id == application.id))
    if count >= MAX_FILES:
        raise ValidationFailed("evidence.too_many", _l("材料数量已达上限"), {"max": MAX_FILES})
    clean, stored_name, path = seal_upload("application", application.id, kind, filename, data,
                                           declared_type)
    evidence = Evidence(application_id=application.id, kind=kind,
                        content_type=clean.content_type, size=len(clean.data),
                        sha256=clean.sha256, stored_name=stored_name, width=clean.width,
                        height=clean.height, uploaded_by=caller_label)
    add_sealed_row(evidence, path)
    record("evidence.uploaded", "application", application.id,
           details={"evidence_id": evidence.id, "kind": kind, "size": evidence.size,
                    "content_type": evidence.content_type})
    return evidence


def read_evidence(evidence):
    """Decrypted bytes; every read is audited."""
    data = open_sealed(evidence.stored_name)
    record("evidence.viewed", "application", evidence.application_id,
           details={"evidence_id": evidence.id, "kind": evidence.kind})
    return data
