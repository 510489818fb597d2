"""The statistics page's figures, each counted a second way from the raw rows (row by row in
Python) and compared, for several scopes, the year and a month; the rollups kept by the
events equal a full recount; a hire moves "helped into work" in its region and every region
above it; exports carry the page's figures; bad periods get a clear error."""
import csv
import io
from collections import Counter
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.certification.models import Application, Certification
from app.certification.workflow import OPEN, STAFF_STEPS
from app.core.clock import local_today
from app.core.models import subtree_codes
from app.extensions import db
from app.jobs.models import Vacancy
from app.money.models import ClaimLine
from app.people.models import Household, Person
from app.policies.models import Benefit
from app.stats.models import Rollup
from app.stats.rollup import rebuild, refresh
from app.stats.services import FIGURES, compute_figures
from app.tracking.models import Case, Contact, Hire, ZeroHousehold
from tests.builders.codes import certified_seeker
from tests.builders.console import console_login, console_post
from tests.builders.http import auth, staff_token
from tests.builders.money import approved_claim
from tests.builders.people import older_man_id
from tests.builders.tracking import post as tracking_post

SCOPES = ("150000", "150100", "150102", "150102001", "150700")


def _within(day, year, month):
    return day is not None and day.year == year and (month is None or day.month == month)


def _helped_raw(codes, year, month):
    """Each eligible person's first employment of the year, one by one."""
    events = [(h.person_id, h.region_code, h.starts_on) for h in db.session.scalars(select(Hire))]
    events += [(c.person_id, c.region_code, c.exited_on)
               for c in db.session.scalars(select(Certification))
               if c.exit_reason == "employed" and c.exited_on]
    certs = list(db.session.scalars(select(Certification)))
    first = {}
    for person_id, region, on in events:
        person = db.session.get(Person, person_id)
        mine = [c for c in certs if c.person_id == person_id and c.starts_on <= on]
        if not (mine or person.registered_unemployed or person.unemployment_registered_on):
            continue
        disabled = any("disabled" in (c.categories or []) for c in mine)
        if (person_id, on.year) not in first or (on, region) < first[(person_id, on.year)][:2]:
            first[(person_id, on.year)] = (on, region, disabled)
    chosen = [v for v in first.values() if v[1] in codes and _within(v[0], year, month)]
    return len(chosen), sum(1 for v in chosen if v[2])


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def raw_figures(scope, year, month=None, today=None):
    """Every figure of the page for `scope`, from the raw rows, without the rollups."""
    today = today or local_today()
    codes = set(db.session.scalars(subtree_codes(scope)).all())

    def rows(model):
        return [r for r in db.session.scalars(select(model)) if r.region_code in codes]
    f = Counter()
    f["helped"], f["disabled_helped"] = _helped_raw(codes, year, month)
    for c in rows(Certification):
        f["certified"] += _within(c.starts_on, year, month)
        f["exits"] += _within(c.exited_on, year, month)
    staff_steps = {s.value for s in STAFF_STEPS}
    for a in rows(Application):
        if a.status in {s.value for s in OPEN}:
            f["applications_open"] += 1
            f["applications_overdue"] += bool(a.status in staff_steps and a.step_deadline
                                              and a.step_deadline < today)
    f["contacts"] = sum(_within(c.contacted_on, year, month) for c in rows(Contact))
    start = date(year, month or 1, 1)
    for case in rows(Case):
        if case.status == "open":
            f["cases_open"] += 1
            f["cases_contacted"] += bool(case.last_contact_on and case.last_contact_on >= start)
    days = 0
    for z in rows(ZeroHousehold):
        f["zero_open"] += z.cleared_on is None
        f["zero_identified"] += _within(z.identified_on, year, month)
        if _within(z.cleared_on, year, month):
            f["zero_cleared"] += 1
            days += (z.cleared_on - z.identified_on).days
    f["benefits"] = sum(_within(b.starts_on, year, month) for b in rows(Benefit))
    paid = sum(line.amount_fen for line in rows(ClaimLine)
               if line.status == "paid" and _within(line.period, year, month))
    for v in rows(Vacancy):
        if _within(v.opens_on, year, month):
            f["vacancies"] += 1
            f["positions"] += v.headcount
            f["filled"] += v.filled_count
    figures = dict(f)
    figures["coverage"] = _share(f["cases_contacted"], f["cases_open"])
    figures["zero_clear_days"] = round(days / f["zero_cleared"], 1) if f["zero_cleared"] else None
    figures["fill_rate"] = _share(f["filled"], f["positions"])
    figures["paid_yuan"] = paid / 100
    return {name: figures.get(name, 0) for name in FIGURES}


def _page_line(line):
    return {name: float(line[name]) if name == "paid_yuan" else line[name] for name in FIGURES}


def _hire(client, person_id, starts_on):
    return tracking_post(client, "station_xc", "/hires", {
        "person_id": person_id, "employer": "某物业公司", "job_title": "保洁员",
        "starts_on": starts_on.isoformat()}, expect=201)


def _activity(client):
    """A certified seeker hired, contacted, and another one exited as employed."""
    token, person_id = certified_seeker(client)
    _hire(client, person_id, local_today())
    csrf = console_login(client, "station_xc")
    console_post(client, f"/console/people/{person_id}/contacts", csrf, channel="phone",
                 contacted_on=local_today().isoformat(), outcome="reached", note="介绍岗位",
                 next_step="送岗上门", next_step_days="3")
    _, other_id = certified_seeker(client, "lisi", name="李四", number=older_man_id("041"))
    headers = auth(staff_token(client, "county_xc"))
    with client.application.app_context():
        cert_id = db.session.scalar(select(Certification.id).where(
            Certification.person_id == other_id))
    exited = client.post(f"/api/v1/certification/certifications/{cert_id}/exit",
                         headers=headers, json={"reason": "employed",
                                                "exited_on": local_today().isoformat()})
    assert exited.status_code == 200, exited.get_json()
    _paid_claim_and_cleared_household(client)
    return person_id


def _paid_claim_and_cleared_household(client):
    """An approved claim whose lines the bank paid, and a zero-employment household listed
    a month ago and cleared three days ago (the rows reconciliation and the help loop write)."""
    _, _, claim = approved_claim(client, "wangwu", name="王五", number=older_man_id("051"))
    today = local_today()
    with client.application.app_context():
        for line in db.session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim["id"])):
            line.status = "paid"
        household = db.session.scalar(select(Household).order_by(Household.id).limit(1))
        db.session.add(ZeroHousehold(household_id=household.id, region_code=household.region_code,
                                     identified_on=today - timedelta(days=30),
                                     cleared_on=today - timedelta(days=3),
                                     cleared_way="member_hired"))
        db.session.commit()


def test_every_figure_matches_the_raw_rows_and_a_full_recount(client, fresh_app):
    _activity(client)
    today = local_today()
    with fresh_app.app_context():
        refresh(limit=100_000)
        db.session.commit()
        incremental = sorted(tuple(r) for r in db.session.execute(select(
            Rollup.region_code, Rollup.level, Rollup.year, Rollup.month, Rollup.figure,
            Rollup.key, Rollup.value).where(Rollup.value != 0)))
        for year, month in ((today.year, None), (today.year, today.month),
                            (today.year - 1, None)):
            for scope in SCOPES:
                result = compute_figures(scope, year, month)
                assert _page_line(result["region"]) == raw_figures(scope, year, month), scope
                for line in result["children"]:
                    assert _page_line(line) == raw_figures(line["region_code"], year, month)
        rebuild()
        db.session.commit()
        recounted = sorted(tuple(r) for r in db.session.execute(select(
            Rollup.region_code, Rollup.level, Rollup.year, Rollup.month, Rollup.figure,
            Rollup.key, Rollup.value).where(Rollup.value != 0)))
    assert incremental == recounted
    assert any(r[4] == "helped" for r in recounted) and any(r[4] == "contacts" for r in recounted)


def test_a_hire_moves_helped_into_work_in_its_region_and_above(client, fresh_app):
    year = local_today().year
    console_login(client, "city_hhht")
    client.get("/console/statistics")  # the rollups are up to date
    with fresh_app.app_context():
        before = compute_figures("150100", year)
    _, person_id = certified_seeker(client)
    _hire(client, person_id, local_today())
    page = client.get("/console/statistics").get_data(as_text=True)
    with fresh_app.app_context():
        after = compute_figures("150100", year)
    assert after["region"]["helped"] == before["region"]["helped"] + 1
    child = {line["region_code"]: line for line in after["children"]}
    assert child["150102"]["helped"] == after["region"]["helped"]
    assert f'id="figure-helped">{after["region"]["helped"]}<' in page
    # once a year: a second job the same year counts no one again
    tracking_post(client, "station_xc", f"/hires/{_open_hire(fresh_app, person_id)}/end",
                  {"ended_on": local_today().isoformat(), "reason": "quit"})
    _hire(client, person_id, local_today())
    client.get("/console/statistics")
    with fresh_app.app_context():
        assert compute_figures("150100", year)["region"]["helped"] == after["region"]["helped"]


def _open_hire(app, person_id):
    with app.app_context():
        return db.session.scalar(select(Hire.id).where(Hire.person_id == person_id,
                                                       Hire.ended_on.is_(None)))


def test_exports_carry_the_pages_figures_and_bad_periods_are_refused(client, fresh_app):
    _activity(client)
    console_login(client, "city_hhht")
    year = local_today().year
    page = client.get(f"/console/statistics?year={year}").get_data(as_text=True)
    assert "指标口径" in page and "联系覆盖率" in page and "by-exits" in page
    with fresh_app.app_context():
        expected = raw_figures("150100", year)
    data = client.get(f"/console/statistics/export.csv?year={year}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    header, total = rows[0], rows[1]
    assert total[0] == "150100"
    assert int(total[header.index("帮助实现就业（人）")]) == expected["helped"]
    assert int(total[header.index("联系对接（次）")]) == expected["contacts"]
    assert "退出认定按原因（人）·实现市场就业" in header
    book = load_workbook(io.BytesIO(client.get(
        f"/console/statistics/export.xlsx?year={year}").data))
    sheet = list(book.active.iter_rows(values_only=True))
    assert list(sheet[0]) == header
    assert sheet[1][header.index("新认定（人）")] == expected["certified"]
    month = local_today().month
    monthly = client.get(f"/console/statistics?year={year}&month={month}")
    assert monthly.status_code == 200
    for query, code in (("year=abc", "stats.period_invalid"), ("year=1900", "stats.period_invalid"),
                        (f"year={year}&month=13", "stats.month_invalid"),
                        ("month=x", "stats.period_invalid")):
        bad = client.get(f"/console/statistics?{query}")
        assert bad.status_code == 422 and code in bad.get_data(as_text=True), query
        assert "<html" in bad.get_data(as_text=True).lower()


def test_administrators_split_the_targets_across_their_children(client, fresh_app):
    csrf = console_login(client, "region_admin")
    page = client.get("/console/statistics").get_data(as_text=True)
    assert "80000" in page and "6000" in page  # notice §1, until set otherwise
    year = local_today().year
    console_post(client, "/console/statistics/targets", csrf, region="150100", year=str(year),
                 helped="9000", disabled_helped="700")
    page = client.get("/console/statistics").get_data(as_text=True)
    assert "<td>9000</td><td>700</td>" in page and "下级地区目标合计 9000" in page
    bad = console_post(client, "/console/statistics/targets", csrf, expect=422,
                       region="150100", year=str(year), helped="10", disabled_helped="700")
    assert "stats.target_invalid" in bad.get_data(as_text=True)
    csrf = console_login(client, "city_hhht")
    console_post(client, "/console/statistics/targets", csrf, expect=404, region="150700",
                 year=str(year), helped="1", disabled_helped="0")
    csrf = console_login(client, "station_xc")
    console_post(client, "/console/statistics/targets", csrf, expect=403, region="150102001001",
                 year=str(year), helped="1", disabled_helped="0")


def _rollup_rows():
    return sorted(tuple(r) for r in db.session.execute(select(
        Rollup.region_code, Rollup.level, Rollup.year, Rollup.month, Rollup.figure, Rollup.key,
        Rollup.value).where(Rollup.value != 0)))


def test_twenty_statistics_pages_at_once_add_each_change_once(client, fresh_app):
    """The recount before a read runs in one request at a time: 20 pages opened together
    after changes in several regions leave the totals a full recount gives."""
    import requests

    from app.stats.models import Dirty
    from tests.support.race import fire, run_app_server, statuses
    _activity(client)
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Dirty)) > 0
    with run_app_server(fresh_app) as base_url:
        with requests.Session() as session:
            page = session.get(base_url + "/console/login").text
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            signed = session.post(base_url + "/console/login", allow_redirects=False, data={
                "csrf_token": token, "username": "region_admin", "password": "Demo@2025"})
            assert signed.status_code == 303
            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        answers = fire(base_url, "GET", "/console/statistics", headers={"Cookie": cookie})
    assert statuses(answers) == {200: 20}
    with fresh_app.app_context():
        refresh(limit=100_000)
        db.session.commit()
        incremental = _rollup_rows()
        rebuild()
        db.session.commit()
        assert incremental == _rollup_rows()


def _helped_on_page(client):
    page = client.get("/console/statistics").get_data(as_text=True)
    return int(page.split('id="figure-helped">')[1].split("<")[0])


def test_a_changed_unemployment_registration_moves_helped_without_a_rebuild(client, fresh_app):
    """A hire counts as "helped into work" only for a certified or registered unemployed
    person: registering the hired person later (PATCH over the API) moves the figure on the
    statistics page at its next read, as a full recount would; withdrawing it moves it back."""
    from tests.builders.people import create_person
    station = staff_token(client, "station_xc")
    person_id = create_person(client, station, facts={"registered_unemployed": False})["id"]
    _hire(client, person_id, local_today())
    console_login(client, "city_hhht")
    before = _helped_on_page(client)
    for facts, expected in (({"registered_unemployed": True,
                              "unemployment_registered_on": local_today().isoformat()}, before + 1),
                            ({"registered_unemployed": False}, before)):
        changed = client.patch(f"/api/v1/people/{person_id}", json=facts, headers=auth(station))
        assert changed.status_code == 200, changed.get_json()
        assert _helped_on_page(client) == expected
        with fresh_app.app_context():
            incremental = _rollup_rows()
            rebuild()
            db.session.commit()
            assert incremental == _rollup_rows()
