"""The help case on the person's record page: the responsible worker, open tasks and
contacts; recording a contact from the console (its next step lands on Today); every bad
form gets a status, a stable code and a Chinese message, and records nothing. Today also
lists the person's help requests and the subsidy claims at the caller's step."""
from datetime import timedelta

from sqlalchemy import func, select

from app.core.clock import local_today
from app.extensions import db
from app.tracking.models import Contact
from tests.builders.codes import certified_seeker
from tests.builders.console import console_login, console_post
from tests.builders.http import auth
from tests.builders.money import claim_myself, flexible_seeker
from tests.builders.people import older_man_id


def _contacts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contact))


def test_a_station_worker_records_a_contact_and_its_next_step_is_due_on_today(client, fresh_app):
    token, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    page = client.get(f"/console/people/{person_id}").get_data(as_text=True)
    assert "帮扶档案" in page and "包联责任人" in page and "尚未联系" in page
    today = local_today().isoformat()
    console_post(client, f"/console/people/{person_id}/contacts", csrf, channel="visit",
                 contacted_on=today, outcome="reached", note="家中走访，有就业意愿",
                 next_step="推荐保洁岗位", next_step_days="2")
    page = client.get(f"/console/people/{person_id}?contact=1").get_data(as_text=True)
    assert "联系记录已保存" in page and "入户走访" in page and "推荐保洁岗位" in page
    assert today in page
    assert "推荐保洁岗位" in client.get("/console/").get_data(as_text=True)
    asked = client.post("/api/v1/tracking/my/help-requests", headers=auth(token),
                        json={"topic": "想参加技能培训", "detail": "电焊"})
    assert asked.status_code == 201, asked.get_json()
    today_page = client.get("/console/").get_data(as_text=True)
    assert "我的帮扶待办（求助、回访、评估）" in today_page and "想参加技能培训" in today_page
    assert "电焊" not in today_page  # the person's own words stay on the case


def test_every_bad_contact_form_is_refused_clearly_and_records_nothing(client, fresh_app):
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    url = f"/console/people/{person_id}/contacts"
    today = local_today()
    good = {"channel": "phone", "contacted_on": today.isoformat(), "outcome": "reached"}
    cases = [
        ({"channel": "fax"}, 422, "console.contact_channel", "请选择联系方式"),
        ({"outcome": ""}, 422, "console.contact_outcome", "请选择联系结果"),
        ({"contacted_on": "2026-13-01"}, 422, "console.contact_date", "请填写联系日期"),
        ({"contacted_on": (today + timedelta(days=1)).isoformat()}, 422,
         "tracking.contact_date", "联系日期应在一年内且不晚于今天"),
        ({"next_step": "再次走访"}, 422, "tracking.next_step_incomplete", "下一步安排须同时填写"),
        ({"next_step": "再次走访", "next_step_days": "0"}, 422, "console.contact_days", "工作日"),
        ({"next_step": "再次走访", "next_step_days": "两天"}, 422, "console.contact_days", "工作日"),
        ({"note": "很" * 501}, 422, "console.contact_too_long", "最多500字"),
        ({"note": "a\x00b"}, 422, "request.control_characters", "控制字符"),
    ]
    for change, status, code, message in cases:
        response = console_post(client, url, csrf, expect=status, **{**good, **change})
        body = response.get_data(as_text=True)
        assert code in body and message in body, (change, body[:400])
    kept = console_post(client, url, csrf, expect=422, **good, note="本人外出务工",
                        next_step="再次走访").get_data(as_text=True)
    assert 'value="再次走访"' in kept and "本人外出务工</textarea>" in kept  # nothing typed is lost
    no_csrf = client.post(url, data=good)
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    missing = console_post(client, "/console/people/999999/contacts", csrf, expect=404, **good)
    assert "people.not_found" in missing.get_data(as_text=True)
    assert _contacts(fresh_app) == 0
    csrf = console_login(client, "station_hlr")  # another league's station: not in scope
    console_post(client, url, csrf, expect=404, **good)
    csrf = console_login(client, "auditor")
    console_post(client, url, csrf, expect=403, **good)
    assert _contacts(fresh_app) == 0


def test_a_person_without_an_open_case_gets_a_clear_answer(client, fresh_app):
    from tests.builders.applications import applicant
    token = applicant(client, "lisi", name="李四", number=older_man_id("041"))
    person_id = client.get("/api/v1/people/me", headers=auth(token)).get_json()["id"]
    csrf = console_login(client, "station_xc")
    assert "帮扶档案" not in client.get(f"/console/people/{person_id}").get_data(as_text=True)
    response = console_post(client, f"/console/people/{person_id}/contacts", csrf, expect=404,
                            channel="phone", contacted_on=local_today().isoformat(),
                            outcome="reached")
    assert "tracking.no_case" in response.get_data(as_text=True)
    assert _contacts(fresh_app) == 0


def test_today_lists_the_claims_waiting_at_my_step(client, fresh_app):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    console_login(client, "station_xc")
    label = f"补贴申请 #{claim['id']}"
    page = client.get("/console/").get_data(as_text=True)
    assert label in page and "待我审核的补贴申请" in page
    console_login(client, "county_xc")  # not at the county's step until checked
    assert label not in client.get("/console/").get_data(as_text=True)


def test_a_station_worker_records_a_hire_and_it_counts_as_helped_into_work(client, fresh_app):
    from app.stats.services import compute_figures
    _, person_id = certified_seeker(client)
    csrf = console_login(client, "station_xc")
    url = f"/console/people/{person_id}/hires"
    today = local_today()
    with fresh_app.app_context():
        before = compute_figures("150102", today.year)["region"]["helped"]
    bad = console_post(client, url, csrf, expect=422, employer="某", job_title="保洁员",
                       starts_on=today.isoformat()).get_data(as_text=True)
    assert "console.hire_fields" in bad and 'value="保洁员"' in bad
    future = console_post(client, url, csrf, expect=422, employer="某物业公司", job_title="保洁员",
                          starts_on=(today + timedelta(days=2)).isoformat())
    assert "tracking.hire_date" in future.get_data(as_text=True)
    console_post(client, url, csrf, employer="某物业公司", job_title="保洁员",
                 starts_on=today.isoformat())
    twice = console_post(client, url, csrf, expect=409, employer="某物业公司", job_title="保洁员",
                         starts_on=today.isoformat())
    assert "tracking.already_employed" in twice.get_data(as_text=True)
    console_login(client, "city_hhht")
    client.get("/console/statistics")  # the read recounts the changed region
    with fresh_app.app_context():
        assert compute_figures("150102", today.year)["region"]["helped"] == before + 1


def test_today_lists_the_discoveries_and_contradictions_of_the_partner_lists(client, fresh_app):
    from tests.partners.test_discovery import _lists
    _lists(client)
    console_login(client, "station_xc")
    page = client.get("/console/").get_data(as_text=True)
    assert "部门数据发现的可能符合认定条件人员" in page and "刘*" in page
    assert "低保家庭成员，处于劳动年龄，无参保缴费记录" in page
    assert "与部门数据不一致、需核实的人员" in page
    console_login(client, "station_hlr")  # another league's station: none of it
    assert "刘*" not in client.get("/console/").get_data(as_text=True)
