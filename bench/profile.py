"""One bench row under cProfile, in process: where a request's time goes.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imjy_bench \\
        .venv/bin/python -m bench.profile scan --requests 300 --top 30

Rows (as in `make bench`): me, overview (the same persons again and again), first_view (the
overview, each request a different person whose data just changed), resolve (the same codes
again), scan (each request a different person of the scanning staff member's area), matches,
submit. The fixtures are made exactly as bench/scenarios.py makes them; the requests go
through Flask's test client (no gunicorn, no network), WARMUP of them unprofiled first. Prints
SQL statements and CPU ms per request (the same measures as the bench table) and the top
functions by own time and by cumulative time.
"""
import argparse
import cProfile
import io
import logging
import os
import pstats
import tempfile
import time

from bench import scenarios
from bench.preflight import require_database

WARMUP = 20
ROWS = ("me", "overview", "first_view", "resolve", "scan", "matches", "submit")


def _requests(row, database_url, count):
    """[(method, path, token, body)] for `count` requests of the row."""
    from sqlalchemy import create_engine

    if row in ("me", "overview", "resolve"):
        if row == "me":
            with create_engine(database_url).connect() as conn:
                ids = scenarios._person_ids(conn, scenarios.TOKENS)
            tokens = scenarios._person_tokens(database_url, ids)
            pairs = [(t, None) for t in tokens]
        else:
            tokens, printed, staff_tokens = scenarios._code_fixtures(database_url)
            pairs = [(t, None) for t in tokens] if row == "overview" else [
                (s, {"content": c, "purpose": "employment_service"})
                for s, c in zip(staff_tokens, printed)]
        pairs = [pairs[i % len(pairs)] for i in range(count)]
    elif row == "first_view":
        pairs = [(t, None) for t, _ in scenarios.first_view_fixtures(database_url, count)]
    elif row == "scan":
        import json
        pairs = [(t, json.loads(b)) for t, b in scenarios.scan_fixtures(database_url, count)]
    elif row == "matches":
        with create_engine(database_url).connect() as conn:
            ids = scenarios._registered_accounts(conn, scenarios.MATCH_PERSONS)
        tokens = scenarios._match_tokens(database_url, ids)
        pairs = [(tokens[i % len(tokens)], None) for i in range(count)]
    else:
        import json
        tokens, bodies = scenarios._submit_fixtures(database_url, count)
        pairs = [(t, json.loads(b)) for t, b in zip(tokens, bodies)]
    path = {"me": "/api/v1/auth/wechat/me", "overview": "/api/v1/me/overview",
            "first_view": "/api/v1/me/overview", "resolve": "/api/v1/codes/resolve",
            "scan": "/api/v1/codes/resolve", "matches": "/api/v1/jobs/matches/me",
            "submit": "/api/v1/certification/my/applications"}[row]
    return [("POST" if body is not None else "GET", path, token, body) for token, body in pairs]


def _send(client, request, n):
    method, path, token, body = request
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"profile-{time.time_ns()}-{n}"}
    response = client.open(path, method=method, headers=headers, json=body)
    if response.status_code >= 300:
        raise SystemExit(f"{method} {path} answered {response.status_code}: "
                         f"{response.get_data(as_text=True)[:300]}")


def _print_statements(client, request):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))
    event.listen(Engine, "before_cursor_execute", note)
    try:
        _send(client, request, -1)
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    print(f"\n== the {len(seen)} statements of one request")
    for n, statement in enumerate(seen, 1):
        print(f"{n:3}. {statement[:220]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("row", choices=ROWS)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profiler", action="store_true",
                        help="only the statements and CPU per request, without cProfile's cost")
    parser.add_argument("--sql", action="store_true",
                        help="also print the statements of the last request, one a line")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 scenarios.DEFAULT_DB))
    args = parser.parse_args()
    database_url = require_database(args.database_url)
    requests = _requests(args.row, database_url, args.requests + WARMUP)
    if len(requests) <= WARMUP:
        raise SystemExit(f"only {len(requests)} requests could be prepared")

    from app import create_app
    from app.core.benchstats import read_statement_counts

    stats_dir = tempfile.mkdtemp(prefix="bench-profile-")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url,
                     BENCH_STATS_DIR=stats_dir,
                     RATELIMIT_CODE_RESOLVE_STAFF="10000000/minute",
                     RATELIMIT_CODE_RESOLVE_IP="10000000/minute")
    logging.getLogger("app.request").setLevel(logging.WARNING)  # one line per request otherwise
    client = app.test_client()
    for n, request in enumerate(requests[:WARMUP]):
        _send(client, request, n)
    measured = requests[WARMUP:-1] if args.sql else requests[WARMUP:]
    statements = sum(read_statement_counts(stats_dir).values())
    profiler = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    if not args.no_profiler:
        profiler.enable()
    for n, request in enumerate(measured, WARMUP):
        _send(client, request, n)
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statements = sum(read_statement_counts(stats_dir).values()) - statements
    count = len(measured)
    print(f"{args.row}: {count} requests, {statements / count:.2f} SQL statements/request, "
          f"CPU {1000 * cpu / count:.2f} ms/request"
          f"{'' if args.no_profiler else ' (under the profiler)'}, "
          f"wall {1000 * wall / count:.2f} ms/request")
    if args.sql:
        _print_statements(client, requests[-1])
    for order in () if args.no_profiler else ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"\n== top {args.top} by {order}")
        print(out.getvalue().strip())


if __name__ == "__main__":
    main()
