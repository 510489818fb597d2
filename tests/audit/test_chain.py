"""SECURITY.md 21: append-only, hash-chained audit; `flask audit verify` catches tampering."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.audit.chain import GENESIS, entry_hash, verify_chain
from app.audit.models import AuditEntry
from app.audit.services import record, verify_audit_chain
from app.extensions import db
from tests.builders import staff_login


def _entries(n):
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = {"seq": seq, "occurred_at": f"2026-01-01T00:00:0{seq}+00:00", "actor_type": "staff",
                 "actor_id": "1", "action": "x", "target_type": None, "target_id": None,
                 "result": "ok", "ip": None, "request_id": None, "details": {}, "prev_hash": prev}
        entry["hash"] = entry_hash(prev, entry)
        entries.append(entry)
        prev = entry["hash"]
    return entries


def test_pure_chain_detects_edit_deletion_and_truncation():
    entries = _entries(4)
    assert verify_chain(entries, (4, entries[-1]["hash"])) == []
    edited = [dict(e) for e in entries]
    edited[1]["result"] = "denied"
    assert verify_chain(edited) != []
    assert verify_chain(entries[:1] + entries[2:]) != []
    assert verify_chain(entries[:3], (4, entries[-1]["hash"])) != []


def test_every_login_is_chained_and_verifies(client, fresh_app):
    staff_login(client, "station_xc")
    with fresh_app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry.action == "auth.staff_login" and entry.ip == "127.0.0.1"
        assert entry.request_id and entry.actor_type == "staff"
        assert verify_audit_chain() == []


@pytest.fixture()
def attacker(db_session):
    """Disables the append-only triggers, as someone with database rights would first do;
    puts them back afterwards (SQLite gets a fresh file per test anyway)."""
    def disable():
        if db.engine.dialect.name == "postgresql":
            db_session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            db_session.execute(text("DROP TRIGGER audit_entries_no_update"))
            db_session.execute(text("DROP TRIGGER audit_entries_no_delete"))
    yield disable
    db_session.rollback()
    if db.engine.dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
        db_session.commit()


def test_update_and_delete_are_refused_by_the_database(db_session):
    record("test.event", "thing", 1)
    db_session.commit()
    for statement in ("UPDATE audit_entries SET result = 'denied'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError):
            db_session.execute(text(statement))
            db_session.flush()
        db_session.rollback()
    assert verify_audit_chain() == []


def test_verify_detects_an_edited_row(db_session, fresh_app, attacker):
    for n in range(3):
        record("test.event", "thing", n)
    db_session.commit()
    attacker()
    db_session.execute(text("UPDATE audit_entries SET result = 'denied' WHERE seq = 2"))
    db_session.commit()
    problems = verify_audit_chain()
    assert any("seq 2" in p for p in problems)
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "broken" in result.output


def test_verify_detects_a_deleted_row(db_session, attacker):
    for n in range(3):
        record("test.event", "thing", n)
    db_session.commit()
    attacker()
    last_seq = db_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    db_session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": last_seq})
    db_session.commit()
    assert verify_audit_chain() != []


def test_cli_reports_an_intact_chain(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
