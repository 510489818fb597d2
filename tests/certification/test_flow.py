"""The whole path over HTTP as a new user runs it: a job seeker applies in the mini-program,
the station checks, the township reviews, the county certifies; the audit shows each step."""
from io import BytesIO
from pathlib import Path

from PIL import Image

from app.audit.models import AuditEntry
from app.audit.services import verify_audit_chain
from app.extensions import db
from app.wechat.models import PushMessage
from tests.builders.applications import applicant, apply_self, step
from tests.builders.http import auth, error_code, staff_token

BASE = "/api/v1/certification"


def jpeg_bytes():
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def stored_files(app):
    return sorted(p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file())


def upload(client, token, application_id, name="id.jpg", data=None, kind="id_card",
           mine=True, content_type="image/jpeg"):
    prefix = f"{BASE}/my/applications" if mine else f"{BASE}/applications"
    return client.post(f"{prefix}/{application_id}/evidence", headers=auth(token),
                       data={"kind": kind, "file": (BytesIO(data or jpeg_bytes()), name,
                                                    content_type)},
                       content_type="multipart/form-data")


def test_job_seeker_applies_and_is_certified_through_every_level(client, fresh_app):
    token = applicant(client)
    assessment = client.get(f"{BASE}/my/assessment", headers=auth(token)).get_json()
    older = next(c for c in assessment["categories"] if c["code"] == "older")
    assert older["status"] == "met"
    assert {"kind": "id_card", "label": "居民身份证", "provided": False} in older["evidence"]

    created = apply_self(client, token, categories=["older"],
                         headers={"Idempotency-Key": "apply-0001-zhangsan"})
    app_id = created["id"]
    assert created["status"] == "submitted" and created["channel"] == "self"
    assert created["person"]["name"] == "张*"
    step_now = created["current_step"]
    assert step_now["level"] == "station" and step_now["deadline"]
    assert step_now["holder"] == created["station"]["name"] and step_now["phone"]
    assert created["commitment"]["version"] == "2025-01"

    assert upload(client, token, app_id).status_code == 201

    station = staff_token(client, "station_xc")
    listed = client.get(f"{BASE}/applications", query_string={"status": "submitted"},
                        headers=auth(station)).get_json()
    assert app_id in [item["id"] for item in listed["items"]]
    assert step(client, "station_xc", app_id, "accept")["status"] == "station_check"
    assert step(client, "station_xc", app_id, "station-check",
                {"outcome": "pass", "note": "材料齐全"})["status"] == "township_review"

    mine = client.get(f"{BASE}/my/applications/{app_id}", headers=auth(token)).get_json()
    assert mine["current_step"]["level"] == "township"
    assert mine["current_step"]["holder"] == "海拉尔东路街道（演示）"

    assert step(client, "township_xc", app_id, "township-review",
                {"outcome": "pass"})["status"] == "county_decision"
    decided = step(client, "county_xc", app_id, "county-decision",
                   {"outcome": "certify", "categories": ["older"]})
    assert decided["status"] == "certified" and decided["current_step"] is None

    certifications = client.get(f"{BASE}/my/certifications", headers=auth(token)).get_json()
    assert [(c["status"], c["categories"]) for c in certifications] == [("active", ["older"])]
    detail = client.get(f"{BASE}/my/applications/{app_id}", headers=auth(token)).get_json()
    assert [e["action"] for e in detail["events"]] == [
        "submit", "accept", "station_pass", "township_pass", "county_certify"]
    assert [e["kind"] for e in detail["evidence"]] == ["id_card"]

    with fresh_app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.target_type == "application", AuditEntry.target_id == str(app_id))
            .order_by(AuditEntry.seq)).all()
        assert actions == ["certification.submit", "evidence.uploaded", "certification.accept",
                           "certification.station_pass", "certification.township_pass",
                           "certification.county_certify"]
        actors = db.session.execute(db.select(AuditEntry.actor_type, AuditEntry.action).where(
            AuditEntry.target_id == str(app_id), AuditEntry.target_type == "application")
            .order_by(AuditEntry.seq)).all()
        assert actors[0] == ("person", "certification.submit")
        assert all(kind == "staff" for kind, _ in actors[2:])
        assert db.session.scalar(db.select(AuditEntry.id).where(
            AuditEntry.action == "certification.created")) is not None
        assert verify_audit_chain() == []

    with fresh_app.app_context():
        messages = db.session.scalars(db.select(PushMessage).order_by(PushMessage.id)).all()
        assert [m.kind for m in messages] == ["application_progress"] * 4 + ["application_result"]
        assert {m.dedupe_key.split(":")[1] for m in messages} == {str(app_id)}
        assert all(m.status == "queued" for m in messages)


def test_submission_replays_with_the_same_key_and_refuses_another_body(client):
    token = applicant(client)
    headers = {"Idempotency-Key": "apply-0002-zhangsan"}
    first = apply_self(client, token, headers=headers)
    replay = client.post(f"{BASE}/my/applications", headers={**auth(token), **headers},
                         json={"commitment": {"accepted": True, "version": "2025-01"}})
    assert replay.status_code == 201 and replay.get_json()["id"] == first["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = client.post(f"{BASE}/my/applications", headers={**auth(token), **headers},
                        json={"commitment": {"accepted": True, "version": "2025-01"},
                              "categories": ["older"]})
    assert other.status_code == 422 and error_code(other) == "idempotency.key_reused"
    # Without the key, a second submission is a duplicate.
    duplicate = apply_self(client, token, expect=409)
    assert duplicate["error"]["code"] == "certification.duplicate_open"


def test_decision_replays_with_the_same_key(client):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    step(client, "station_xc", app_id, "station-check", {"outcome": "pass"})
    step(client, "township_xc", app_id, "township-review", {"outcome": "pass"})
    key = {"Idempotency-Key": "decide-0001-county"}
    body = {"outcome": "certify"}
    first = step(client, "county_xc", app_id, "county-decision", body, headers=key)
    again = step(client, "county_xc", app_id, "county-decision", body, headers=key)
    assert again == first and again["status"] == "certified"
    other = step(client, "county_xc", app_id, "county-decision",
                 {"outcome": "return", "note": "x"}, headers=key, expect=422)
    assert other["error"]["code"] == "idempotency.key_reused"


def test_evidence_that_lies_about_its_type_is_refused_and_nothing_is_kept(client, fresh_app):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    files_before = stored_files(fresh_app)
    png = BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    cases = [("photo.jpg", png.getvalue(), "image/jpeg", 415, "evidence.type_mismatch"),
             ("shell.php.jpg", jpeg_bytes(), "image/jpeg", 422, "evidence.bad_filename"),
             ("a.jpg", jpeg_bytes() + b"<?php system($_GET[1]); ?>", "image/jpeg", 422,
              "evidence.polyglot"),
             ("page.pdf", b"<html><body>hi</body></html>", "application/pdf", 415,
              "evidence.unsupported_type")]
    for name, data, content_type, status, code in cases:
        response = upload(client, token, app_id, name=name, data=data, content_type=content_type)
        assert response.status_code == status and error_code(response) == code, name
    huge = upload(client, token, app_id, data=jpeg_bytes() + b"\0" * (5 * 1024 * 1024))
    assert huge.status_code == 413 and error_code(huge) in ("evidence.too_large",
                                                            "request.too_large")
    unknown = upload(client, token, app_id, kind="selfie")
    assert unknown.status_code == 422 and error_code(unknown) == "evidence.kind_unknown"
    detail = client.get(f"{BASE}/my/applications/{app_id}", headers=auth(token)).get_json()
    assert detail["evidence"] == []
    assert stored_files(fresh_app) == files_before


def test_evidence_is_readable_only_by_staff_in_scope(client, fresh_app):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    evidence_id = upload(client, token, app_id).get_json()["id"]
    url = f"{BASE}/evidence/{evidence_id}/content"
    response = client.get(url, headers=auth(staff_token(client, "township_xc")))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
    assert Image.open(BytesIO(response.data)).size == (40, 30)
    assert client.get(url, headers=auth(staff_token(client, "station_hlr"))).status_code == 404
    assert client.get(url, headers=auth(staff_token(client, "auditor"))).status_code == 403
    assert client.get(url, headers=auth(token)).status_code == 401
    with fresh_app.app_context():
        from app.certification.models import Evidence
        stored = db.session.get(Evidence, evidence_id).stored_name
    on_disk = next(Path(fresh_app.config["EVIDENCE_DIR"]).rglob(stored)).read_bytes()
    assert on_disk.startswith(b"v1.") and b"JFIF" not in on_disk


def test_no_evidence_after_consent_is_withdrawn(client):
    token = applicant(client)
    app_id = apply_self(client, token)["id"]
    assert client.delete("/api/v1/people/me/consent", headers=auth(token)).status_code == 204
    refused = upload(client, token, app_id)
    assert refused.status_code == 422 and error_code(refused) == "people.legal_basis_required"


def test_day_old_idempotency_keys_are_purged(client, db_session):
    from datetime import timedelta
    from app.core.clock import utcnow
    from app.core.idempotency import IdempotencyRecord, purge_idempotency_keys
    token = applicant(client)
    apply_self(client, token, headers={"Idempotency-Key": "apply-0003-zhangsan"})
    assert db_session.scalar(db.select(db.func.count()).select_from(IdempotencyRecord)) == 1
    assert purge_idempotency_keys(utcnow() - timedelta(hours=24)) == 0
    assert purge_idempotency_keys(utcnow() + timedelta(seconds=1)) == 1
    db_session.commit()
