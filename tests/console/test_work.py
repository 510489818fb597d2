"""The console's work pages over the API's services: Today, a review step at every level,
the scan, the audited reveal, the statistics and the audit trail; scope and masking hold."""
import csv
import io
import os
import re

import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select, text

from app.audit.models import AuditEntry
from app.certification.models import Application, Certification
from app.extensions import db
from tests.builders.applications import applicant, apply_self
from tests.builders.codes import certified_seeker
from tests.builders.console import console_login, console_post
from tests.builders.http import auth, staff_token


def _self_application(client):
    token = applicant(client)
    return apply_self(client, token, categories=["older"])["id"]


def _status(app, application_id):
    with app.app_context():
        return db.session.get(Application, application_id).status


def _audited(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.seq.desc())).all()


def test_today_lists_the_applications_waiting_at_my_step_overdue_first(client, fresh_app):
    application_id = _self_application(client)
    console_login(client, "station_xc")
    page = client.get("/console/").get_data(as_text=True)
    assert f"/console/applications/{application_id}" in page
    assert "由您录入，须由其他工作人员审核" in page  # the seed's 李秀英, entered by station_xc
    assert "张*" in page and "张三" not in page
    client.post("/console/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', page).group(1)})
    console_login(client, "township_xc")
    township = client.get("/console/").get_data(as_text=True)
    assert f"/console/applications/{application_id}" not in township  # not at its step yet


def test_a_self_application_goes_through_every_step_in_the_console(client, fresh_app):
    application_id = _self_application(client)
    url = f"/console/applications/{application_id}"
    csrf = console_login(client, "station_xc")
    assert "受理" in client.get(url).get_data(as_text=True)
    console_post(client, f"{url}/step", csrf, action="accept")
    console_post(client, f"{url}/step", csrf, action="station_pass", note="材料齐全")
    assert _status(fresh_app, application_id) == "township_review"
    csrf = console_login(client, "township_xc")
    console_post(client, f"{url}/step", csrf, action="township_pass")
    csrf = console_login(client, "county_xc")
    refused = console_post(client, f"{url}/step", csrf, expect=422, action="county_reject",
                           reason="other")
    assert "须说明原因" in refused.get_data(as_text=True)
    console_post(client, f"{url}/step", csrf, action="county_certify", categories="older")
    assert _status(fresh_app, application_id) == "certified"
    assert _audited(fresh_app, "certification.county_certify")


def test_maker_checker_and_wrong_level_are_refused(client, fresh_app):
    with fresh_app.app_context():
        mine = db.session.scalar(select(Application.id).where(Application.status == "submitted"))
    csrf = console_login(client, "station_xc")
    page = client.get(f"/console/applications/{mine}").get_data(as_text=True)
    assert "录入与审核分离" in page
    refused = console_post(client, f"/console/applications/{mine}/step", csrf, expect=403,
                           action="accept")
    assert "certification.maker_checker" in refused.get_data(as_text=True)
    csrf = console_login(client, "county_xc")
    console_post(client, f"/console/applications/{mine}/step", csrf, expect=403, action="accept")


def test_another_regions_application_answers_404(client, fresh_app):
    application_id = _self_application(client)
    csrf = console_login(client, "station_hlr")
    assert client.get(f"/console/applications/{application_id}").status_code == 404
    console_post(client, f"/console/applications/{application_id}/step", csrf, expect=404,
                 action="accept")
    assert _status(fresh_app, application_id) == "submitted"


def test_reveal_needs_a_purpose_and_is_audited(client, fresh_app):
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    console_post(client, f"/console/people/{person_id}/reveal", csrf, expect=422,
                 field="id_number", purpose="")
    response = console_post(client, f"/console/people/{person_id}/reveal", csrf, expect=200,
                            field="id_number", purpose="核对身份")
    assert re.search(r"\d{17}[\dX]", response.get_data(as_text=True))
    [entry, *_] = _audited(fresh_app, "person.revealed")
    assert entry.details == {"field": "id_number", "purpose": "核对身份"}
    other = console_login(client, "station_hlr")
    console_post(client, f"/console/people/{person_id}/reveal", other, expect=404,
                 field="id_number", purpose="核对身份")


def _printed_code(client, person_id):
    png = client.get(f"/api/v1/people/{person_id}/code/card.png",
                     headers=auth(staff_token(client, "station_xc")))
    [content] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    return content


def test_the_scan_shows_the_scoped_masked_profile_and_audits_it(client, fresh_app):
    _, person_id = certified_seeker(client)
    content = _printed_code(client, person_id)
    csrf = console_login(client, "station_xc")
    response = console_post(client, "/console/scan", csrf, expect=200, content=content,
                            purpose="follow_up")
    text = response.get_data(as_text=True)
    assert "张*" in text and "本次扫码已记录" in text
    fragment = client.post("/console/scan", data={"csrf_token": csrf, "content": content,
                                                  "purpose": "follow_up"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "张*" in fragment
    assert _audited(fresh_app, "code.resolve")[0].details["purpose"] == "follow_up"
    csrf = console_login(client, "station_hlr")
    referral = console_post(client, "/console/scan", csrf, expect=200, content=content,
                            purpose="follow_up").get_data(as_text=True)
    assert "转介信息" in referral and "张*" not in referral
    bad = console_post(client, "/console/scan", csrf, expect=422, content="P1.nonsense",
                       purpose="follow_up")
    assert "code.malformed" in bad.get_data(as_text=True)


def test_statistics_match_the_raw_rows_and_export(client, fresh_app):
    certified_seeker(client)
    csrf = console_login(client, "city_hhht")
    assert csrf
    page = client.get("/console/statistics").get_data(as_text=True)
    with fresh_app.app_context():
        from app.core.clock import local_today
        from app.core.models import subtree_codes
        year = local_today().year
        certified = db.session.scalar(select(func.count(Certification.id)).where(
            Certification.region_code.in_(subtree_codes("150100")),
            func.extract("year", Certification.starts_on) == year))
    assert certified >= 2  # the seed's 张丽 and the new one
    exported = client.get("/console/statistics/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[1][0] == "150100" and int(rows[1][4]) == certified
    assert "帮助实现就业" in page and "指标口径" in page
    xlsx = client.get("/console/statistics/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(2, 1).value == "150100" and sheet.cell(2, 5).value == certified
    assert client.get("/console/statistics?region=150700").status_code == 404


def test_the_auditor_finds_the_steps_and_others_cannot_read_the_trail(client, fresh_app):
    application_id = _self_application(client)
    csrf = console_login(client, "station_xc")
    console_post(client, f"/console/applications/{application_id}/step", csrf, action="accept")
    assert client.get("/console/trail").status_code == 403
    console_login(client, "auditor")
    page = client.get("/console/trail?action=certification.accept&username=station_xc")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"#{application_id}" in text
    assert "station_xc" in text and "共 1 条" in text
    assert _audited(fresh_app, "audit.searched")


def test_people_are_found_by_full_id_number_in_scope_only(client, fresh_app):
    from tests.builders.people import older_man_id
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    found = console_post(client, "/console/people/find", csrf, id_number=older_man_id())
    assert found.headers["Location"] == f"/console/people/{person_id}"
    record = client.get(f"/console/people/{person_id}").get_data(as_text=True)
    assert "张*" in record and "基本情况" in record and "认定与申请" in record
    assert _audited(fresh_app, "person.looked_up") and _audited(fresh_app, "person.viewed")
    csrf = console_login(client, "station_hlr")
    console_post(client, "/console/people/find", csrf, expect=404, id_number=older_man_id())
    assert client.get(f"/console/people/{person_id}").status_code == 404


def test_today_has_a_section_per_provider_the_role_may_see(client, fresh_app):
    console_login(client, "county_xc")
    page = client.get("/console/").get_data(as_text=True)
    for title in ("待我办理的认定申请", "30日内到期的认定复核", "30日内到期的政策享受",
                  "多次拒绝合适岗位、需跟进的人员"):
        assert title in page
    console_login(client, "auditor")
    assert "待我办理的认定申请" not in client.get("/console/").get_data(as_text=True)


def test_the_auditor_runs_the_chain_check_and_it_catches_an_edit(client, fresh_app):
    csrf = console_login(client, "auditor")
    intact = console_post(client, "/console/trail/verify", csrf, expect=200)
    assert "审计链完整" in intact.get_data(as_text=True)
    with fresh_app.app_context():  # an insider edits a row behind the triggers' back
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
        else:
            db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        db.session.execute(text("UPDATE audit_entries SET result = 'denied' WHERE seq = 1"))
        db.session.commit()
    try:
        broken = console_post(client, "/console/trail/verify", csrf, expect=200)
        assert "发现" in broken.get_data(as_text=True)
    finally:
        with fresh_app.app_context():  # SQLite gets a fresh file per test anyway
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
                db.session.commit()


def test_staff_match_recommend_and_record_the_hire_from_the_person_page(client, fresh_app):
    from tests.builders.jobs import Staff
    token, person_id = certified_seeker(client)
    station = Staff(client, "station_xc")
    vacancy = station.new_vacancy(station.new_employer(3)["id"])["id"]
    csrf = console_login(client, "station_xc")
    matches = client.get(f"/console/people/{person_id}/matches", headers={"HX-Request": "true"})
    assert matches.status_code == 200 and "<html" not in matches.get_data(as_text=True)
    console_post(client, f"/console/people/{person_id}/recommend", csrf, vacancy_id=str(vacancy))
    rec = client.get("/api/v1/jobs/recommendations/mine", headers=auth(token)).get_json()[0]
    assert client.post(f"/api/v1/jobs/recommendations/mine/{rec['id']}/apply",
                       headers=auth(token)).status_code == 200
    page = client.get(f"/console/people/{person_id}").get_data(as_text=True)
    assert "记录录用" in page
    console_post(client, f"/console/recommendations/{rec['id']}/hire", csrf)
    assert "已录用" in client.get(f"/console/people/{person_id}").get_data(as_text=True)
    assert _audited(fresh_app, "person.employment_changed")[0].target_id == str(person_id)
    other = console_login(client, "station_hlr")
    console_post(client, f"/console/recommendations/{rec['id']}/interview", other, expect=404)


def test_register_at_the_station_with_consent_and_apply(client, fresh_app):
    from tests.builders.people import older_man_id
    csrf = console_login(client, "station_xc")
    form = {"name": "钱七", "id_number": older_man_id("061"),
            "residence_region_code": "150102001001", "employment_status": "unemployed",
            "registered_unemployed": "1", "unemployment_registered_on": "2026-01-05",
            "urban_resident": "1", "residence_since": "2000-01-01",
            "social_insurance_months": "120", "education": "junior"}
    refused = console_post(client, "/console/people/new", csrf, expect=422, **form)
    assert "people.legal_basis_required" in refused.get_data(as_text=True)
    assert 'value="钱七"' in refused.get_data(as_text=True)  # nothing typed is lost
    bad = console_post(client, "/console/people/new", csrf, expect=422,
                       **{**form, "consent_signed": "1", "social_insurance_months": "x"})
    assert "social_insurance_months" in bad.get_data(as_text=True)
    made = console_post(client, "/console/people/new", csrf, **{**form, "consent_signed": "1"})
    person_url = made.headers["Location"].split("?")[0]
    page = client.get(person_url).get_data(as_text=True)
    assert "钱*" in page and "代为申请认定" in page
    console_post(client, f"{person_url}/apply", csrf, expect=422, categories="older")
    applied = console_post(client, f"{person_url}/apply", csrf, categories="older",
                           commitment_signed="1")
    application_id = int(applied.headers["Location"].rsplit("/", 1)[1])
    with fresh_app.app_context():
        application = db.session.get(Application, application_id)
        assert application.channel == "station" and application.commitment_channel == "paper"
    assert "录入与审核分离" in client.get(applied.headers["Location"]).get_data(as_text=True)


def test_the_applications_list_filters_by_status_and_overdue(client, fresh_app):
    console_login(client, "county_xc")
    page = client.get("/console/applications?status=township_review")
    assert page.status_code == 200 and "赵*" in page.get_data(as_text=True)
    assert "王*" not in page.get_data(as_text=True)  # 王建国 waits at the county
    assert client.get("/console/applications?status=nonsense&overdue=1&page=x").status_code == 200


def _jpeg(size=(640, 480)):
    """A photo-like JPEG (noise compresses badly): well above the 64 KB form limit."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_station_uploads_evidence_and_reviewers_see_it_inline(client, fresh_app):
    application_id = _self_application(client)
    url = f"/console/applications/{application_id}"
    csrf = console_login(client, "station_xc")
    big = _jpeg((1200, 900))
    assert 64 * 1024 < len(big) < fresh_app.config["EVIDENCE_MAX_BYTES"]
    response = client.post(f"{url}/evidence", data={
        "csrf_token": csrf, "kind": "id_card", "file": (io.BytesIO(big), "id.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    polyglot = client.post(f"{url}/evidence", data={
        "csrf_token": csrf, "kind": "id_card",
        "file": (io.BytesIO(b"<?php echo 1; ?>"), "x.php.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert polyglot.status_code in (415, 422)
    page = client.get(url).get_data(as_text=True)
    evidence_url = re.search(r'<img src="(/console/evidence/\d+)"', page).group(1)
    csrf = console_login(client, "township_xc")
    image = client.get(evidence_url)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert _audited(fresh_app, "evidence.viewed")
    console_login(client, "station_hlr")
    assert client.get(evidence_url).status_code == 404
