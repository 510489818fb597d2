"""Where a push worker's time goes: one worker in this process against the fake WeChat.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imjy_push_scratch \\
        .venv/bin/python -m bench.push_profile [--messages 2000] [--profile out.prof] \\
        [--fake-server keepalive|gunicorn|werkzeug] [--show-sql N]

The database is WIPED and migrated, as by bench/push_bench.py: give it one you can lose.
Unlike the bench it measures cost rather than rate, so it stays meaningful on a busy
machine: worker CPU per message (time.process_time), SQL statements and commits per message
(SQLAlchemy events), the worker CPU by step (claim, begin, send, outcome), and the CPU the
fake WeChat server and this database's PostgreSQL backends spent per message (/proc).
With --profile the delivery runs under cProfile timed by CPU rather than wall clock (waits
for the database or WeChat do not count) and the statistics are written to the file.
"""
import argparse
import cProfile
import os
import pstats
import time

from sqlalchemy import event, text

from app import create_app
from app.extensions import db
from app.wechat.worker import build_worker
from bench.push_bench import (APPID, FAKE_SERVERS, KIND, SECRET, delivered, enqueue,
                              run_fake_server, setup_people)
from config import normalize_database_url
from tests.support.database import prepare_database
from tests.support.servers import FakeWeChatControl

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid):
    """User + system CPU seconds of a process (0 when it is gone or not readable)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def fake_pids():
    """The fake's processes (gunicorn: master and worker), children of this process."""
    out = []
    for child in children(os.getpid()):
        out.append(child)
        out.extend(children(child))
    return out


def backend_pids(database):
    with db.engine.connect() as conn:
        return conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                            {"d": database}).all()


PHASES = ("claim", "_begin", "_send", "_record_outcome")


def time_phases(worker):
    """Wrap the worker's steps to sum their CPU time (time.process_time) by name."""
    spent = dict.fromkeys(PHASES, 0.0)

    def timed(name, method):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - started
        return wrapper
    for name in PHASES:
        setattr(worker, name, timed(name, getattr(worker, name)))
    return spent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--fake-server", choices=FAKE_SERVERS, default="keepalive")
    parser.add_argument("--profile", help="write cProfile statistics to this file")
    parser.add_argument("--show-sql", type=int, default=0, metavar="N",
                        help="print the first N SQL statements the worker ran")
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgres"):
        raise SystemExit("set BENCH_DATABASE_URL (or --database-url) to a PostgreSQL database")
    database_url = normalize_database_url(args.database_url)
    database = database_url.rsplit("/", 1)[1].split("?")[0]
    with run_fake_server(args.fake_server) as wechat_url:
        control = FakeWeChatControl(wechat_url, timeout=30)
        app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url,
                         WECHAT_API_BASE=wechat_url, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET,
                         PUSH_RATE_PER_SECOND=100000, LOG_LEVEL="WARNING")
        with app.app_context():
            prepare_database(app)
            template = app.extensions["push_catalog"].get(KIND)
            control.register_template(template.template_id, template.wechat_fields())
            account_ids = setup_people(control, template.template_id,
                                       args.messages // 200 + 2)
            # warm up: token fetch, connections, statement caches (not counted)
            enqueue(account_ids, 20, "w")
            db.session.remove()
            worker = build_worker(app, batch_size=args.batch)
            worker.run(once=True)
            worker.counts = dict.fromkeys(worker.counts, 0)
            enqueue(account_ids, args.messages, "p")
            db.session.remove()

            counts = {"statements": 0, "commits": 0}
            shown = []

            def on_execute(conn, cursor, statement, parameters, context, executemany):
                counts["statements"] += 1
                if len(shown) < args.show_sql:
                    shown.append(f"{'many ' if executemany else ''}{' '.join(statement.split())}")

            def on_commit(*_):
                counts["commits"] += 1
                if len(shown) < args.show_sql:
                    shown.append("COMMIT")
            event.listen(db.engine, "before_cursor_execute", on_execute)
            event.listen(db.engine, "commit", on_commit)
            fake = fake_pids()
            backends = backend_pids(database)
            fake_before = sum(process_cpu(p) for p in fake)
            pg_before = {p: process_cpu(p) for p in backends}
            phases = time_phases(worker)
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = worker.run(once=True)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            event.remove(db.engine, "before_cursor_execute", on_execute)
            event.remove(db.engine, "commit", on_commit)
            fake_cpu = sum(process_cpu(p) for p in fake) - fake_before
            # backends that appeared during the run started from 0
            pg_cpu = sum(process_cpu(p) - pg_before.get(p, 0.0)
                         for p in set(backends) | set(backend_pids(database)))
            got = delivered(control, "p")
    n = args.messages
    for line in shown:
        print(line[:400])
    print(f"worker result {result}; delivered {len(got)}, "
          f"duplicated {sum(c - 1 for c in got.values())}")
    print(f"{n} messages, batch {args.batch}: wall {wall:.2f} s ({n / wall:.0f} msgs/s, "
          f"one worker); load average {os.getloadavg()[0]:.2f}")
    print(f"per message: worker CPU {cpu / n * 1000:.2f} ms, fake WeChat CPU "
          f"{fake_cpu / n * 1000:.2f} ms, PostgreSQL backends CPU {pg_cpu / n * 1000:.2f} ms "
          f"(/proc, {1000 / TICKS:.0f} ms ticks)")
    print(f"per message: {counts['statements'] / n:.2f} SQL statements, "
          f"{counts['commits'] / n:.2f} commits")
    print("per message by step (CPU ms): " + ", ".join(
        f"{name.strip('_')} {seconds / n * 1000:.2f}" for name, seconds in phases.items()))
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
