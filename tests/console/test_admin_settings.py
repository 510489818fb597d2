"""Region settings from the console: an admin saves each area's settings for a region of
their subtree through the API's services (audited); a number out of range comes back with
its code, a Chinese message and what was typed; other roles get 403, other regions 404."""
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.certification.settings import settings_for as cert_settings_for
from app.extensions import db
from app.money.settings import settings_for as money_settings_for
from app.tracking.settings import settings_for as tracking_settings_for
from tests.builders.console import console_login, console_post

CERT = {"station_days": "4", "township_days": "3", "county_days": "5", "notice_enabled": "1",
        "notice_days": "5", "recheck_months": "12"}
TRACKING = {"adaptation_months": "1", "stability_months": "6", "expiry_days": "45",
            "response_days": "3", "services_required": "3", "offers_per_service": "3",
            "refusals_as_no_wish": "3"}
MONEY = {"station_check_days": "3", "county_approve_days": "4", "finance_confirm_days": "6"}


def _audited(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == action))


def test_a_county_admin_saves_each_area_for_their_county(client, fresh_app):
    csrf = console_login(client, "county_xc")
    page = client.get("/console/").get_data(as_text=True)
    assert "地区设置" in page  # in the menu
    page = client.get("/console/settings").get_data(as_text=True)
    assert "认定办理时限" in page and "跟踪帮扶标准" in page and "补贴审核时限" in page
    console_post(client, "/console/settings/certification/150102", csrf, **CERT)
    console_post(client, "/console/settings/tracking/150102", csrf, **TRACKING)
    saved = console_post(client, "/console/settings/money/150102", csrf, **MONEY)
    assert "saved=money" in saved.headers["Location"]
    assert "设置已保存" in client.get(saved.headers["Location"]).get_data(as_text=True)
    with fresh_app.app_context():
        cert = cert_settings_for("150102001")  # the county's settings reach its townships
        assert (cert.station_days, cert.county_days, cert.notice_enabled) == (4, 5, True)
        assert tracking_settings_for("150102").expiry_days == 45
        money = money_settings_for("150102")
        assert (money.county_approve_days, money.finance_confirm) == (4, False)
    for action in ("certification.settings_updated", "tracking.settings_updated",
                   "money.settings_updated"):
        assert _audited(fresh_app, action) == 1


def test_bad_settings_are_refused_with_a_reason_and_what_was_typed(client, fresh_app):
    csrf = console_login(client, "county_xc")
    with fresh_app.app_context():
        before = cert_settings_for("150102")
    for value in ("99", "三", ""):
        body = console_post(client, "/console/settings/certification/150102", csrf, expect=422,
                            **{**CERT, "county_days": value}).get_data(as_text=True)
        assert "console.settings_range" in body and "旗县区审批（工作日）" in body
        assert "须为1至30之间的整数" in body and f'value="{value}"' in body
    body = console_post(client, "/console/settings/tracking/150102", csrf, expect=422,
                        **{**TRACKING, "expiry_days": "3"}).get_data(as_text=True)
    assert "须为7至180之间的整数" in body
    no_csrf = client.post("/console/settings/certification/150102", data=CERT)
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    with fresh_app.app_context():
        assert cert_settings_for("150102") == before
    assert _audited(fresh_app, "certification.settings_updated") == 0


def test_other_regions_are_not_found_and_other_roles_forbidden(client, fresh_app):
    csrf = console_login(client, "county_xc")
    assert client.get("/console/settings?region=150702").status_code == 404
    missing = console_post(client, "/console/settings/certification/150702", csrf, expect=404,
                           **CERT)
    assert "region.not_found" in missing.get_data(as_text=True)
    csrf = console_login(client, "city_hhht")  # a city admin sets a county of the city
    assert "新城区" in client.get("/console/settings?region=150102").get_data(as_text=True)
    console_post(client, "/console/settings/money/150102", csrf, **MONEY)
    for username in ("station_xc", "auditor", "security_admin"):
        csrf = console_login(client, username)
        assert "地区设置" not in client.get("/console/").get_data(as_text=True)
        assert client.get("/console/settings").status_code == 403
        console_post(client, "/console/settings/certification/150102", csrf, expect=403, **CERT)
    assert _audited(fresh_app, "certification.settings_updated") == 0
