"""Issue 12: 20 parallel audited requests against a real gunicorn (2 workers, threads) on the
suite's database (a SQLite file, or PostgreSQL with TEST_DATABASE_URL) give no 500, and the
chain stays consecutive and intact: record() claims the head atomically on both databases."""
import contextlib
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import select

from app.audit.models import AuditEntry, AuditHead
from app.audit.services import verify_audit_chain
from app.extensions import db
from tests.builders import auth, staff_token
from tests.flows import create_person
from tests.support.servers import _stop, free_port, wait_until_healthy

REPO_ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 20


@contextlib.contextmanager
def run_service(database_url, workers=2, threads=4):
    """`gunicorn wsgi:app` as `make run` starts it, on the test database."""
    port = free_port()
    env = dict(os.environ, APP_ENV="testing", TEST_DATABASE_URL=database_url,
               PYTHONPATH=str(REPO_ROOT))
    with tempfile.TemporaryFile() as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
             str(workers), "--threads", str(threads), "wsgi:app"],
            cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, log_file, 30)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(process)


def test_parallel_audited_reads_give_no_500_and_a_consecutive_chain(client, fresh_app):
    token = staff_token(client, "station_xc")
    person_id = create_person(client, token)["id"]
    with fresh_app.app_context():
        head_before = db.session.get(AuditHead, 1).seq
    url = fresh_app.config["SQLALCHEMY_DATABASE_URI"]
    with run_service(url) as base, ThreadPoolExecutor(PARALLEL) as pool:
        def read(_):
            return requests.get(f"{base}/api/v1/people/{person_id}", headers=auth(token),
                                timeout=60).status_code
        statuses = list(pool.map(read, range(PARALLEL)))
    assert statuses == [200] * PARALLEL
    with fresh_app.app_context():
        head = db.session.get(AuditHead, 1)
        seqs = db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        viewed = db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "person.viewed", AuditEntry.seq > head_before))
        assert viewed == PARALLEL
        assert seqs == list(range(1, head.seq + 1))
        assert verify_audit_chain() == []
