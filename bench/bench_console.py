"""The console's figures at 1M persons (issue 17), on PostgreSQL (not run by the test suite).

    createdb -h 127.0.0.1 -U postgres -T imjy_bench1m imjy_bench_console
    .venv/bin/python -m bench.bench_console \\
        postgresql+psycopg://postgres@127.0.0.1:5432/imjy_bench_console [fill|measure]

`fill` (default: both) migrates the copy of the generated 1M-person database to head, adds
what the help loop would have written (an open case per live certification, 300 of them
on station_xc with two tasks each, a contact for half the cases, hires this year for a
tenth of the certified, zero-employment listings with some cleared), then counts the
statistics' rollups afresh (`rebuild`, timed). `measure` times, in process through the
console's own pages (cookie session, the whole view: refresh of dirty regions, rollup read,
audit entry, template):
  - the region's statistics page (region_admin: 150000 and its 12 leagues), current year;
  - a league's page (city_hhht: 150100 and its banners);
  - Today for station_xc (300 cases);
  - the region's page right after 200 contacts were recorded through the service in 50
    regions (the page recounts those regions before it reads).
"""
import statistics
import sys
import tempfile
import time

import flask_migrate
from sqlalchemy import select, text

from app import create_app
from app.core.clock import local_today
from app.extensions import db

RUNS = {"region": 60, "league": 100, "today": 100}


def _sql(label, sql, params):
    started = time.perf_counter()
    rows = db.session.execute(text(sql), params).rowcount
    db.session.commit()
    print(f"  {label}: {rows} rows in {time.perf_counter() - started:.1f} s", flush=True)


FILL = [
    ("cases", """
INSERT INTO tracking_cases (person_id, region_code, station_id, staff_id, status, opened_reason,
  categories, needs, plan_version, priority, last_contact_on, opened_at)
SELECT c.person_id, p.residence_region_code, NULL, NULL, 'open', 'certified', c.categories,
  '["job"]', '2026.1', false, NULL, now()
FROM certifications c JOIN persons p ON p.id = c.person_id
WHERE c.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM tracking_cases t WHERE t.person_id = c.person_id
                  AND t.status = 'open')"""),
    ("station_xc's 300 cases", """
UPDATE tracking_cases SET staff_id = :staff, station_id = :station
WHERE id IN (SELECT id FROM tracking_cases WHERE status = 'open' ORDER BY
             (region_code LIKE :prefix) DESC, id LIMIT 300)"""),
    ("their tasks", """
INSERT INTO tracking_tasks (case_id, person_id, region_code, staff_id, kind, origin, title,
  status, due_on, deadline_estimated, created_at)
SELECT c.id, c.person_id, c.region_code, c.staff_id,
  CASE WHEN k = 1 THEN 'next_step' ELSE 'help_request' END, 'system', '联系', 'open',
  CAST(:today AS date) + CAST(((c.id * k) % 20 - 5) AS int), false, now()
FROM tracking_cases c CROSS JOIN generate_series(1, 2) k WHERE c.staff_id = :staff"""),
    ("contacts", """
INSERT INTO tracking_contacts (case_id, region_code, staff_id, channel, contacted_on, outcome,
  created_at)
SELECT c.id, c.region_code, :staff, 'phone', CAST(:today AS date) - CAST((c.id % 300) AS int),
  'reached', now()
FROM tracking_cases c WHERE c.id % 2 = 0"""),
    ("last contact on the cases", """
UPDATE tracking_cases c SET last_contact_on = k.on_day
FROM (SELECT case_id, max(contacted_on) AS on_day FROM tracking_contacts GROUP BY case_id) k
WHERE k.case_id = c.id"""),
    ("hires this year", """
INSERT INTO tracking_hires (person_id, region_code, employer, job_title, starts_on,
  recorded_by, created_at)
SELECT c.person_id, c.region_code, '某公司', '岗位',
  GREATEST(CAST(date_trunc('year', CAST(:today AS date)) AS date),
           CAST(:today AS date) - CAST((c.id % 330) AS int)), 'system:bench', now()
FROM tracking_cases c WHERE c.id % 10 = 0 AND c.staff_id IS DISTINCT FROM :staff
  AND NOT EXISTS (SELECT 1 FROM tracking_hires h WHERE h.person_id = c.person_id
                  AND h.ended_on IS NULL)"""),
    ("zero-employment listings", """
INSERT INTO tracking_zero_households (household_id, region_code, identified_on, services_given,
  offers_given, refusals, cleared_on, cleared_way)
SELECT h.id, h.region_code, CAST(:today AS date) - CAST((h.id % 400) AS int), 1, 3, 0,
  CASE WHEN h.id % 3 = 0 THEN CAST(:today AS date) - CAST((h.id % 400) AS int) / 2 END,
  CASE WHEN h.id % 3 = 0 THEN 'member_hired' END
FROM households h WHERE h.id % 20 = 0
  AND NOT EXISTS (SELECT 1 FROM tracking_zero_households z WHERE z.household_id = h.id)"""),
]


def fill(app):
    from app.stats.rollup import rebuild
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade()
        print(f"migrated to head in {time.perf_counter() - started:.1f} s", flush=True)
        staff, station = db.session.execute(text(
            "SELECT id, station_id FROM staff_accounts WHERE username = 'station_xc'")).one()
        region = db.session.execute(text(
            "SELECT region_code FROM stations WHERE id = :s"), {"s": station}).scalar()
        params = {"staff": staff, "station": station, "today": local_today(),
                  "prefix": region[:6] + "%"}
        for label, sql in FILL:
            _sql(label, sql, params)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        started = time.perf_counter()
        rows = rebuild()
        db.session.commit()
        print(f"rollups counted afresh (flask stats rebuild): {rows} own rows in "
              f"{time.perf_counter() - started:.1f} s", flush=True)


def _login(client, username):
    page = client.get("/console/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/console/login", data={"csrf_token": token, "username": username,
                                                   "password": "Demo@2025"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def _timed(client, path, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000, response


def _after_contacts(app, client):
    """200 contacts recorded through the service in 50 regions, then one page read."""
    from flask import g

    from app.accounts.models import StaffAccount
    from app.audit.services import Actor
    from app.tracking.models import Case
    from app.tracking.work import record_contact
    with app.test_request_context():
        admin = db.session.scalar(select(StaffAccount).where(
            StaffAccount.username == "region_admin"))
        g.actor = Actor("staff", admin.id)
        regions = db.session.scalars(text(
            "SELECT DISTINCT region_code FROM tracking_cases WHERE status = 'open' "
            "ORDER BY region_code LIMIT 50")).all()
        for code in regions:
            for case in db.session.scalars(select(Case).where(
                    Case.region_code == code, Case.status == "open").limit(4)):
                record_contact(admin, case, channel="visit", contacted_on=local_today(),
                               outcome="reached")
        db.session.commit()
        dirty = db.session.execute(text("SELECT count(*) FROM stats_dirty")).scalar()
    started = time.perf_counter()
    response = client.get("/console/statistics")
    assert response.status_code == 200
    return dirty, (time.perf_counter() - started) * 1000


def measure(app):
    region, league, station = (app.test_client() for _ in range(3))
    _login(region, "region_admin")
    _login(league, "city_hhht")
    _login(station, "station_xc")
    for label, client, path, runs in (
            ("region statistics (150000, 12 leagues, this year)", region, "/console/statistics",
             RUNS["region"]),
            ("league statistics (150100)", league, "/console/statistics", RUNS["league"]),
            ("Today, station_xc (300 cases)", station, "/console/", RUNS["today"])):
        client.get(path)  # warm: templates compiled, first refresh done
        p50, p95, response = _timed(client, path, runs)
        print(f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {runs} requests "
              f"({len(response.data) // 1024} KiB)", flush=True)
    dirty, ms = _after_contacts(app, region)
    print(f"region statistics right after 200 contacts in {dirty} regions: {ms:.0f} ms "
          f"(recount of those regions included)", flush=True)


def main(url, mode=None):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, EVIDENCE_DIR=tempfile.mkdtemp(),
                     VIEW_CACHE_SECONDS=0, RATELIMIT_ENABLED=False)
    if mode in (None, "fill"):
        fill(app)
    if mode in (None, "measure"):
        measure(app)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
