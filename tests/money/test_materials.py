"""A claim's materials: uploaded and cleaned as certification's evidence, or stood in for
by a partner list (免证); the station check refuses a claim whose materials are missing."""
from io import BytesIO
from pathlib import Path

from PIL import Image

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.money.models import ClaimEvidence
from tests.builders.http import auth, error_code, staff_token
from tests.builders.money import act, claim_myself, flexible_seeker, jpeg_bytes, upload_material
from tests.builders.people import older_man_id
from tests.partners.test_comparison import SI_HEADER
from tests.partners.test_imports import as_csv, upload


def _check(client, claim_id, who="station_xc"):
    return client.post(f"/api/v1/money/claims/{claim_id}/check", json={},
                       headers=auth(staff_token(client, who)))


def stored(app):
    return sorted(p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file())


def test_the_check_waits_for_the_materials_the_person_uploads(client, fresh_app):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    missing = _check(client, claim["id"])
    assert missing.status_code == 422 and error_code(missing) == "money.materials_missing"
    details = missing.get_json()["error"]["details"]
    assert details["missing"] == ["contribution_receipt"] and details["labels"] == ["社会保险缴费凭证"]
    item = upload_material(client, claim["id"], "contribution_receipt", token=token)
    assert item["kind"] == "contribution_receipt" and item["content_type"] == "image/jpeg"
    checked = _check(client, claim["id"])
    assert checked.status_code == 200, checked.get_json()
    body = checked.get_json()
    assert body["materials"] == {"contribution_receipt": "upload"}
    assert [e["kind"] for e in body["evidence"]] == ["contribution_receipt"]
    # Staff in scope read the file (audited); another league's staff find nothing.
    content = client.get(f"/api/v1/money/evidence/{item['id']}/content",
                         headers=auth(staff_token(client, "county_xc")))
    assert content.status_code == 200 and content.data[:2] == b"\xff\xd8"
    assert content.headers["Cache-Control"] == "no-store"
    other = client.get(f"/api/v1/money/evidence/{item['id']}/content",
                       headers=auth(staff_token(client, "station_hlr")))
    assert other.status_code == 404
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "evidence.viewed")) == 1
    # The file at rest is encrypted: no JPEG marker on disk.
    assert all(not p.read_bytes().startswith(b"\xff\xd8") for p in stored(fresh_app))


def test_a_partner_list_stands_in_for_the_contribution_receipt(client, fresh_app):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    row = [older_man_id(), "张三", "150102001001", "", "灵活就业人员", "60", "正常缴费", "202611"]
    listed = upload(client, staff_token(client, "county_xc"), as_csv([row], header=SI_HEADER),
                    source="social_insurance")
    assert listed.status_code == 201 and listed.get_json()["matched"] == 1
    checked = _check(client, claim["id"])
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["materials"] == {"contribution_receipt": "partner:social_insurance"}


def test_bad_materials_are_refused_and_nothing_is_kept(client, fresh_app):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    before = stored(fresh_app)
    png = BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    cases = [("business_license", "a.jpg", jpeg_bytes(), 422, "evidence.kind_unknown"),
             ("contribution_receipt", "photo.jpg", png.getvalue(), 415, "evidence.type_mismatch"),
             ("contribution_receipt", "shell.php.jpg", jpeg_bytes(), 422, "evidence.bad_filename"),
             ("contribution_receipt", "a.jpg", jpeg_bytes() + b"<?php system($_GET[1]); ?>", 422,
              "evidence.polyglot")]
    for kind, name, data, status, code in cases:
        answer = upload_material(client, claim["id"], kind, token=token, expect=status,
                                 data=data, name=name)
        assert answer["error"]["code"] == code, name
    elsewhere = upload_material(client, claim["id"], "contribution_receipt", expect=404,
                                staff="station_hlr")
    assert elsewhere["error"]["code"] == "money.claim_not_found"
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClaimEvidence)) == 0
    assert stored(fresh_app) == before
    closed = act(client, "station_xc", claim["id"], "refuse", {"note": "不符合条件"})
    assert closed["status"] == "refused"
    late = upload_material(client, claim["id"], "contribution_receipt", token=token, expect=409)
    assert late["error"]["code"] == "money.claim_closed"
