"""The year's working-day schedule from the console: a region admin loads it through the
service the API and the CLI use (audited, then the page says it is loaded); every bad form
comes back with its code, a Chinese message and what was typed; other roles read only."""
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.core.calendar import CalendarYear
from app.extensions import db
from tests.builders.console import console_login, console_post

GOOD = {"year": "2031", "holidays": "2031-01-01\n2031-01-02, 2031-01-03",
        "workdays": "2031-01-04", "source": "国办发明电〔2030〕7号"}


def _loaded(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CalendarYear)
                                 .where(CalendarYear.year == 2031))


def test_the_region_admin_loads_a_year_and_the_page_shows_it(client, fresh_app):
    csrf = console_login(client, "region_admin")
    assert "节假日安排" in client.get("/console/").get_data(as_text=True)  # in the menu
    before = client.get("/console/calendar?year=2031").get_data(as_text=True)
    assert "载入官方节假日安排" in before and "已载入官方安排" not in before
    done = console_post(client, "/console/calendar", csrf, **GOOD)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "节假日安排已载入" in page and "国办发明电〔2030〕7号" in page
    assert "2031-01-02" in page and "2031-01-04" in page
    with fresh_app.app_context():
        row = db.session.get(CalendarYear, 2031)
        assert row.holidays == ["2031-01-01", "2031-01-02", "2031-01-03"]
        assert row.workdays == ["2031-01-04"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "calendar.loaded")) == 1


def test_every_bad_schedule_is_refused_with_its_reason(client, fresh_app):
    csrf = console_login(client, "region_admin")
    cases = [
        ({"year": "明年"}, 422, "console.calendar_year", "年份须在2000至2100之间"),
        ({"year": "1999"}, 422, "console.calendar_year", "年份须在2000至2100之间"),
        ({"holidays": "2031-02-30"}, 422, "console.calendar_date", "不是“年-月-日”格式的日期"),
        ({"holidays": "\n".join(f"2031-03-{d:02d}" for d in range(1, 32)) + "\n" +
          "\n".join(f"2031-04-{d:02d}" for d in range(1, 31))}, 422,
         "console.calendar_too_many", "放假日期最多60天"),
        ({"source": "x"}, 422, "console.calendar_source", "请填写依据文件"),
        ({"workdays": "2031-01-06"}, 422, "calendar.invalid", "节假日安排有误"),
        ({"holidays": "2030-12-31"}, 422, "calendar.invalid", "节假日安排有误"),
    ]
    for change, status, code, message in cases:
        body = console_post(client, "/console/calendar", csrf, expect=status,
                            **{**GOOD, **change}).get_data(as_text=True)
        assert code in body and message in body, (change, body[:600])
        assert "国办发明电〔2030〕7号" in body or change.get("source")  # what was typed is kept
    kept = console_post(client, "/console/calendar", csrf, expect=422,
                        **{**GOOD, "workdays": "2031-01-06"}).get_data(as_text=True)
    assert "make-up workdays must fall on a weekend: 2031-01-06" in kept
    assert "2031-01-06</textarea>" in kept
    no_csrf = client.post("/console/calendar", data=GOOD)
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    assert _loaded(fresh_app) == 0


def test_other_roles_read_the_schedule_but_cannot_load_one(client, fresh_app):
    for username in ("county_xc", "city_hhht", "auditor"):
        csrf = console_login(client, username)
        assert "节假日安排" not in client.get("/console/").get_data(as_text=True)
        page = client.get("/console/calendar?year=2031").get_data(as_text=True)
        assert "当前依据" in page and "载入官方节假日安排" not in page
        refused = console_post(client, "/console/calendar", csrf, expect=403, **GOOD)
        assert "auth.forbidden" in refused.get_data(as_text=True)
    assert _loaded(fresh_app) == 0
