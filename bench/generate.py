"""Deterministic synthetic data at the region's scale, written through bulk paths (COPY).

    .venv/bin/python -m bench.generate --persons 1000000 \
        --database-url postgresql://postgres@127.0.0.1:5432/imjy_bench

Drops and re-creates the schema through the Alembic migrations and loads the demo seed,
then COPYs synthetic rows into every table that holds people or their cases: townships and
communities under all 103 banners/counties, one doorstep station per township, person
accounts, households (some zero-employment), persons (valid ID numbers of real Inner
Mongolia division codes, encrypted identity and blind indexes), their legal bases,
applications in every state with their events, certifications (active and exited),
employers with valid credit codes, vacancies, push subscriptions and messages. Same --seed,
same data. Never committed: it is generated.

A new table that holds people or cases must get a writer here: `check_coverage` refuses to
run while any table the models define is neither written here nor reference/seed data.
"""
import argparse
import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import text

from bench import bench_matching
from bench.bench_matching import OCCUPATION_CODES as OCCUPATIONS
from bench.bench_matching import build_regions, load_regions, make_vacancies
from bench.preflight import require_database, require_disk
from bench.scenarios import DEFAULT_DB

ROOT = Path(__file__).resolve().parents[1]
TODAY = date.today()
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文巴特"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建国桂兰海燕日娜苏和巴图乌兰其其格额尔敦宝音"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Not written here: reference data (migrations, seed), runtime-only tables, or tables a
# benchmark scenario fills by itself.
NOT_GENERATED = {"regions", "region_closure", "audit_head", "audit_entries", "alembic_version",
                 "policy_versions", "calendar_years", "cert_region_settings", "wechat_tokens",
                 "idempotency_records", "auth_sessions", "cert_evidence", "cert_objections",
                 "push_attempts", "household_members",
                 # a few rows that staff create; campaign_bench and the scenarios make their own
                 "push_campaigns", "recruitment_events", "recruitment_event_vacancies",
                 # codes are issued on demand; bench.scenarios issues the ones it scans
                 "personal_codes", "code_devices", "retired_printed_tokens",
                 # a few rows security admins create; counters the limiter writes and expires
                 "staff_grant_requests", "rate_limit_counters",
                 # rare (a relative acting for a person) and read by no bench row
                 "proxy_links",
                 # wave 2: the help loop, subsidies and partner lists start empty here; their
                 # own benches (bench_tracking, bench_money, bench_partners) build their data
                 "tracking_cases", "tracking_contacts", "tracking_digests",
                 "tracking_exit_proposals", "tracking_follow_ups", "tracking_hires",
                 "tracking_region_settings", "tracking_tasks", "tracking_zero_households",
                 "money_bank_returns", "money_batches", "money_claim_events",
                 "money_claim_lines", "money_claims", "money_funds", "money_ledger_entries",
                 "money_payments", "money_placements", "money_post_settlements", "money_posts",
                 "partner_import_problems", "partner_imports", "partner_records",
                 "tax_relief_proofs", "stats_targets", "money_claim_evidence",
                 "money_region_settings", "partner_dibao_phase_outs", "partner_invitations",
                 "tracking_case_handovers", "tracking_digest_links",
                 # the statistics' rollups, counted from the generated rows by `rebuild` at
                 # the end (COPY bypasses the listeners that keep them)
                 "stats_rollup", "stats_dirty"}


def _copy(conn, table, columns, rows):
    """COPY rows (tuples in `columns` order) into table through psycopg 3; returns the count."""
    count = 0
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _id_number(address, born, sequence):
    first17 = f"{address}{born:%Y%m%d}{sequence:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def _birth_date(rng):
    """A realistic mix for people with employment difficulty: many in their 40s and 50s."""
    age = min(64, max(16, int(rng.triangular(18, 64, 50))))
    return TODAY - timedelta(days=age * 365 + rng.randint(0, 364))


def reset_schema(app):
    from app.extensions import db
    from app.seed import seed_demo
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        seed_demo()


# What the Generator writes (checked against what it did write at the end of a run).
GENERATED = frozenset({
    "stations", "staff_accounts", "person_accounts", "households", "persons", "legal_bases",
    "cert_applications", "cert_application_events", "certifications", "push_messages",
    "push_subscriptions", "employers", "vacancies", "benefits", "job_preferences",
    "job_recommendations"})


def check_coverage(metadata, written=GENERATED):
    """Refuse a schema with a table that is neither generated nor declared empty: checked
    before any work (a 1M run once wrote for minutes, then rolled back on this) and again
    against what the run really wrote."""
    missing = sorted(set(metadata.tables) - written - NOT_GENERATED)
    if missing:
        raise SystemExit(f"bench.generate writes no rows for: {', '.join(missing)}")


class Generator:
    def __init__(self, app, conn, rng, persons):
        self.app, self.conn, self.rng, self.total = app, conn, rng, persons
        self.cipher = app.extensions["field_cipher"]
        self.index_key = app.config["BLIND_INDEX_KEY"]
        self.now = None
        self.written = set()

    def copy(self, table, columns, rows):
        self.written.add(table)
        started = time.monotonic()
        count = _copy(self.conn, table, columns, rows)
        print(f"  {table:<26}{count:>11,} rows {time.monotonic() - started:7.1f} s", flush=True)
        return count

    def next_id(self, table):
        return self.conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]

    def regions_and_stations(self):
        shipped, generated, communities, centre, counties = build_regions(self.rng)
        # The demo seed already added a few townships/communities: count them as loaded.
        loaded = {row[0]: row for row in self.conn.execute(
            "SELECT code, name, parent_code FROM regions").fetchall()}
        shipped = shipped + [loaded[code] for code in loaded.keys() - {c for c, _, _ in shipped}]
        shipped.sort(key=lambda row: len(row[0]))  # parents before children
        generated = [row for row in generated if row[0] not in loaded]
        load_regions(self.conn, shipped, generated)
        townships = sorted({community[:9] for community in communities})
        first = self.next_id("stations")
        self.copy("stations", ("id", "name", "kind", "region_code", "address", "opening_hours",
                               "phone"),
                  ((first + i, f"家门口就业服务站{code}", "doorstep", code, "社区服务中心",
                    "周一至周五 9:00-17:00", "0471-6900000") for i, code in enumerate(townships)))
        self.station_of = {code: first + i for i, code in enumerate(townships)}
        # One station staff member per station; one password hash serves them all.
        password_hash = self.app.extensions["password_hasher"].hash("Bench@2025")
        self.copy("staff_accounts", ("username", "display_name", "password_hash", "role",
                                     "region_code", "station_id", "active", "token_version",
                                     "failed_logins", "totp_enabled", "created_at"),
                  ((f"bench_station_{code}", "服务站", password_hash, "station_staff", code,
                    self.station_of[code], True, 1, 0, False, self.now) for code in townships))
        self.communities, self.centre, self.counties = communities, centre, counties

    def people(self):
        from app.core.crypto import blind_index, normalize_for_index
        rng, now, n = self.rng, self.now, self.total
        first_account, first_household = self.next_id("person_accounts"), self.next_id("households")
        first_person = self.next_id("persons")
        accounts, households, persons, bases = [], [], [], []
        household_id, left_in_household = first_household - 1, 0
        used_numbers = set()
        for i in range(n):
            region = rng.choice(self.communities)
            if left_in_household == 0:
                household_id += 1
                left_in_household = rng.choice((1, 2, 2, 3, 3, 4))
                zero = rng.random() < 0.04
                households.append((household_id, region, left_in_household, False, now))
            left_in_household -= 1
            account_id = first_account + len(accounts) if rng.random() < 0.7 else None
            if account_id:
                accounts.append((account_id, f"bench{account_id:012d}", True, 1, now, now))
            born = _birth_date(rng)
            sequence = rng.randint(0, 999)
            while (region[:6], born, sequence) in used_numbers:  # ID numbers are unique
                sequence = (sequence + 1) % 1000
            used_numbers.add((region[:6], born, sequence))
            number = _id_number(region[:6], born, sequence)
            gender = "male" if int(number[16]) % 2 else "female"
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}" if rng.random() < 0.85 else None
            registered = rng.random() < 0.8
            sensitive = {}
            if rng.random() < 0.15:
                sensitive["dibao"] = True
            if rng.random() < 0.08:
                sensitive.update(disability_certificate=True, disability_level=rng.randint(1, 4),
                                 disability_type=rng.choice(("physical", "hearing", "visual", "speech")))
            person_id = first_person + i
            persons.append((
                person_id, account_id,
                self.cipher.encrypt(rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))),
                self.cipher.encrypt(number), blind_index(normalize_for_index(number), self.index_key),
                born, gender, self.cipher.encrypt(phone) if phone else None,
                blind_index(phone, self.index_key) if phone else None, region, household_id,
                True, TODAY - timedelta(days=rng.randint(200, 7000)),
                "unemployed" if registered or zero else rng.choice(("flexible", "employed")),
                registered, TODAY - timedelta(days=rng.randint(30, 1500)) if registered else None,
                rng.randint(0, 240), rng.random() < 0.3,
                self.cipher.encrypt(json.dumps(sensitive, sort_keys=True)) if sensitive else None,
                rng.random() < 0.03, rng.choice(("junior", "senior", "vocational", "college")),
                json.dumps(rng.sample(("电工", "焊工", "保洁", "厨师", "驾驶", "缝纫", "养殖"), rng.randint(0, 2)),
                           ensure_ascii=False),
                "[]", "[]", json.dumps(rng.sample(("job", "startup", "training"), rng.randint(1, 2))),
                0, "bench", now, now))
            bases.append((person_id, "consent", "certification", "station_paper", "2025-01", "self",
                          "bench", now))
        self.copy("person_accounts", ("id", "openid", "active", "token_version", "created_at",
                                      "last_login_at"), accounts)
        self.copy("households", ("id", "region_code", "registered_size", "business_income",
                                 "updated_at"), households)
        self.copy("persons", PERSON_COLUMNS, persons)
        first_basis = self.next_id("legal_bases")
        self.copy("legal_bases", ("person_id", "basis", "purpose", "channel", "notice_version",
                                  "given_by", "recorded_by", "recorded_at"), bases)
        self.persons = [(p[0], p[9], p[1], first_basis + k) for k, p in enumerate(persons)]

    def cases(self):
        """One application per person, in every state; certifications for the certified."""
        rng, now = self.rng, self.now
        first_app, first_cert = self.next_id("cert_applications"), self.next_id("certifications")
        apps, events, certs, messages = [], [], [], []
        self.certified = []
        states = (["certified"] * 60 + ["rejected"] * 6 + ["withdrawn"] * 3 + ["submitted"] * 7 +
                  ["station_check"] * 7 + ["township_review"] * 7 + ["county_decision"] * 5 +
                  ["returned"] * 4 + ["public_notice"])
        for k, (person_id, region, account_id, basis_id) in enumerate(self.persons):
            app_id = first_app + k
            status = rng.choice(states)
            category = rng.choice(("older", "older", "long_term_unemployed", "disabled",
                                   "zero_employment_household", "land_lost"))
            submitted = now - timedelta(days=rng.randint(1, 700))
            open_ = status not in ("certified", "rejected", "withdrawn")
            apps.append((app_id, person_id, status, rng.choice(("self", "station", "station")),
                         self.station_of[region[:9]], region, f"person:{person_id}", basis_id,
                         "app", "2025-01", submitted, json.dumps([category]),
                         json.dumps([category]), "nm-2019.1",
                         submitted if open_ else None,
                         (TODAY + timedelta(days=rng.randint(-5, 3))) if open_ else None,
                         False, 0, submitted, now, None if open_ else now))
            events.append((app_id, "submit", None, "submitted", f"person:{person_id}", submitted))
            if not open_:
                events.append((app_id, "county_certify" if status == "certified" else
                               "county_reject" if status == "rejected" else "withdraw",
                               "county_decision", status, "staff:1", now))
            if status == "certified":
                self.certified.append((person_id, region))
                exited = rng.random() < 0.1
                starts = (submitted + timedelta(days=10)).date()
                certs.append((first_cert + len(certs), person_id, app_id, region,
                              json.dumps([category]), "nm-2019.1", "exited" if exited else "active",
                              starts, starts + timedelta(days=365),
                              TODAY if exited else None, "employed" if exited else None, now))
                if account_id:
                    messages.append((f"cert:{app_id}:bench:{account_id}", "application_result",
                                     account_id, "demo-tmpl-application-result",
                                     self.cipher.encrypt('{"v":1,"data":{},"sms":{}}'),
                                     "sent", "wechat", False, 1, 1, now, now, now))
        self.copy("cert_applications", APPLICATION_COLUMNS, apps)
        self.copy("cert_application_events", ("application_id", "action", "from_status",
                                               "to_status", "actor", "occurred_at"), events)
        self.copy("certifications", CERTIFICATION_COLUMNS, certs)
        self.copy("push_messages", ("dedupe_key", "kind", "person_account_id", "template_id",
                                    "payload", "status", "channel", "quota_held", "attempt_count",
                                    "channel_attempts", "next_attempt_at", "created_at",
                                    "updated_at"), messages)
        subscribers = [m[2] for m in messages[: len(messages) // 3]]
        self.copy("push_subscriptions", ("person_account_id", "template_id", "quota",
                                         "accepted_total", "updated_at"),
                  ((a, "demo-tmpl-job-recommendation", 1, 1, now) for a in subscribers))

    def jobs(self, vacancies):
        from app.jobs.creditcode import check_character
        rng, now = self.rng, self.now
        first_employer = self.next_id("employers")
        employers = []
        for n in range(max(1, vacancies // 5)):
            county = rng.choice(self.counties)
            body = f"92{county}MA{first_employer + n:07d}"[:17]
            employers.append((first_employer + n, f"单位{n}", body + check_character(body),
                              "small_micro_firm", county, "地址", now, now))
        self.copy("employers", ("id", "name", "credit_code", "kind", "region_code", "address",
                                "created_at", "updated_at"), employers)
        bench_matching.TODAY = TODAY  # its vacancy dates are relative to this module global
        first_vacancy = self.next_id("vacancies")
        rows = make_vacancies(rng, vacancies, first_vacancy, self.communities,
                              self.centre, [e[0] for e in employers])
        self.vacancy_ids = (first_vacancy, first_vacancy + vacancies - 1)
        self.copy("vacancies", VACANCY_COLUMNS, (
            tuple(json.dumps(v[c], ensure_ascii=False) if c in ("required_skills", "suitable_for")
                  else v[c] for c in VACANCY_COLUMNS[:-2]) + (now, now) for v in rows))


PERSON_COLUMNS = ("id", "person_account_id", "name", "id_number", "id_number_index", "birth_date",
                  "gender", "phone", "phone_index", "residence_region_code", "household_id",
                  "urban_resident", "residence_since", "employment_status",
                  "registered_unemployed", "unemployment_registered_on",
                  "social_insurance_months", "unemployment_insured", "sensitive_sealed",
                  "land_lost", "education", "skills", "trades_trained", "skill_certificates",
                  "wants", "public_welfare_placements", "created_by", "created_at", "updated_at")
APPLICATION_COLUMNS = ("id", "person_id", "status", "channel", "station_id", "region_code",
                       "entered_by", "consent_id", "commitment_channel", "commitment_version",
                       "commitment_signed_at", "claimed_categories", "detected_categories",
                       "rules_version", "step_started_at", "step_deadline", "deadline_estimated",
                       "resubmissions", "submitted_at", "updated_at", "closed_at")
CERTIFICATION_COLUMNS = ("id", "person_id", "application_id", "region_code", "categories",
                         "rules_version", "status", "starts_on", "next_recheck_on", "exited_on",
                         "exit_reason", "created_at")
VACANCY_COLUMNS = ("id", "employer_id", "title", "occupation_code", "region_code", "county_code",
                   "address", "lat", "lng", "salary_min", "salary_max", "hours_kind", "headcount",
                   "filled_count", "min_age", "max_age", "education_min", "required_skills",
                   "physical_demand", "suitable_for", "caring_job", "public_welfare_post",
                   "opens_on", "closes_on", "status", "created_at", "updated_at")


BENEFIT_POLICIES = ("social_insurance_subsidy_flexible", "public_welfare_post",
                    "unemployment_insurance_benefit", "vocational_training_subsidy")
REC_STATUSES = ("recommended", "recommended", "viewed", "applied", "interviewed", "hired",
                "declined")


def write_follow_up(gen):
    """Benefits, job preferences and recommendations of certified persons."""
    rng, now = gen.rng, gen.now
    benefits, preferences, recommendations = [], [], []
    low, high = gen.vacancy_ids
    for person_id, region in gen.certified:
        if rng.random() < 0.35:
            starts = TODAY - timedelta(days=rng.randint(10, 1000))
            ends = starts + timedelta(days=rng.choice((365, 730, 1095)))
            benefits.append((person_id, rng.choice(BENEFIT_POLICIES), starts, None, ends, region,
                             "bench", "2025.1", "staff:1", now, now))
        if rng.random() < 0.3:
            preferences.append((person_id, json.dumps(rng.sample(OCCUPATIONS, 2)),
                                json.dumps(["full_time"]), rng.randrange(2000, 5000, 500),
                                rng.choice((5.0, 10.0, None)), "county", now))
        if rng.random() < 0.25 and high >= low:
            status = rng.choice(REC_STATUSES)
            recommendations.append((person_id, rng.randint(low, high), region, status, True, 50,
                                    "personal" if status == "declined" else None, "staff:1",
                                    now, now))
    gen.copy("benefits", ("person_id", "policy", "starts_on", "ends_on", "due_on", "region_code",
                          "source", "catalog_version", "approved_by", "created_at",
                          "updated_at"), benefits)
    gen.copy("job_preferences", ("person_id", "occupations", "hours", "min_salary",
                                 "max_travel_km", "region_reach", "updated_at"), preferences)
    gen.copy("job_recommendations", ("person_id", "vacancy_id", "region_code", "status",
                                     "suitable", "score", "decline_reason", "recommended_by",
                                     "created_at", "updated_at"), recommendations)


def _sync_sequences(conn, metadata):
    for table in metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.type.python_type is int:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                         f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1))")


def _revision_triggers(conn, action):
    """Generated persons start at revision 0 with nothing cached, so the triggers that bump
    persons.revision (migration 0010) would only cost millions of UPDATEs: off while loading."""
    from app.people.models import PERSON_DATA_TABLES
    for table in PERSON_DATA_TABLES:
        name = "persons_revision" if table == "persons" else f"{table}_person_revision"
        conn.execute(f"ALTER TABLE {table} {action} TRIGGER {name}")


def generate(database_url, persons, seed, vacancies=100_000):
    from app import create_app
    from app.core.clock import utcnow
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    check_coverage(db.metadata)
    started = time.monotonic()
    reset_schema(app)
    print(f"schema migrated and demo seeded in {time.monotonic() - started:.1f} s", flush=True)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            conn = raw.driver_connection
            _revision_triggers(conn, "DISABLE")
            gen = Generator(app, conn, random.Random(seed), persons)
            gen.now = utcnow()
            gen.regions_and_stations()
            gen.people()
            gen.cases()
            gen.jobs(vacancies)
            write_follow_up(gen)
            if gen.written != GENERATED:
                raise SystemExit(f"bench.generate wrote {sorted(gen.written ^ GENERATED)} "
                                 "unlike its GENERATED list")
            _sync_sequences(conn, db.metadata)
            _revision_triggers(conn, "ENABLE")
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
        finally:
            raw.close()
        from app.stats.rollup import rebuild
        started_rollup = time.monotonic()
        rebuild()
        db.session.commit()
        print(f"statistics rollups counted in {time.monotonic() - started_rollup:.1f} s",
              flush=True)
    print(f"generated {persons:,} persons and {vacancies:,} vacancies in "
          f"{time.monotonic() - started:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    args = parser.parse_args()
    if args.persons < 1 or args.vacancies < 0:
        raise SystemExit("--persons must be at least 1 and --vacancies not negative")
    url = require_database(args.database_url)
    require_disk(url, args.persons)
    generate(url, args.persons, args.seed, args.vacancies)


if __name__ == "__main__":
    main()
