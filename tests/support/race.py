"""Fire identical requests at once at the real app under gunicorn, for exactly-once tests.

An in-process test client runs one request at a time, so races never happen there. This
starts `gunicorn wsgi:app` with several worker processes and threads on the test's own
database (SQLite file or TEST_DATABASE_URL), then sends N requests released together by a
barrier from a thread pool:

    with run_app_server(fresh_app) as base_url:
        answers = fire(base_url, "POST", "/api/v1/...", json=body, headers=auth(token))

Each answer is (status, json body or None, headers). Start the server after the database
was reset (the fixture `fresh_app`) and stop it before the next reset. RACE_SERVER_LOG=path
keeps the server's log.
"""
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from .servers import REPO_ROOT, _stop, child_env, free_port, wait_until_healthy

WORKERS, THREADS, BURST = 3, 4, 20
# Values the server must share with the in-process test app (same tokens, same keys).
SHARED_CONFIG = ("JWT_SECRET", "DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "WECHAT_APPID",
                 "WECHAT_SECRET", "WECHAT_API_BASE", "EVIDENCE_DIR")


def _server_env(app, settings):
    env = child_env(APP_ENV="testing", TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    for name in SHARED_CONFIG:
        if app.config.get(name) is not None:
            env[name] = str(app.config[name])
    for name, value in settings.items():  # None: not set at all for the server
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


@contextlib.contextmanager
def run_app_server(app, workers=WORKERS, threads=THREADS, preload=True, **settings):
    """`gunicorn wsgi:app` (gthread) on a free loopback port; yield its base URL.

    `settings` are environment variables for the server (None removes one). `preload`
    forks every worker from a loaded app, so all of them serve from the first request."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    keep = os.environ.get("RACE_SERVER_LOG")  # a path: keep the server's output for a look
    with (open(keep, "w+b") if keep else tempfile.TemporaryFile()) as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads),
             "--worker-class", "gthread", "--timeout", "60", *(["--preload"] if preload else []),
             "wsgi:app"],
            cwd=REPO_ROOT, env=_server_env(app, settings), stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        try:
            wait_until_healthy(base_url + "/healthz", process, log_file, timeout=60)
            _warm_up(base_url, workers * threads)
            yield base_url
        finally:
            _stop(process)


def _warm_up(base_url, count):
    """Touch every worker once so the burst does not measure imports and first connects."""
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda _: requests.get(base_url + "/readyz", timeout=30), range(count)))


def fire(base_url, method, path, count=BURST, **kwargs):
    """Send `count` identical requests released together; return [(status, json, headers)]."""
    barrier = threading.Barrier(count)

    def one(_):
        with requests.Session() as session:
            barrier.wait()
            response = session.request(method, base_url + path, timeout=60, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, body, response.headers

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def statuses(answers):
    """{status: how many} of a burst, for assertions and failure messages."""
    counts = {}
    for status, _, _ in answers:
        counts[status] = counts.get(status, 0) + 1
    return counts


def error_codes(answers):
    """{error code: how many} over the answers that are errors."""
    counts = {}
    for status, body, _ in answers:
        if status >= 400:
            code = (body or {}).get("error", {}).get("code")
            counts[code] = counts.get(code, 0) + 1
    return counts
