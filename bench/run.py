"""`make bench`: the service and the bare baseline under gunicorn (2 workers each) on the
generated PostgreSQL database, driven by wrk from a separate process on loopback.

    make bench                       # defaults below
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imjy_bench \
    BENCH_DURATION=10 BENCH_CONNECTIONS=16 .venv/bin/python -m bench.run

Prints one table (endpoint, req/s, p50, p99, ratio to the baseline, worker RSS) and writes it
as JSON under bench/results/. The data must exist first: `python -m bench.generate`.
A third gunicorn serves the service with the view cache off (VIEW_CACHE_SECONDS=0) for the
"no cache" rows: the overview and the scan profile built on every request.

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
SERVICE_PORT, BASELINE_PORT, WECHAT_PORT, COLD_PORT = 5901, 5902, 5903, 5904


def _gunicorn(module, port, env):
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning", module], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"not answering: {url}")


def _worker_rss_mb(master_pid):
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if rss:
                sizes.append(int(rss.group(1)) / 1024)
    return round(max(sizes), 1) if sizes else None


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
              "p50_ms": _ms(percentiles["50"]), "p99_ms": _ms(percentiles["99"]),
              "non_2xx": int(errors.group(1)) if errors else 0}
    ran_out = re.search(r"^bench: (prepared persons ran out .*)$", out, re.M)
    if ran_out:  # a scenario with one-shot data stopped early: its req/s is too low
        result["warning"] = ran_out.group(1)
    return result


def _print_table(rows):
    header = f"{'endpoint':<38}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>8}{'RSS MB':>9}{'non-2xx':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['endpoint']:<38}{r['req_s']:>10.1f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
              f"{r['ratio']:>8.2f}{(r['rss_mb'] or 0):>9.1f}{r['non_2xx']:>9}")
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
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development",
           "WECHAT_API_BASE": f"http://127.0.0.1:{WECHAT_PORT}/", "PYTHONPATH": str(ROOT),
           # wrk sends every scan from one address with a few staff tokens: measure the
           # resolve itself (its limiter still runs), not a wall of 429s.
           "RATELIMIT_CODE_RESOLVE_STAFF": "10000000/minute",
           "RATELIMIT_CODE_RESOLVE_IP": "10000000/minute"}
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    procs = [subprocess.Popen([sys.executable, "-m", "fakes.wechat", "--port", str(WECHAT_PORT),
                               "--appid", "wx-demo-appid", "--secret", "demo-wechat-secret"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        service, baseline = _gunicorn("wsgi:app", SERVICE_PORT, env), \
            _gunicorn("bench.baseline:app", BASELINE_PORT, env)
        cold = _gunicorn("wsgi:app", COLD_PORT, {**env, "VIEW_CACHE_SECONDS": "0"})
        procs += [service, baseline, cold]
        _wait(f"http://127.0.0.1:{SERVICE_PORT}/healthz")
        _wait(f"http://127.0.0.1:{COLD_PORT}/healthz")
        _wait(f"http://127.0.0.1:{WECHAT_PORT}/healthz")
        rows = []
        for scenario in scenarios.prepare(database_url, workdir, THREADS, DURATION):
            port, master = (BASELINE_PORT, baseline) if scenario.baseline else \
                (COLD_PORT, cold) if scenario.cold else (SERVICE_PORT, service)
            result = run_wrk(f"http://127.0.0.1:{port}", scenario.lua_file)
            rows.append({"endpoint": scenario.name, **result,
                         "rss_mb": _worker_rss_mb(master.pid)})
        base = rows[0]["req_s"]
        for row in rows:
            row["ratio"] = round(row["req_s"] / base, 3) if base else 0.0
        _print_table(rows)
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        meta = {"when": stamp, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                           "platform": platform.platform()},
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
