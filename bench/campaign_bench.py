"""Campaign bench: expand a 100,000-recipient campaign into the push outbox on PostgreSQL.

    .venv/bin/python -m bench.campaign_bench [--persons 100000] [--batch 5000] [--keep] \\
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] \\
        [--database imjy_campaign_bench]

Creates the scratch database (dropped at the end unless --keep), migrates and seeds the
demo, then loads N persons, each with a person account, a consent, a certification
application and a live certification, with COPY (no ORM objects). A city administrator
creates a campaign for every certified person in the city (one API call: it counts the
segment), and `services.run_due()` (what `flask push campaigns run` calls) expands it.
Target (issue 3): ≤ 60 s for 100,000 recipients. Not a test: it prints the timings.
Then it kills nothing but checks resumability: the cursor is reset to 0 as after a crash
before the first commit, the expansion runs again and must insert 0 rows.

Measured 2026-11-28 on the shared 2-CPU machine (PostgreSQL 15, batch 5000): 100,000
messages queued in 35.6 s (load average 8.1) and 19.5 s (load 5.2); a resumed run after a
simulated crash inserted 0 rows in 4-7 s.
"""
import argparse
import os
import time
from datetime import date, timedelta

import psycopg
from sqlalchemy import func, select, update

from app import create_app
from app.campaigns import services
from app.campaigns.models import Campaign
from app.core.clock import utcnow
from app.core.types import field_cipher
from app.extensions import db
from app.wechat.models import PushMessage
from tests.builders.http import auth, staff_token
from tests.support.database import prepare_database

CITY = "150100"
OFFSET = 1_000_000  # ids of bench rows start here (demo rows stay below)


def _copy(conn, table, columns, rows):
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def load_people(raw_url, count):
    """Persons, accounts, consents, applications and live certifications, by COPY."""
    sealed = field_cipher().encrypt("bench")  # the same ciphertext for every sealed column
    now = utcnow()
    today = date.today()
    with psycopg.connect(raw_url) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT descendant_code FROM region_closure WHERE ancestor_code = %s "
                        "AND length(descendant_code) = 12", (CITY,))
            regions = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT id FROM stations ORDER BY id LIMIT 1")
            station = cur.fetchone()[0]
        ids = range(OFFSET, OFFSET + count)
        _copy(conn, "person_accounts", ["id", "openid", "active", "token_version",
                                        "created_at"],
              ((i, f"bench-{i}", True, 1, now) for i in ids))
        _copy(conn, "persons",
              ["id", "person_account_id", "name", "id_number", "id_number_index",
               "birth_date", "gender", "residence_region_code", "skills", "trades_trained",
               "skill_certificates", "wants", "public_welfare_placements", "created_by",
               "created_at", "updated_at"],
              ((i, i, sealed, sealed, f"bench{i}", date(1970, 1, 1) + timedelta(days=i % 9000),
                "male" if i % 2 else "female", regions[i % len(regions)], "[]", "[]", "[]",
                '["job"]' if i % 3 else '["training"]', 0, "bench", now, now) for i in ids))
        _copy(conn, "legal_bases",
              ["id", "person_id", "basis", "purpose", "channel", "notice_version", "given_by",
               "recorded_by", "recorded_at"],
              ((i, i, "consent", "certification", "station_paper", "2025-01", "self",
                "bench", now) for i in ids))
        _copy(conn, "cert_applications",
              ["id", "person_id", "status", "channel", "station_id", "region_code",
               "entered_by", "consent_id", "commitment_channel", "commitment_version",
               "commitment_signed_at", "claimed_categories", "detected_categories",
               "rules_version", "deadline_estimated", "resubmissions", "submitted_at",
               "updated_at"],
              ((i, i, "certified", "station", station, regions[i % len(regions)], "bench", i,
                "paper", "2025-01", now, '["older"]', '["older"]', "bench", False, 0, now,
                now) for i in ids))
        _copy(conn, "certifications",
              ["id", "person_id", "application_id", "region_code", "categories",
               "rules_version", "status", "starts_on", "next_recheck_on", "created_at"],
              ((i, i, i, regions[i % len(regions)], '["older"]', "bench", "active", today,
                today + timedelta(days=365), now) for i in ids))
        with conn.cursor() as cur:
            for table in ("person_accounts", "persons", "legal_bases", "cert_applications",
                          "certifications"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
                cur.execute(f"ANALYZE {table}")
        conn.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=services.DEFAULT_BATCH)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="imjy_campaign_bench")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    if args.database in ("test", "postgres") or not args.database.startswith("imjy_"):
        raise SystemExit("use a scratch database named imjy_*")
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    raw_url = args.admin_url.rsplit("/", 1)[0] + "/" + args.database
    url = raw_url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        app = create_app("development", SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING",
                         RATELIMIT_ENABLED=False)
        prepare_database(app)
        with app.app_context():
            started = time.perf_counter()
            load_people(raw_url, args.persons)
            loaded = time.perf_counter() - started
            client = app.test_client()
            now = utcnow()
            started = time.perf_counter()
            response = client.post("/api/v1/push/campaigns", headers=auth(
                staff_token(client, "city_hhht")), json={
                "title": "bench", "kind": "campaign_invitation", "region_code": CITY,
                "person_status": "certified", "category": "older",
                "values": {"campaign": "春风行动专场招聘会", "starts_at": "2027-02-20 09:00",
                           "location": "新城区人力资源市场"},
                "not_before": (now - timedelta(minutes=1)).isoformat(),
                "not_after": (now + timedelta(days=7)).isoformat()})
            created = time.perf_counter() - started
            assert response.status_code == 201, response.get_json()
            campaign_id = response.get_json()["id"]
            matched = response.get_json()["matched_at_creation"]
            started = time.perf_counter()
            done = services.run_due(batch_size=args.batch)
            expanded = time.perf_counter() - started
            db.session.remove()
            rows = db.session.scalar(select(func.count()).select_from(PushMessage)
                                     .where(PushMessage.campaign_id == campaign_id))
            # resumability: as if the run crashed before its first commit, run it again
            db.session.execute(update(Campaign).where(Campaign.id == campaign_id)
                               .values(status="expanding", cursor_person_id=0))
            db.session.commit()
            started = time.perf_counter()
            again = services.expand_campaign(campaign_id, args.batch)
            rerun = time.perf_counter() - started
            rows_after = db.session.scalar(select(func.count()).select_from(PushMessage)
                                           .where(PushMessage.campaign_id == campaign_id))
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    load = os.getloadavg()
    print(f"\n{os.cpu_count()} CPUs; load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")
    print(f"loaded {args.persons} persons (+accounts, consents, applications, "
          f"certifications) by COPY in {loaded:.1f}s")
    print(f"create campaign (API, counts the segment): {created:.2f}s, matched {matched}")
    print(f"expand (batch {args.batch}): {done.get(campaign_id)} messages in {expanded:.2f}s "
          f"= {rows / expanded:.0f} msgs/s; target <= 60 s for 100,000")
    print(f"resume after a simulated crash: {again} inserted in {rerun:.2f}s; rows "
          f"{rows} -> {rows_after} (no duplicates)")


if __name__ == "__main__":
    main()
