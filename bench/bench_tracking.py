"""The help loop's figures (issue 14), on PostgreSQL (not run by the test suite).

    PYTHONPATH=. python bench/bench_tracking.py \
        postgresql+psycopg://postgres@127.0.0.1:5432/<scratch db> 100000 [measure]

Rebuilds the given database (migrations + demo seed), then writes with set-based SQL N
persons in the demo league (呼和浩特市), one open case each (300 on station_xc; the rest
without a station, so the daily job's hand-over leaves them alone), two tasks
per case, a contact for half of them this round, hires with follow-ups due over six months
and benefits running out over a year. Then times, in process:
  - "my cases" and "tasks due" for station_xc (300 cases): p50/p99 over 200 requests;
  - contact coverage and the zero-employment list for the league;
  - the daily job, and the same day again (which must open nothing).
"""
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from sqlalchemy import text

from app import create_app
from app.core.clock import local_today
from app.extensions import db
from tests.support.database import prepare_database

REGION = "150102001001"


def fill(app, count):
    with app.app_context():
        cipher = app.extensions["field_cipher"]
        name, number = cipher.encrypt("测试人"), cipher.encrypt("150102196701011110")
        staff_id = db.session.execute(text(
            "SELECT id FROM staff_accounts WHERE username = 'station_xc'")).scalar()
        station_id = db.session.execute(text(
            "SELECT station_id FROM staff_accounts WHERE id = :s"), {"s": staff_id}).scalar()
        today = local_today()
        started = time.perf_counter()
        steps = [
            ("persons", """
INSERT INTO persons (name, id_number, id_number_index, birth_date, gender,
  residence_region_code, skills, trades_trained, skill_certificates, wants,
  public_welfare_placements, employment_status, created_by, created_at, updated_at)
SELECT :name, :number, 'bench-' || g, DATE '1970-01-01' + (g % 3000), 'male', :region,
  '[]', '[]', '[]', '["job"]', 0, 'unemployed', 'system:bench', now(), now()
FROM generate_series(1, :n) g"""),
            ("cases", """
INSERT INTO tracking_cases (person_id, region_code, station_id, staff_id, status,
  opened_reason, categories, needs, plan_version, priority, last_contact_on, opened_at)
SELECT p.id, :region, CASE WHEN row_number() OVER (ORDER BY p.id) <= 300 THEN :station END,
  CASE WHEN row_number() OVER (ORDER BY p.id) <= 300 THEN :staff END, 'open', 'certified',
  CAST(CASE WHEN p.id % 3 = 0 THEN '["older"]' ELSE '["disabled"]' END AS json),
  CAST(CASE WHEN p.id % 2 = 0 THEN '["job"]' ELSE '["job", "training"]' END AS json), '2026.1',
  p.id % 17 = 0, NULL, now()
FROM persons p WHERE p.created_by = 'system:bench'"""),
            ("tasks", """
INSERT INTO tracking_tasks (case_id, person_id, region_code, staff_id, kind, origin, title,
  status, due_on, deadline_estimated, escalated_to, created_at)
SELECT c.id, c.person_id, c.region_code, c.staff_id,
  CASE WHEN k = 1 THEN 'next_step' ELSE 'help_request' END, 'system', '联系', 'open',
  CAST(:today AS date) + CAST(((c.id * k) % 40 - 10) AS int), false, NULL, now()
FROM tracking_cases c CROSS JOIN generate_series(1, 2) k"""),
            ("contacts", """
INSERT INTO tracking_contacts (case_id, region_code, staff_id, channel, contacted_on,
  outcome, created_at)
SELECT c.id, c.region_code, :staff, 'phone', CAST(:today AS date) - CAST((c.id % 30) AS int), 'reached', now()
FROM tracking_cases c WHERE c.id % 2 = 0"""),
            ("hires", """
INSERT INTO tracking_hires (person_id, region_code, employer, job_title, starts_on,
  recorded_by, created_at)
SELECT p.id, :region, '某公司', '岗位', CAST(:today AS date) - CAST((p.id % 200) AS int), 'system:bench', now()
FROM persons p WHERE p.created_by = 'system:bench' AND p.id % 10 = 0"""),
            ("follow-ups", """
INSERT INTO tracking_follow_ups (hire_id, person_id, region_code, stage, due_on, status)
SELECT h.id, h.person_id, h.region_code, s.stage,
  h.starts_on + CASE WHEN s.stage = 'adaptation' THEN 30 ELSE 182 END,
  CASE WHEN h.starts_on + CASE WHEN s.stage = 'adaptation' THEN 30 ELSE 182 END
       < CAST(:today AS date) - 1 THEN 'done' ELSE 'scheduled' END
FROM tracking_hires h CROSS JOIN (VALUES ('adaptation'), ('stability')) s(stage)"""),
            ("benefits", """
INSERT INTO benefits (person_id, policy, starts_on, ends_on, due_on, region_code, source,
  catalog_version, approved_by, created_at, updated_at)
SELECT p.id, 'public_welfare_post', CAST(:today AS date) - 300,
  CAST(:today AS date) + CAST((p.id % 400) AS int), CAST(:today AS date) + CAST((p.id % 400) AS int), :region,
  'import', 'bench', 'system:bench', now(), now()
FROM persons p WHERE p.created_by = 'system:bench' AND p.id % 5 = 0"""),
        ]
        params = {"name": name, "number": number, "region": REGION, "n": count,
                  "staff": staff_id, "station": station_id, "today": today}
        for label, sql in steps:
            step_started = time.perf_counter()
            rows = db.session.execute(text(sql), params).rowcount
            db.session.commit()
            print(f"  {label}: {rows} rows in {time.perf_counter() - step_started:.1f} s")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"filled in {time.perf_counter() - started:.1f} s")


def timed(client, path, token, params, runs=200):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, query_string=params,
                              headers={"Authorization": f"Bearer {token}"})
        times.append(time.perf_counter() - started)
    assert response.status_code == 200, response.get_json()
    times.sort()
    return (statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000,
            response.get_json())


def main(url, count, measure_only=False):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, EVIDENCE_DIR=tempfile.mkdtemp(),
                     VIEW_CACHE_SECONDS=0)
    if not measure_only:  # "measure": time again on the data already there
        prepare_database(app)
        fill(app, count)
    client = app.test_client()

    def login(username):
        return client.post("/api/v1/auth/staff/login", json={
            "username": username, "password": "Demo@2025"}).get_json()["access_token"]
    station, city = login("station_xc"), login("city_hhht")
    today = local_today()
    base = "/api/v1/tracking"
    for label, path, token, params, runs in (
            ("my cases (300), page of 20", "/cases/mine", station, {}, 200),
            ("my cases, need=training & not contacted", "/cases/mine", station,
             {"need": "training", "not_contacted_since": today.isoformat()}, 200),
            ("tasks due this week", "/tasks", station,
             {"due_by": (today + timedelta(days=7)).isoformat()}, 200),
            ("coverage, league", "/coverage", city,
             {"region_code": "150100", "starts_on": (today - timedelta(days=29)).isoformat(),
              "ends_on": today.isoformat()}, 5),
            ("zero-employment households, league", "/zero-households", city,
             {"region_code": "150100"}, 5)):
        p50, p99, body = timed(client, base + path, token, params, runs)
        print(f"{label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
              f"(total {body.get('total', body.get('cases'))})")
    import logging
    from app.tracking.daily import run_daily
    logging.getLogger("app.tracking.daily").setLevel(logging.INFO)
    with app.app_context():
        for attempt in ("first", "second"):
            started = time.perf_counter()
            counts = run_daily(today)
            db.session.commit()
            print(f"daily job ({attempt} run): {time.perf_counter() - started:.1f} s {counts}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100000,
         measure_only=sys.argv[3:] == ["measure"])
