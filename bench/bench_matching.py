"""Benchmark: top-10 matches for a person among 100,000 open vacancies (issue 6).

Run from the worktree root (PostgreSQL on 127.0.0.1:5432; takes 3-4 minutes):

    /work/main/.venv/bin/python bench/bench_matching.py
    /work/main/.venv/bin/python bench/bench_matching.py --vacancies 100000 --persons 300 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/imjy_jobs_bench

It (re)creates the scratch database named in --database (the name must end in _bench; it
is dropped at the end unless --keep), migrates it, and fills it with the real region tree
of Inner Mongolia (all 103 banner/county-level units) plus generated townships and
communities, 2,000 employers and the vacancies (COPY), spread over the communities with
urban districts weighted double; 60% carry coordinates.
Then it times, per person, in this process:
  memory   the pure engine on candidates from an in-memory index (county, grid cells);
  postgres services.match_vacancies(): scope check, the indexed candidate fetch
           (county + status + dates + the hard filters on known facts, plus the travel
           bounding box), the engine, and loading the ten winning rows: everything a
           request does except HTTP and JSON;
and finally adds as many vacancies again, all OUTSIDE the counties of a fixed group of
persons, and times that group before and after, to show that the cost follows the
person's own area, not the size of the table. Each person is matched --repeat times
(default 5): the report gives p50/p99 over persons of the first run and of each person's
best run (other processes on a shared machine only ever add time), and this process's CPU
time in that best run. Not a test: it prints figures.
"""
import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.regiontree import closure_rows, level_of, read_region_file  # noqa: E402
from app.jobs.creditcode import check_character  # noqa: E402
from app.jobs.matching import Vacancy as Candidate, bounding_box, match  # noqa: E402
from app.jobs.occupations import OCCUPATIONS  # noqa: E402

TODAY = date(2026, 3, 2)
OCCUPATION_CODES = sorted(OCCUPATIONS)
SKILLS = ["电焊", "收银", "驾驶", "护理", "烹饪", "电工", "叉车", "刺绣", "挤奶", "打字", "保洁", "缝纫"]
DISABILITIES = ["physical", "hearing", "speech", "visual", "intellectual", "mental"]
EDUCATION = ["primary", "junior", "senior", "vocational", "college", "bachelor"]
GRID = 0.1  # degrees per in-memory grid cell
VACANCY_COLUMNS = (
    "id", "employer_id", "title", "occupation_code", "region_code", "county_code", "address",
    "lat", "lng", "salary_min", "salary_max", "hours_kind", "headcount", "filled_count",
    "min_age", "max_age", "education_min", "required_skills", "physical_demand",
    "suitable_for", "caring_job", "public_welfare_post", "opens_on", "closes_on", "status",
    "created_at", "updated_at")


# --- data ------------------------------------------------------------------------------

def build_regions(rnd):
    """Counties from the shipped list; townships and communities generated under each."""
    rows = read_region_file()
    counties = [code for code, _, _ in rows if level_of(code) == 3]
    centre, generated, communities = {}, [], []
    for county in counties:
        # Spread over the region's rough extent; real coordinates are not in the list.
        centre[county] = (rnd.uniform(38.0, 50.0), rnd.uniform(98.0, 125.0))
        urban = county[4:6] in {"02", "03", "04", "05"}
        for t in range(1, rnd.randint(6, 14) + 1):
            township = f"{county}{t:03d}"
            lat, lng = centre[county]
            centre[township] = (lat + rnd.uniform(-0.15, 0.15), lng + rnd.uniform(-0.2, 0.2))
            generated.append((township, f"乡镇{t}", county))
            for c in range(1, rnd.randint(3, 8) + 1):
                community = f"{township}{c:03d}"
                tl, tg = centre[township]
                centre[community] = (tl + rnd.uniform(-0.02, 0.02), tg + rnd.uniform(-0.03, 0.03))
                generated.append((community, f"社区{c}", township))
                communities.extend([community] * (2 if urban else 1))
    return rows, generated, communities, centre, counties


def make_vacancies(rnd, count, first_id, communities, centre, employers):
    out = []
    for vid in range(first_id, first_id + count):
        region = rnd.choice(communities)
        if rnd.random() < 0.2:
            region = region[:9]  # some vacancies are filed at township level
        lat = lng = None
        if rnd.random() < 0.6:
            base = centre[region]
            lat, lng = base[0] + rnd.uniform(-0.01, 0.01), base[1] + rnd.uniform(-0.015, 0.015)
        low = rnd.randrange(1800, 6000, 100)
        limited = rnd.random() < 0.35
        demand = rnd.choice(["light", "medium", "medium", "heavy"])
        out.append({
            "id": vid, "employer_id": rnd.choice(employers), "title": "岗位",
            "occupation_code": rnd.choice(OCCUPATION_CODES), "region_code": region,
            "county_code": region[:6], "address": "地址", "lat": lat, "lng": lng,
            "salary_min": low, "salary_max": low + rnd.randrange(0, 3000, 100),
            "hours_kind": rnd.choice(["full_time", "full_time", "part_time", "flexible"]),
            "headcount": rnd.randint(1, 5), "filled_count": 0,
            "min_age": rnd.choice([16, 18, 20]) if limited else None,
            "max_age": rnd.choice([35, 45, 50, 55, 60]) if limited else None,
            "education_min": rnd.choice([None, None, None, "junior", "senior", "college"]),
            "required_skills": rnd.sample(SKILLS, rnd.choice([0, 0, 1, 1, 2])),
            "physical_demand": demand,
            "suitable_for": (rnd.sample(DISABILITIES, rnd.randint(1, 3))
                             if demand != "heavy" and rnd.random() < 0.3 else []),
            "caring_job": rnd.random() < 0.08, "public_welfare_post": rnd.random() < 0.04,
            "opens_on": TODAY - timedelta(days=rnd.randint(0, 120)),
            "closes_on": (None if rnd.random() < 0.4
                          else TODAY + timedelta(days=rnd.randint(-10, 180))),
            "status": "open"})
    return out


def make_persons(rnd, count, communities, centre):
    persons = []
    for _ in range(count):
        region = rnd.choice(communities)
        age = rnd.randint(18, 62)
        disabled = rnd.random() < 0.15
        categories = []
        if disabled:
            categories.append("disabled")
        if age >= 50 or rnd.random() < 0.1:
            categories.append("older")
        if rnd.random() < 0.05:
            categories.append("zero_employment_household")
        facts = {"age": age, "gender": rnd.choice(["male", "female"]),
                 "education": rnd.choice(EDUCATION + [None]),
                 "skills": rnd.sample(SKILLS, rnd.randint(0, 3)), "trades_trained": [],
                 "disability_certificate": disabled,
                 "disability_type": rnd.choice(DISABILITIES) if disabled else None,
                 "disability_level": rnd.randint(1, 4) if disabled else None,
                 "dibao": rnd.random() < 0.1, "certified": rnd.random() < 0.5,
                 "categories": categories}
        prefs = {"occupations": rnd.sample(OCCUPATION_CODES, rnd.randint(0, 3)),
                 "hours": rnd.sample(["full_time", "part_time", "flexible"], rnd.randint(0, 2)),
                 "min_salary": rnd.choice([None, 2000, 3000, 4000])}
        if rnd.random() < 0.5:
            lat, lng = centre[region]
            prefs["home"] = {"lat": lat + rnd.uniform(-0.005, 0.005),
                             "lng": lng + rnd.uniform(-0.005, 0.005)}
            if rnd.random() < 0.7:
                prefs["max_travel_km"] = rnd.choice([2, 3, 5, 10, 15])
        persons.append((region, facts, prefs, frozenset(rnd.sample(range(1, 100_000), 3))))
    return persons


def to_candidate(v):
    return Candidate(v["id"], v["title"], v["occupation_code"], v["region_code"], v["status"],
                     v["opens_on"], v["closes_on"], v["lat"], v["lng"], v["salary_min"],
                     v["salary_max"], v["hours_kind"], v["headcount"], v["filled_count"],
                     v["min_age"], v["max_age"], v["education_min"], tuple(v["required_skills"]),
                     v["physical_demand"], frozenset(v["suitable_for"]), v["caring_job"],
                     v["public_welfare_post"])


# --- in memory -------------------------------------------------------------------------

class MemoryIndex:
    """What the database indexes do, in dictionaries: by county, and by grid cell."""

    def __init__(self):
        self.by_county, self.by_cell = {}, {}

    def add(self, vacancies):
        for v in vacancies:
            c = to_candidate(v)
            if c.lat is None:
                self.by_county.setdefault(c.region_code[:6], []).append(c)
            else:
                self.by_county.setdefault(c.region_code[:6], []).append(c)
                key = (int(c.lat // GRID), int(c.lng // GRID))
                self.by_cell.setdefault(key, []).append(c)

    def candidates(self, region, prefs):
        home, km = prefs.get("home"), prefs.get("max_travel_km")
        county = self.by_county.get(region[:6], [])
        if not home or not km:
            return county
        low_lat, high_lat, low_lng, high_lng = bounding_box(home["lat"], home["lng"], km)
        found = [c for c in county if c.lat is None]
        for i in range(int(low_lat // GRID), int(high_lat // GRID) + 1):
            for j in range(int(low_lng // GRID), int(high_lng // GRID) + 1):
                found.extend(c for c in self.by_cell.get((i, j), ())
                             if low_lat <= c.lat <= high_lat and low_lng <= c.lng <= high_lng)
        return found


def time_memory(index, persons, repeat):
    runs, sizes = [], []
    for region, facts, prefs, declined in persons:
        facts = {**facts, "today": TODAY, "residence_region": region}
        times = []
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            candidates = index.candidates(region, prefs)
            match(facts, prefs, candidates, declined=declined, limit=10)
            times.append(((time.perf_counter() - started) * 1000,
                          (time.process_time() - cpu) * 1000))
        runs.append(times)
        sizes.append(len(candidates))
    return runs, sizes


# --- PostgreSQL ------------------------------------------------------------------------

def scratch_database(url, create=True):
    """Drop (and create again) the scratch database; only names ending in _bench."""
    name = url.rsplit("/", 1)[1]
    if not name.endswith("_bench"):
        raise SystemExit("refused: the scratch database name must end with _bench")
    admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(conn, table, columns, rows):
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def load_regions(conn, shipped, generated):
    copy_rows(conn, "regions", ("code", "name", "level", "parent_code"),
              ((code, name, level_of(code), parent) for code, name, parent in generated))
    all_pairs = [(code, parent) for code, _, parent in shipped + generated]
    shipped_codes = {code for code, _, _ in shipped}
    copy_rows(conn, "region_closure", ("ancestor_code", "descendant_code", "depth"),
              (r for r in closure_rows(all_pairs) if r[1] not in shipped_codes))


def load_employers(conn, rnd, counties, count):
    now = datetime.now(timezone.utc)
    rows = []
    for n in range(1, count + 1):
        county = rnd.choice(counties)
        body = f"91{county}MA{n:06d}X"
        rows.append((n, f"单位{n}", body + check_character(body), "small_micro_firm", county,
                     "地址", now, now))
    copy_rows(conn, "employers", ("id", "name", "credit_code", "kind", "region_code", "address",
                                  "created_at", "updated_at"), rows)
    return [r[0] for r in rows]


def load_vacancies(conn, vacancies):
    now = datetime.now(timezone.utc)
    copy_rows(conn, "vacancies", VACANCY_COLUMNS, (
        tuple(json.dumps(v[c], ensure_ascii=False) if c in ("required_skills", "suitable_for")
              else v[c] for c in VACANCY_COLUMNS[:-2]) + (now, now)
        for v in vacancies))
    conn.execute("ANALYZE vacancies")


def time_postgres(app, persons, repeat):
    from app.extensions import db
    from app.jobs.services import match_vacancies
    caller = SimpleNamespace(region_code="150000")
    runs, sizes = [], []
    with app.app_context():
        for region, facts, prefs, declined in persons[:20]:  # warm the pool and caches
            match_vacancies(caller, region, facts, prefs, declined, 10, TODAY)
            db.session.remove()
        for region, facts, prefs, declined in persons:
            times = []
            for _ in range(repeat):
                started, cpu = time.perf_counter(), time.process_time()
                result = match_vacancies(caller, region, facts, prefs, declined, 10, TODAY)
                db.session.remove()  # a new session per match, as per request
                times.append(((time.perf_counter() - started) * 1000,
                              (time.process_time() - cpu) * 1000))
            runs.append(times)
            sizes.append(result["considered"])
    return runs, sizes


def explain(app, region):
    from sqlalchemy import text
    from app.extensions import db
    from app.jobs.retrieval import candidate_query
    with app.app_context():
        sql = str(candidate_query(region, TODAY, facts={"age": 40}).compile(
            db.engine, compile_kwargs={"literal_binds": True}))
        plan = [r[0] for r in db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql))]
        db.session.remove()
    return plan


def settle_memory():
    """Move the generated data out of the cyclic collector's reach (gc.freeze): a web
    worker does not hold a million benchmark objects that every full collection would scan,
    so without this the timings would include pauses that only the benchmark causes."""
    gc.collect()
    gc.freeze()


# --- report ----------------------------------------------------------------------------

def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def line(label, runs, sizes):
    """Wall time of each person's first run and of their best run (other processes on a
    shared machine only ever add time), and this process's CPU time in that best run."""
    first = [r[0][0] for r in runs]
    best_runs = [min(r) for r in runs]
    best, cpu = [b[0] for b in best_runs], [b[1] for b in best_runs]
    print(f"  {label:<28} first p50 {pct(first, 50):6.2f} p99 {pct(first, 99):6.2f} | "
          f"best of {len(runs[0])} p50 {pct(best, 50):6.2f} p99 {pct(best, 99):6.2f} "
          f"max {max(best):6.2f} | cpu p50 {pct(cpu, 50):6.2f} p99 {pct(cpu, 99):6.2f} ms | "
          f"candidates mean {statistics.mean(sizes):5.0f} p99 {pct(sizes, 99):5.0f}")
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--group-counties", type=int, default=10)
    parser.add_argument("--database",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/imjy_jobs_bench")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs per person; the best filters out other processes' noise")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true",
                        help="time against the database an earlier --keep run left (the same "
                             "--seed and --vacancies), without loading it again; then only the "
                             "postgres lines for the first table size")
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    shipped, generated, communities, centre, counties = build_regions(rnd)
    print(f"regions: {len(counties)} counties, {len(generated)} generated townships and "
          f"communities")
    if not args.reuse:
        scratch_database(args.database)
    from app import create_app
    import flask_migrate
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.database)
    import logging
    logging.getLogger().setLevel(logging.WARNING)
    if args.reuse:  # the same random draws as the run that loaded it, nothing written
        employers = [n for n in range(1, 2001) if rnd.choice(counties)]
        vacancies = make_vacancies(rnd, args.vacancies, 1, communities, centre, employers)
        persons = make_persons(rnd, args.persons, communities, centre)
        print(f"\ntop-10 for {len(persons)} persons, {len(vacancies):,} vacancies, reused "
              f"database (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        line("postgres (fetch+engine+rows)", *time_postgres(app, persons, args.repeat))
        return
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))
    raw_url = args.database.replace("postgresql+psycopg", "postgresql")
    started = time.perf_counter()
    with psycopg.connect(raw_url) as conn:
        load_regions(conn, shipped, generated)
        employers = load_employers(conn, rnd, counties, 2000)
        vacancies = make_vacancies(rnd, args.vacancies, 1, communities, centre, employers)
        load_vacancies(conn, vacancies)
        conn.commit()
    print(f"loaded {len(vacancies):,} open vacancies in {time.perf_counter() - started:.1f} s")
    index = MemoryIndex()
    index.add(vacancies)
    settle_memory()

    persons = make_persons(rnd, args.persons, communities, centre)
    print(f"\ntop-10 for {len(persons)} persons across all counties, {len(vacancies):,} vacancies"
          f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    line("memory (engine + dict index)", *time_memory(index, persons, args.repeat))
    line("postgres (fetch+engine+rows)", *time_postgres(app, persons, args.repeat))
    league = [(r, f, {**p, "region_reach": "league", "max_travel_km": None}, d)
              for r, f, p, d in persons[:50]]
    line("postgres, league reach (50)", *time_postgres(app, league, args.repeat))

    group = rnd.sample(counties, args.group_counties)
    home_communities = [c for c in communities if c[:6] in group]
    others = [c for c in communities if c[:6] not in group]
    fixed = make_persons(rnd, max(200, args.persons // 2), home_communities, centre)
    print(f"\ngroup of {len(fixed)} persons in {len(group)} counties, before and after adding "
          f"{args.vacancies:,} vacancies in the other {len(counties) - len(group)} counties")
    before_mem = time_memory(index, fixed, args.repeat)
    before_db = time_postgres(app, fixed, args.repeat)
    extra = make_vacancies(rnd, args.vacancies, args.vacancies + 1, others, centre, employers)
    with psycopg.connect(raw_url) as conn:
        load_vacancies(conn, extra)
        conn.commit()
    index.add(extra)
    settle_memory()
    after_mem = time_memory(index, fixed, args.repeat)
    after_db = time_postgres(app, fixed, args.repeat)
    line(f"memory, {args.vacancies:,}", *before_mem)
    line(f"memory, {2 * args.vacancies:,}", *after_mem)
    before = line(f"postgres, {args.vacancies:,}", *before_db)
    after = line(f"postgres, {2 * args.vacancies:,}", *after_db)
    print(f"  postgres best-of ratio after/before: p50 {pct(after, 50) / pct(before, 50):.2f}, "
          f"p99 {pct(after, 99) / pct(before, 99):.2f} (load average {os.getloadavg()[0]:.1f})")

    print("\ncandidate query plan (one county, age 40):")
    for row in explain(app, fixed[0][0]):
        print("  " + row)
    if not args.keep:
        from app.extensions import db
        with app.app_context():
            db.engine.dispose()
        scratch_database(args.database, create=False)


if __name__ == "__main__":
    main()
