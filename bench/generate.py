"""Deterministic synthetic data at the region's scale, written through bulk paths (COPY).

    .venv/bin/python -m bench.generate --persons 1000000 \
        --database-url postgresql://postgres@127.0.0.1:5432/imjy_bench

Drops and re-creates the schema through the Alembic migrations, loads the demo seed, then
COPYs the synthetic rows. Same --seed, same data. Never committed: it is generated.
"""
import argparse
import random
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import text

from bench.preflight import require_database, require_disk
from bench.scenarios import DEFAULT_DB

ROOT = Path(__file__).resolve().parents[1]


def _copy(conn, table, columns, rows):
    """COPY rows (an iterable of tuples) into table through psycopg 3."""
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def reset_schema(app):
    from app.extensions import db
    from app.seed import seed_demo
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        seed_demo()


def person_account_rows(count, rng, now):
    for i in range(1, count + 1):
        yield (f"bench{i:010d}", None, True, 1, now, now if rng.random() < 0.6 else None)


def generate(database_url, persons, seed):
    from app import create_app
    from app.core.clock import utcnow
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    started = time.monotonic()
    reset_schema(app)
    rng = random.Random(seed)
    now = utcnow()
    with app.app_context(), db.engine.begin() as conn:
        _copy(conn, "person_accounts",
              ["openid", "unionid", "active", "token_version", "created_at", "last_login_at"],
              person_account_rows(persons, rng, now))
        conn.execute(text("ANALYZE"))
    print(f"generated {persons:,} person accounts in {time.monotonic() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    args = parser.parse_args()
    if args.persons < 1:
        raise SystemExit("--persons must be at least 1")
    url = require_database(args.database_url)
    require_disk(url, args.persons)
    generate(url, args.persons, args.seed)


if __name__ == "__main__":
    main()
