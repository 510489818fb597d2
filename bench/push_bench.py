"""Push bench: two `flask push worker` processes against the fake WeChat (real HTTP).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imjy_push \\
        .venv/bin/python -m bench.push_bench [--messages 6000] [--kill-messages 3000] \\
        [--fake-server keepalive|gunicorn|werkzeug]

The database is WIPED and migrated: give it one you can lose (not `test`, not your data).
Not a test: it prints a table; targets are ≥ 300 msgs/s for two workers together, and
0 lost / 0 duplicated when one worker is SIGKILLed mid-way (counted by the fake WeChat,
each message carrying its number in the page query).

The fake WeChat (fakes/wechat.py, state in one process) is served by fakes/keepalive.py
by default: a thread per connection, keeping connections alive as api.weixin.qq.com does,
at about 0.25 ms of CPU per request. The real WeChat's CPU is not ours; the fake's is taken
from the workers on this 2-core machine. `--fake-server gunicorn` (one gthread worker, also
keep-alive) costs about 0.6 ms per request; `--fake-server werkzeug` is the dev server the
tests use, which closes every connection (a TCP handshake and a server thread per message).

1. throughput: N messages queued, two workers started together, rate = N / (last sent_at
   - first sent_at) from the database (process start-up excluded), per-worker split shown,
   and the workers' CPU per message (wait4, less the start-up CPU of an idle worker).
2. sigkill: N messages, two workers; when a third is delivered one worker is SIGKILLed;
   the other recovers its expired lease (PUSH_LEASE_SECONDS=15 here) and finishes.
   lost = queued but never received by WeChat; duplicated = received more than once;
   unknown = rows the dead worker had in flight (not resent by design; see
   app/wechat/worker.py), shown with whether WeChat in fact received them.
3. at the end: for how many persons our quota table disagrees with WeChat's count.
"""
import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, insert, select

from app import create_app
from app.accounts.models import PersonAccount
from app.core.clock import utcnow
from app.extensions import db
from app.wechat.models import PushMessage, PushSubscription
from app.wechat.services import enqueue_message
from config import normalize_database_url
from tests.support.database import prepare_database
from tests.support.servers import (REPO_ROOT, FakeWeChatControl, free_port, run_fake_wechat,
                                   wait_until_healthy)

FAKE_SERVERS = ("keepalive", "gunicorn", "werkzeug")

APPID, SECRET = "wx-bench-appid", "bench-secret"
KIND = "job_recommendation"
VALUES = {"job": "保洁员", "employer": "新城区物业服务中心", "salary": "2500-3000元/月",
          "location": "呼和浩特市新城区"}
PERSONS = 200


@contextlib.contextmanager
def run_fake_wechat_gunicorn():
    """The same fake app under gunicorn (one process: the fake keeps state in memory)."""
    port = free_port()
    app_spec = f'fakes.wechat:create_app(appid="{APPID}", secret="{SECRET}")'
    with tempfile.TemporaryFile() as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
             "--threads", "16", "--bind", f"127.0.0.1:{port}", app_spec],
            cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        try:
            base_url = f"http://127.0.0.1:{port}/"
            wait_until_healthy(base_url + "healthz", process, log_file)
            yield base_url
        finally:
            process.terminate()
            process.wait(10)


def run_fake_server(kind):
    """The fake WeChat on the chosen server; a context manager yielding its base URL."""
    if kind == "gunicorn":
        return run_fake_wechat_gunicorn()
    return run_fake_wechat(APPID, SECRET, server=kind)


def worker_env(database_url, wechat_url, **extra):
    env = dict(os.environ, APP_ENV="development", DATABASE_URL=database_url,
               WECHAT_API_BASE=wechat_url, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET,
               PUSH_RATE_PER_SECOND="2000", PYTHONPATH=str(REPO_ROOT), LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start_worker(env, *args):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "push", "worker",
                             "--batch", "50", *args], cwd=REPO_ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def setup_people(control, template_id, per_person):
    """PERSONS accounts, each with `per_person` grants at WeChat and in our table."""
    accounts = PersonAccount.__table__
    db.session.execute(insert(accounts), [
        {"openid": f"bench{i:05d}", "active": True, "token_version": 1,
         "created_at": utcnow()} for i in range(PERSONS)])
    rows = db.session.execute(select(accounts.c.id, accounts.c.openid)
                              .where(accounts.c.openid.like("bench%"))).all()
    db.session.execute(insert(PushSubscription.__table__), [
        {"person_account_id": r.id, "template_id": template_id, "quota": per_person,
         "accepted_total": per_person, "last_result": "accept", "updated_at": utcnow()}
        for r in rows])
    db.session.commit()
    for row in rows:
        control.grant_subscription(row.openid, template_id, per_person)
    return [r.id for r in rows]


def enqueue(account_ids, count, tag):
    started = time.perf_counter()
    for n in range(count):
        enqueue_message(KIND, account_ids[n % len(account_ids)], VALUES,
                        dedupe_key=f"bench:{tag}:{n}", page_query={"n": f"{tag}-{n}"})
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()
    return count / (time.perf_counter() - started)


def counts_by_status():
    db.session.remove()
    return dict(db.session.execute(select(PushMessage.status, func.count())
                                   .group_by(PushMessage.status)).all())


def delivered(control, tag):
    numbers = Counter(parse_qs(urlsplit(m["page"]).query)["n"][0]
                      for m in control.messages()["messages"])
    return {n: c for n, c in numbers.items() if n.startswith(f"{tag}-")}


def quota_drift(control, template_id):
    """How many persons' quota in our table differs from what WeChat has left."""
    db.session.remove()
    ours = dict(db.session.execute(
        select(PersonAccount.openid, PushSubscription.quota)
        .join(PushSubscription, PushSubscription.person_account_id == PersonAccount.id)
        .where(PushSubscription.template_id == template_id,
               PersonAccount.openid.like("bench%"))).all())
    # a grant of 0 answers with what is left
    return sum(1 for openid, quota in ours.items()
               if control.grant_subscription(openid, template_id, 0)["remaining"] != quota)


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def process_cpu(process):
    """Wait for the process; its own CPU seconds (wait4), whatever else ran meanwhile."""
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime


def run_throughput(env, control, account_ids, count):
    # a worker with nothing to do: the start-up CPU (imports, app) that every run pays
    startup = process_cpu(start_worker(env, "--once"))
    enqueue_rate = enqueue(account_ids, count, "t")
    workers = [start_worker(env, "--once"), start_worker(env, "--once")]
    # the workers' own CPU time, to tell "slow" from "starved by other work"
    worker_cpu = sum(process_cpu(process) for process in workers) - 2 * startup
    db.session.remove()
    first, last = db.session.execute(select(func.min(PushMessage.sent_at),
                                            func.max(PushMessage.sent_at))).one()
    seconds = (last - first).total_seconds()
    split = db.session.execute(select(PushMessage.claimed_by, func.count())
                               .group_by(PushMessage.claimed_by)).all()
    got = delivered(control, "t")
    return {"run": "throughput", "messages": count, "seconds": seconds,
            "rate": count / seconds if seconds else float("inf"),
            "delivered": len(got), "duplicates": sum(c - 1 for c in got.values()),
            "lost": count - len(got), "unknown": counts_by_status().get("unknown", 0),
            "note": f"worker CPU {worker_cpu / count * 1000:.2f} ms/msg (start-up of "
                    f"{startup:.1f} s each excluded); per worker "
                    + "/".join(str(c) for _, c in split) + f"; enqueue {enqueue_rate:.0f}/s"}


def run_sigkill(env, control, account_ids, count):
    enqueue(account_ids, count, "k")
    env = dict(env, PUSH_LEASE_SECONDS="15", WECHAT_TIMEOUT="2", SMS_TIMEOUT="2")
    victim, survivor = start_worker(env), start_worker(env)
    started = time.monotonic()

    victim_id = f"{socket.gethostname()[:40]}:{victim.pid}"

    def sent_so_far(by=None):
        db.session.remove()
        query = select(func.count()).select_from(PushMessage).where(
            PushMessage.status == "sent", PushMessage.dedupe_key.like("bench:k:%"))
        if by:
            query = query.where(PushMessage.claimed_by == by)
        return db.session.scalar(query)
    try:
        # both must be at work (start-up under load takes seconds): kill mid-stream
        wait_until(lambda: sent_so_far() >= count // 3 and sent_so_far(victim_id) >= 50, 120,
                   "a third delivered, the victim taking part")
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = sent_so_far()

        def drained():
            status = counts_by_status()
            return not status.get("queued") and not status.get("sending")
        wait_until(drained, 180, "the survivor to finish")
    finally:
        for process in (victim, survivor):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
    seconds = time.monotonic() - started
    got = delivered(control, "k")
    status = counts_by_status()
    db.session.remove()
    unknown_pages = [p for (p,) in db.session.execute(
        select(PushMessage.page).where(PushMessage.status == "unknown"))]
    unknown_received = sum(1 for p in unknown_pages
                           if parse_qs(urlsplit(p).query)["n"][0] in got)
    return {"run": "sigkill", "messages": count, "seconds": seconds,
            "rate": count / seconds, "delivered": len(got),
            "duplicates": sum(c - 1 for c in got.values()), "lost": count - len(got),
            "unknown": status.get("unknown", 0),
            "note": f"killed after {killed_at} sent; {unknown_received} of "
                    f"{len(unknown_pages)} unknown received by WeChat; "
                    f"time includes the 15 s lease if it held claimed rows"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--kill-messages", type=int, default=3000)
    parser.add_argument("--fake-server", choices=FAKE_SERVERS, default="keepalive")
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgres"):
        raise SystemExit("set BENCH_DATABASE_URL (or --database-url) to a PostgreSQL database")
    database_url = normalize_database_url(args.database_url)
    with run_fake_server(args.fake_server) as wechat_url:
        control = FakeWeChatControl(wechat_url, timeout=30)
        app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url,
                         WECHAT_API_BASE=wechat_url, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET,
                         LOG_LEVEL="WARNING")
        env = worker_env(database_url, wechat_url)
        rows = []
        with app.app_context():
            prepare_database(app)
            template = app.extensions["push_catalog"].get(KIND)
            control.register_template(template.template_id, template.wechat_fields())
            per_person = (args.messages + args.kill_messages) // PERSONS + 1
            account_ids = setup_people(control, template.template_id, per_person)
            rows.append(run_throughput(env, control, account_ids, args.messages))
            rows.append(run_sigkill(env, control, account_ids, args.kill_messages))
            drift = quota_drift(control, template.template_id)
    load = os.getloadavg()
    print(f"\nfake WeChat on {args.fake_server}; {os.cpu_count()} CPUs; load average "
          f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (other work on the machine counts)")
    print(f"{'run':<11} {'msgs':>6} {'seconds':>8} {'msgs/s':>7} {'delivered':>9} "
          f"{'dup':>4} {'lost':>4} {'unknown':>7}  note")
    for r in rows:
        print(f"{r['run']:<11} {r['messages']:>6} {r['seconds']:>8.2f} {r['rate']:>7.0f} "
              f"{r['delivered']:>9} {r['duplicates']:>4} {r['lost']:>4} {r['unknown']:>7}  "
              f"{r['note']}")
    print(f"WeChat quotas: ours differ from WeChat's for {drift} of {PERSONS} persons "
          "(a message left `unknown` that WeChat received counts as used on both sides)")


if __name__ == "__main__":
    main()
