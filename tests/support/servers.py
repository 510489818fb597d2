"""Start fake external servers as real subprocesses on loopback, for tests.

Real HTTP between processes catches what an in-process test client hides (headers,
timeouts, threading). Usage:

    with run_fake_wechat() as base_url:          # "http://127.0.0.1:PORT/"
        control = FakeWeChatControl(base_url)
        control.reset()

or as a pytest fixture:

    fake_wechat = pytest.fixture(scope="module")(fake_wechat_server)
"""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 15.0  # seconds; a cold interpreter plus Flask import takes ~1 s
STOP_TIMEOUT = 5.0


def free_port():
    """A loopback port free right now (the tiny race until the child binds is accepted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url, process, log_file, timeout=STARTUP_TIMEOUT):
    """Poll url until it answers 200; fail early if the process dies, bounded by timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fake server exited ({process.returncode}):\n{_tail(log_file)}")
        try:
            if requests.get(url, timeout=0.5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"fake server not healthy after {timeout}s:\n{_tail(log_file)}")


def _tail(log_file, size=4000):
    log_file.flush()
    log_file.seek(0)
    return log_file.read()[-size:].decode(errors="replace")


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def child_env(**extra):
    """The environment for a process the tests start: the repo importable, and whatever
    PYTHONPATH the run has (a TEST_CLOCK run carries its pinned clock to children there)."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])), **extra)


@contextlib.contextmanager
def run_module_server(module, args, health_path="healthz"):
    """Run `python -m module --host 127.0.0.1 --port P *args`; yield its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    env = child_env()
    # Output goes to a temp file, not a pipe: a full pipe would block the server.
    with tempfile.TemporaryFile() as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_until_healthy(base_url + health_path, process, log_file)
            yield base_url
        finally:
            _stop(process)


@contextlib.contextmanager
def run_fake_wechat(appid="wx-test-appid", secret="test-secret", demo=True,
                    server="werkzeug"):
    """Start `python -m fakes.wechat` on a free loopback port; yield "http://127.0.0.1:P/".

    server="keepalive": fakes.keepalive instead of the werkzeug dev server (benchmarks)."""
    args = ["--appid", appid, "--secret", secret, "--server", server] + (
        [] if demo else ["--no-demo"])
    with run_module_server("fakes.wechat", args) as base_url:
        yield base_url


def fake_wechat_server(appid="wx-test-appid", secret="test-secret"):
    """Generator for pytest fixtures: `pytest.fixture(scope="module")(fake_wechat_server)`."""
    with run_fake_wechat(appid, secret) as base_url:
        yield base_url


class FakeWeChatControl:
    """Thin client for the fake's /_control endpoints (tests set up state through it)."""

    def __init__(self, base_url, timeout=5.0):
        self.base_url = base_url
        self.timeout = timeout

    def post(self, name, payload=None):
        res = requests.post(f"{self.base_url}_control/{name}", json=payload or {},
                            timeout=self.timeout)
        res.raise_for_status()
        return res.json()

    def get(self, name):
        res = requests.get(f"{self.base_url}_control/{name}", timeout=self.timeout)
        res.raise_for_status()
        return res.json()

    def reset(self):
        return self.post("reset")

    def register_code(self, code, openid, unionid=None):
        return self.post("codes", {"code": code, "openid": openid, "unionid": unionid})

    def register_phone_code(self, code, phone):
        return self.post("phone_codes", {"code": code, "phone": phone})

    def register_template(self, template_id, fields):
        return self.post("templates", {"template_id": template_id, "fields": fields})

    def grant_subscription(self, openid, template_id, count=1):
        return self.post("subscriptions",
                         {"openid": openid, "template_id": template_id, "count": count})

    def inject_fault(self, path, errcode, count=1):
        return self.post("faults", {"path": path, "errcode": errcode, "count": count})

    def expire_tokens(self):
        return self.post("expire_tokens")

    def advance_clock(self, seconds):
        return self.post("advance_clock", {"seconds": seconds})

    def messages(self):
        return self.get("messages")

    def stats(self):
        return self.get("stats")


@contextlib.contextmanager
def run_fake_sms(access_key_id="demo-sms-key-id", access_key_secret="demo-sms-secret"):
    """Start `python -m fakes.sms` on a free loopback port; yield "http://127.0.0.1:P/"."""
    args = ["--access-key-id", access_key_id, "--access-key-secret", access_key_secret]
    with run_module_server("fakes.sms", args) as base_url:
        yield base_url


class FakeSmsControl(FakeWeChatControl):
    """Thin client for the fake SMS gateway's /_control endpoints."""

    def register_template(self, template_code, text):
        return self.post("templates", {"template_code": template_code, "text": text})

    def inject_fault(self, code, count=1):
        return self.post("faults", {"code": code, "count": count})
