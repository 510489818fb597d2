"""`make bench`: the service and the bare baseline under gunicorn (2 workers each) on the
generated PostgreSQL database, driven by wrk from a separate process on loopback.

    make bench                       # defaults below
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imjy_bench \
    BENCH_DURATION=10 BENCH_CONNECTIONS=16 .venv/bin/python -m bench.run

Prints one table (endpoint, req/s, p50, p99, ratio to the baseline, SQL statements and worker
CPU milliseconds per request, worker RSS) and writes it as JSON under bench/results/. The data
must exist first: `python -m bench.generate`.

Statements per request: each service worker counts the statements it sends into a file
(BENCH_STATS_DIR, app/core/benchstats.py); the row's delta over wrk's request count. CPU ms per
request: user + system time of the row's gunicorn workers (/proc/<pid>/stat) before and after
the row, over the same count. Unlike req/s, neither moves much with what else loads the machine.

The application submit scenario files one new application per request, each of a different
person who may apply; BENCH_SUBMIT_PERSONS sets how many are prepared (default 300 per second
of BENCH_DURATION, at most 50,000; preparation stops after BENCH_SUBMIT_PREPARE_SECONDS, 120).
"""
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from bench import scenarios
from bench.preflight import require_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = 2
SERVICE_PORT, BASELINE_PORT, WECHAT_PORT = 5901, 5902, 5903
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _gunicorn(module, port, env):
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning", module], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _warm(base_url, requests):
    """Each request once, in order, before the row (its cost is not measured)."""
    for method, path, token, body in requests:
        call = urllib.request.Request(
            base_url + path, method=method, data=body.encode() if body else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        urllib.request.urlopen(call, timeout=30).close()


BUILDER_WAIT_SECONDS = int(os.environ.get("BENCH_BUILDER_WAIT", "240"))


def _builder(env, status_file):
    """The overview builder, started as a deployment runs it (one process beside the service,
    `flask codes build-overviews`, at its default low CPU priority)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "codes", "build-overviews",
         "--status-file", str(status_file)], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _builder_status(status_file):
    try:
        return json.loads(Path(status_file).read_text())
    except (OSError, ValueError):
        return None


def _wait_for_builder(status_file, seconds=BUILDER_WAIT_SECONDS):
    """Until the builder has heard nothing new for a round and has nothing pending (at most
    `seconds`): it has built the views of the persons changed before the row. Prints how
    long that took and what the builder spent per view (CPU outside the row's workers)."""
    started = time.time()
    status = None
    while time.time() - started < seconds:
        status = _builder_status(status_file)
        if status and status["at"] > started and status["idle"] and not status["pending"]:
            break
        time.sleep(0.5)
    if status is None:
        print("overview builder: no status (not running?)", flush=True)
        return
    per_view = 1000 * status["cpu_s"] / status["built"] if status["built"] else 0.0
    print(f"overview builder: {'caught up' if status['idle'] and not status['pending'] else 'NOT caught up'}"
          f" after {time.time() - started:.1f} s of waiting; {status['built']:,} views built so far, "
          f"{per_view:.1f} ms CPU each (its own process, not in the row's CPU column)",
          flush=True)


def _redis(url):
    """The Redis the service runs with under the bench (as deployed with several workers:
    the shared view cache and rate limits), emptied first, or None when none answers.
    BENCH_REDIS_URL=none runs without (view cache per worker, rate limits in PostgreSQL)."""
    if url.lower() == "none":
        return None
    import redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()  # the bench's own db
    except redis.RedisError:
        return None
    return url


def _wait(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"not answering: {url}")


def _workers(master_pid):
    """{pid: /proc status text} of the gunicorn workers (children of the master)."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            found[int(status.parent.name)] = text
    return found


def _worker_rss_mb(master_pid):
    """Resident memory of the largest gunicorn worker, in MB."""
    sizes = [int(m.group(1)) / 1024 for text in _workers(master_pid).values()
             if (m := re.search(r"^VmRSS:\s+(\d+) kB", text, re.M))]
    return round(max(sizes), 1) if sizes else None


def _worker_cpu_ms(master_pid):
    """{pid: user + system CPU ms so far} of the gunicorn workers."""
    cpu = {}
    for pid in _workers(master_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS  # utime, stime
    return cpu


def _delta(before, after):
    """Growth of per-worker counters; a worker that appeared since counts from zero."""
    return sum(value - before.get(pid, 0) for pid, value in after.items())


class Meter:
    """Statements and CPU of one gunicorn's workers around a row."""

    def __init__(self, master_pid, stats_dir=None):
        self.master_pid, self.stats_dir = master_pid, stats_dir

    def read(self):
        from app.core.benchstats import read_statement_counts
        return (_worker_cpu_ms(self.master_pid),
                read_statement_counts(self.stats_dir) if self.stats_dir else None)

    def per_request(self, before, after, requests):
        cpu = _delta(before[0], after[0])
        statements = _delta(before[1], after[1]) if self.stats_dir else None
        return {"cpu_ms": round(cpu / requests, 2) if requests else None,
                "statements": round(statements / requests, 2)
                if requests and statements is not None else None}


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return round(float(number) * _UNITS[unit], 2)


def run_wrk(base_url, lua_file):
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency",
         "-s", str(lua_file), base_url], capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if set(percentiles) != {"50", "99"}:
        raise SystemExit(f"wrk measured nothing against {base_url} ({lua_file.name}):\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result = {"req_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "requests": int(re.search(r"(\d+) requests in", out).group(1)),
              "p50_ms": _ms(percentiles["50"]), "p99_ms": _ms(percentiles["99"]),
              "non_2xx": int(errors.group(1)) if errors else 0}
    ran_out = re.search(r"^bench: (prepared persons ran out .*)$", out, re.M)
    if ran_out:  # a scenario with one-shot data stopped early: its req/s is too low
        result["warning"] = ran_out.group(1)
    return result


def _print_table(rows):
    header = (f"{'endpoint':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>7}"
              f"{'SQL/req':>9}{'CPU ms/req':>11}{'RSS MB':>8}{'non-2xx':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        sql = "-" if r["statements"] is None else f"{r['statements']:.2f}"
        print(f"{r['endpoint']:<40}{r['req_s']:>9.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
              f"{r['ratio']:>7.2f}{sql:>9}{(r['cpu_ms'] or 0):>11.2f}{(r['rss_mb'] or 0):>8.1f}"
              f"{r['non_2xx']:>8}")
    for r in rows:
        if r.get("warning"):
            print(f"warning: {r['endpoint']}: {r['warning']} (raise BENCH_SUBMIT_PERSONS)")


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does this)")
    database_url = require_database(os.environ.get("BENCH_DATABASE_URL", scenarios.DEFAULT_DB))
    if not scenarios.has_dataset(database_url):
        from bench.generate import generate
        from bench.preflight import require_disk
        persons = int(os.environ.get("BENCH_PERSONS", "1000000"))
        require_disk(database_url, persons)
        print(f"no dataset yet: generating {persons:,} persons (once)", flush=True)
        generate(database_url, persons, seed=2025)
    else:  # a dataset made by an older checkout: bring its schema up to this code's head
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       env={**os.environ, "DATABASE_URL": database_url}, cwd=ROOT, check=True)
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development",
           "WECHAT_API_BASE": f"http://127.0.0.1:{WECHAT_PORT}/", "PYTHONPATH": str(ROOT),
           # wrk sends every scan from one address with a few staff tokens: measure the
           # resolve itself (its limiter still runs), not a wall of 429s.
           "RATELIMIT_CODE_RESOLVE_STAFF": "10000000/minute",
           "RATELIMIT_CODE_RESOLVE_IP": "10000000/minute"}
    redis_url = _redis(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    if redis_url:
        env["REDIS_URL"] = redis_url
    print(f"redis: {redis_url or 'none (view cache per worker, rate limits in PostgreSQL)'}",
          flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    stats_dir = workdir / "statements"
    procs = [subprocess.Popen([sys.executable, "-m", "fakes.wechat", "--port", str(WECHAT_PORT),
                               "--appid", "wx-demo-appid", "--secret", "demo-wechat-secret"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        service = _gunicorn("wsgi:app", SERVICE_PORT, {**env, "BENCH_STATS_DIR": str(stats_dir)})
        baseline = _gunicorn("bench.baseline:app", BASELINE_PORT, env)
        procs += [service, baseline]
        builder_status = workdir / "builder.json"
        procs.append(_builder(env, builder_status))
        _wait(f"http://127.0.0.1:{SERVICE_PORT}/healthz")
        _wait(f"http://127.0.0.1:{WECHAT_PORT}/healthz")
        meters = {SERVICE_PORT: Meter(service.pid, stats_dir), BASELINE_PORT: Meter(baseline.pid)}
        load_at_start = os.getloadavg()
        rows = []
        for scenario in scenarios.prepare(database_url, workdir, THREADS, DURATION):
            port, master = (BASELINE_PORT, baseline) if scenario.baseline else \
                (SERVICE_PORT, service)
            _warm(f"http://127.0.0.1:{port}", scenario.warmup)
            if scenario.before is not None:
                scenario.before()
                _wait_for_builder(builder_status)
            before = meters[port].read()
            result = run_wrk(f"http://127.0.0.1:{port}", scenario.lua_file)
            costs = meters[port].per_request(before, meters[port].read(), result["requests"])
            rows.append({"endpoint": scenario.name, **result, **costs,
                         "rss_mb": _worker_rss_mb(master.pid)})
        base = rows[0]["req_s"]
        for row in rows:
            row["ratio"] = round(row["req_s"] / base, 3) if base else 0.0
        _print_table(rows)
        print(f"load average at start {load_at_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}; "
              f"{os.cpu_count()} cores; {DURATION} s per row; redis: {'yes' if redis_url else 'no'}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        meta = {"when": stamp, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                           "platform": platform.platform()},
                "load_average": {"start": load_at_start, "end": os.getloadavg()},
                "redis": bool(redis_url),
                "duration_s": DURATION, "connections": CONNECTIONS, "threads": THREADS,
                "dataset": scenarios.dataset_summary(database_url), "rows": rows}
        (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
        print(f"\nwritten: bench/results/bench-{stamp}.json")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
