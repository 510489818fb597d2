"""Issue 12: 20 parallel audited requests against a real gunicorn (2 workers, threads) on the
suite's database (a SQLite file, or PostgreSQL with TEST_DATABASE_URL) give no 500, and the
chain stays consecutive and intact: record() claims the head atomically on both databases."""
from sqlalchemy import select

from app.audit.models import AuditEntry, AuditHead
from app.audit.services import verify_audit_chain
from app.extensions import db
from tests.builders.http import auth, staff_token
from tests.builders.people import create_person
from tests.support.race import fire, run_app_server, statuses

PARALLEL = 20


def test_parallel_audited_reads_give_no_500_and_a_consecutive_chain(client, fresh_app):
    token = staff_token(client, "station_xc")
    person_id = create_person(client, token)["id"]
    with fresh_app.app_context():
        head_before = db.session.get(AuditHead, 1).seq
    with run_app_server(fresh_app, workers=2, threads=4) as base:
        answers = fire(base, "GET", f"/api/v1/people/{person_id}", count=PARALLEL,
                       headers=auth(token))
    assert statuses(answers) == {200: PARALLEL}
    with fresh_app.app_context():
        head = db.session.get(AuditHead, 1)
        seqs = db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        viewed = db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "person.viewed", AuditEntry.seq > head_before))
        assert viewed == PARALLEL
        assert seqs == list(range(1, head.seq + 1))
        assert verify_audit_chain() == []
