"""SECURITY.md 21 and issue 12: an append-only, HMAC-chained audit that someone who can write
to the database cannot rewrite unseen; `flask audit verify` catches edits and truncation."""
import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.audit.chain import (GENESIS, ChainKeys, Checkpoint, entry_hash, keyed_hash,
                             legacy_hash, verify_chain)
from app.audit.checkpoints import read_latest_checkpoint
from app.audit.models import AuditEntry, AuditHead
from app.audit.services import record, verify_audit_chain, write_audit_checkpoint
from app.extensions import db
from config import DEMO_AUDIT_CHAIN_KEYS, ProductionConfig
from tests.builders.http import staff_login

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY_1 = b"k" * 32
KEY_2 = b"z" * 32
KEYS = ChainKeys({"k1": KEY_1}, "k1")
ROTATED_RING = "k2:" + "eiIzRFVmd4iZqrvM3e7/ABEiM0RVZneImaq7zN3u/wA="  # 32 bytes


def _entry(seq, prev, key_id):
    return {"seq": seq, "occurred_at": f"2026-01-01T00:00:{seq:02d}+00:00",
            "actor_type": "staff", "actor_id": "1", "action": "x", "target_type": None,
            "target_id": None, "result": "ok", "ip": None, "request_id": None, "details": {},
            "prev_hash": prev, "key_id": key_id}


def _chain(key_ids, keys=KEYS):
    entries, prev = [], GENESIS
    for seq, key_id in enumerate(key_ids, start=1):
        entry = _entry(seq, prev, key_id)
        entry["hash"] = entry_hash(prev, entry, keys)
        entries.append(entry)
        prev = entry["hash"]
    return entries


def _head(entries):
    return entries[-1]["seq"], entries[-1]["hash"]


def test_pure_chain_detects_edit_deletion_and_truncation():
    entries = _chain(["k1"] * 4)
    assert verify_chain(entries, KEYS, _head(entries)) == []
    edited = [dict(e) for e in entries]
    edited[1]["result"] = "denied"
    assert verify_chain(edited, KEYS) == ["seq 2: content does not match its hash"]
    assert "seq 2: missing (next present is 3)" in verify_chain(entries[:1] + entries[2:], KEYS)
    assert verify_chain(entries[:3], KEYS, _head(entries)) != []


@pytest.mark.parametrize("forge", ["unkeyed", "unkeyed_keeping_key_id", "wrong_key"])
def test_pure_chain_refuses_a_rehash_without_the_key(forge):
    """The attack of issue 12 on the pure chain: edit seq 2, rehash it and every later entry
    consistently; only the key tells, so every rewritten entry is named."""
    entries = _chain(["k1"] * 4)
    forged, prev = [dict(e) for e in entries], entries[0]["hash"]
    forged[1]["result"] = "denied"
    for entry in forged[1:]:
        entry["prev_hash"] = prev
        if forge == "unkeyed":
            entry["key_id"] = None
            entry["hash"] = legacy_hash(prev, entry)
        elif forge == "unkeyed_keeping_key_id":
            entry["hash"] = legacy_hash(prev, entry)
        else:
            entry["hash"] = keyed_hash(prev, entry, KEY_2)
        prev = entry["hash"]
    problems = verify_chain(forged, KEYS, _head(forged))
    assert [p.split(":")[0] for p in problems] == ["seq 2", "seq 3", "seq 4"]


def test_legacy_unkeyed_entries_stay_valid_only_as_a_prefix():
    mixed = _chain([None, None, "k1", "k1"])
    assert verify_chain(mixed, KEYS, _head(mixed)) == []
    # Editing a legacy entry and rehashing the legacy prefix breaks the first keyed link.
    forged = [dict(e) for e in mixed]
    forged[0]["result"] = "denied"
    forged[0]["hash"] = legacy_hash(GENESIS, forged[0])
    forged[1]["prev_hash"] = forged[0]["hash"]
    forged[1]["hash"] = legacy_hash(forged[0]["hash"], forged[1])
    assert verify_chain(forged, KEYS, (4, mixed[-1]["hash"])) == [
        "seq 3: link to previous entry broken"]
    late_legacy = _chain(["k1", None])
    assert verify_chain(late_legacy, KEYS) == [
        "seq 2: unkeyed hash after keyed entries (rewritten without the key)"]


def test_pure_chain_against_a_checkpoint():
    entries = _chain(["k1"] * 5)
    checkpoint = Checkpoint(seq=4, hash=entries[3]["hash"], key_id="k1", at="T")
    assert verify_chain(entries, KEYS, _head(entries), checkpoint) == []
    truncated = entries[:2]
    problems = verify_chain(truncated, KEYS, _head(truncated), checkpoint)
    assert "seq 3..4: missing, the checkpoint of T recorded seq 4" in problems
    assert any("behind the checkpoint of T" in p for p in problems)
    empty = Checkpoint(seq=0, hash=GENESIS, key_id=None, at="T0")  # taken before any entry
    assert verify_chain([], KEYS, (0, GENESIS), empty) == []
    assert verify_chain(entries, KEYS, _head(entries), empty) == []
    other = Checkpoint(seq=4, hash="f" * 64, key_id="k1", at="T")
    assert verify_chain(entries, KEYS, _head(entries), other) == [
        "seq 4: differs from the checkpoint of T"]


def test_every_login_is_chained_and_verifies(client, fresh_app):
    staff_login(client, "station_xc")
    with fresh_app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry.action == "auth.staff_login" and entry.ip == "127.0.0.1"
        assert entry.request_id and entry.actor_type == "staff"
        # Signed with the configured key, and not the bare SHA-256 anyone could compute.
        assert entry.key_id == "demo1"
        fields = entry.chain_fields()
        assert entry.hash != legacy_hash(entry.prev_hash, fields)
        assert entry.hash == hmac.new(
            fresh_app.extensions["audit_chain_keys"].key("demo1"),
            (entry.prev_hash + json.dumps(
                {k: v for k, v in fields.items() if k not in ("prev_hash", "hash")},
                sort_keys=True, ensure_ascii=False, separators=(",", ":"))).encode(),
            hashlib.sha256).hexdigest()
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


def _record(db_session, n):
    seqs = [record("test.event", "thing", i).seq for i in range(n)]
    db_session.commit()
    return seqs


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
    seqs = _record(db_session, 3)
    attacker()
    db_session.execute(text("UPDATE audit_entries SET result = 'denied' WHERE seq = :s"),
                       {"s": seqs[1]})
    db_session.commit()
    assert verify_audit_chain() == [f"seq {seqs[1]}: content does not match its hash"]
    result = fresh_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "broken" in result.output
    assert f"seq {seqs[1]}: content does not match its hash" in result.output


def test_verify_detects_a_deleted_row(db_session, attacker):
    seqs = _record(db_session, 3)
    attacker()
    db_session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": seqs[-1]})
    db_session.commit()
    assert verify_audit_chain() != []


def _rewrite_from(db_session, first_seq, forge, edit):
    """What an attacker with database access does: edit the entry at `first_seq`, recompute
    the hash of it and of every later entry with `forge`, then fix the head."""
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.seq >= first_seq - 1)
                                 .order_by(AuditEntry.seq)).all()
    prev = entries[0].hash
    for entry in entries[1:]:
        fields = entry.chain_fields()
        if entry.seq == first_seq:
            fields.update(edit)
        fields["prev_hash"] = prev
        fields["key_id"], fields["hash"] = forge(prev, fields)
        db_session.execute(text(
            "UPDATE audit_entries SET result = :result, details = :details, "
            "prev_hash = :prev_hash, hash = :hash, key_id = :key_id WHERE seq = :seq"),
            {**fields, "details": json.dumps(fields["details"])})
        prev = fields["hash"]
    db_session.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})
    db_session.commit()
    db_session.expire_all()


FORGERIES = {
    "unkeyed sha-256": lambda prev, f: (None, legacy_hash(prev, {**f, "key_id": None})),
    "unkeyed sha-256, key id kept": lambda prev, f: (f["key_id"], legacy_hash(prev, f)),
    "hmac with a wrong key": lambda prev, f: (f["key_id"], keyed_hash(prev, f, KEY_2)),
}


@pytest.mark.parametrize("forge", FORGERIES, ids=list(FORGERIES))
def test_an_edit_rehashed_without_the_key_is_named(db_session, fresh_app, attacker, forge):
    seqs = _record(db_session, 4)
    attacker()
    _rewrite_from(db_session, seqs[1], FORGERIES[forge],
                  {"result": "denied", "details": {"edited": True}})
    edited = db_session.scalar(select(AuditEntry).where(AuditEntry.seq == seqs[1]))
    assert edited.result == "denied"  # the rewrite happened, and the head was fixed:
    assert db_session.get(AuditHead, 1).hash == db_session.scalar(
        select(AuditEntry.hash).where(AuditEntry.seq == seqs[-1]))
    problems = verify_audit_chain()
    assert [p.split(":")[0] for p in problems] == [f"seq {s}" for s in seqs[1:]]
    result = fresh_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"3 problem(s) in {seqs[-1]} entries checked" in result.output
    for seq in seqs[1:]:
        assert f"seq {seq}:" in result.output


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_checkpoint_appends_a_line_and_a_log_record(db_session, fresh_app, caplog):
    seqs = _record(db_session, 2)
    path = Path(fresh_app.config["AUDIT_CHECKPOINT_FILE"])
    with caplog.at_level(logging.INFO, logger="app.audit.checkpoint"):
        assert _cli(fresh_app, "checkpoint").exit_code == 0
    first = path.read_text()
    line = json.loads(first)
    head = db_session.get(AuditHead, 1)
    assert (line["seq"], line["hash"], line["key_id"]) == (seqs[-1], head.hash, "demo1")
    assert line["at"].endswith("+00:00")
    logged = [r.getMessage() for r in caplog.records if r.name == "app.audit.checkpoint"]
    grouped = "-".join(head.hash[i:i + 8] for i in range(0, 64, 8))
    assert logged == [f"audit checkpoint seq={seqs[-1]} key_id=demo1 at={line['at']} "
                      f"hash={grouped}"]
    _record(db_session, 1)
    assert _cli(fresh_app, "checkpoint").exit_code == 0
    text_now = path.read_text()
    assert text_now.startswith(first) and len(text_now.splitlines()) == 2
    assert read_latest_checkpoint(str(path)).seq == seqs[-1] + 1
    result = _cli(fresh_app, "verify")
    assert result.exit_code == 0
    assert f"intact: {seqs[-1] + 1} entries checked against the checkpoint of" in result.output
    assert f"(seq {seqs[-1] + 1}) in {path}" in result.output


def _truncate(db_session, keep_through):
    """Delete every entry after `keep_through` and point the head at it."""
    db_session.execute(text("DELETE FROM audit_entries WHERE seq > :s"), {"s": keep_through})
    kept = db_session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == keep_through))
    db_session.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"),
                       {"s": keep_through, "h": kept})
    db_session.commit()


def test_deleting_the_newest_entries_and_fixing_the_head_is_caught(db_session, fresh_app,
                                                                      attacker):
    seqs = _record(db_session, 4)
    write_audit_checkpoint()
    attacker()
    _truncate(db_session, seqs[1])
    path = Path(fresh_app.config["AUDIT_CHECKPOINT_FILE"])
    # The database alone is consistent again: only the checkpoint outside it tells.
    saved = path.read_bytes()
    path.unlink()
    assert verify_audit_chain() == []
    path.write_bytes(saved)
    problems = verify_audit_chain()
    assert any(f"head seq {seqs[1]} is behind the checkpoint" in p and f"(seq {seqs[-1]})" in p
               for p in problems)
    assert f"seq {seqs[2]}..{seqs[-1]}: missing" in problems[-1]
    result = _cli(fresh_app, "verify")
    assert result.exit_code != 0
    assert f"in {seqs[1]} entries checked against the checkpoint of" in result.output
    # Nor may a later checkpoint paper over it.
    refused = _cli(fresh_app, "checkpoint")
    assert refused.exit_code != 0 and "refused" in refused.output
    assert path.read_bytes() == saved


def test_truncated_then_refilled_past_the_checkpoint_is_caught(db_session, fresh_app,
                                                                attacker):
    seqs = _record(db_session, 3)
    write_audit_checkpoint()
    attacker()
    _truncate(db_session, seqs[0])
    _record(db_session, 4)  # the service goes on writing genuine, keyed entries
    anchored = read_latest_checkpoint(fresh_app.config["AUDIT_CHECKPOINT_FILE"])
    assert verify_audit_chain() == [f"seq {seqs[-1]}: differs from the checkpoint of "
                                    f"{anchored.at}"]
    assert _cli(fresh_app, "checkpoint").exit_code != 0


def _app_with_keys(app, ring):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      AUDIT_CHAIN_KEYS=ring,
                      AUDIT_CHECKPOINT_FILE=app.config["AUDIT_CHECKPOINT_FILE"])


def _record_in(app, n):
    with app.app_context():
        seqs = [record("test.event", "thing", i).seq for i in range(n)]
        db.session.commit()
        return seqs


def _verify_in(app):
    with app.app_context():
        return verify_audit_chain()


def test_key_rotation_keeps_older_entries_valid(fresh_app):
    old_seqs = _record_in(fresh_app, 2)
    rotated = _app_with_keys(fresh_app, ROTATED_RING + "," + DEMO_AUDIT_CHAIN_KEYS)
    new_seqs = _record_in(rotated, 2)
    with rotated.app_context():
        key_ids = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.key_id)).all())
    assert [key_ids[s] for s in old_seqs + new_seqs] == ["demo1", "demo1", "k2", "k2"]
    assert _verify_in(rotated) == []
    # The old key must stay in the ring: without it, what it signed cannot be verified.
    without_old = _app_with_keys(fresh_app, ROTATED_RING)
    problems = _verify_in(without_old)
    assert problems and all("which AUDIT_CHAIN_KEYS lacks" in p for p in problems)
    assert f"seq {old_seqs[0]}: signed with key 'demo1'" in " ".join(problems)
    # And the app that does not know k2 finds the new entries unverifiable.
    assert f"seq {new_seqs[0]}: signed with key 'k2', which AUDIT_CHAIN_KEYS lacks" in \
        _verify_in(fresh_app)


def test_production_requires_its_own_audit_key(monkeypatch):
    for name, value in {"JWT_SECRET": "x" * 40, "DATA_ENCRYPTION_KEYS":
                        "k1:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo3ODkwMTI=",
                        "BLIND_INDEX_KEY": "y" * 40, "WECHAT_SECRET": "real-secret",
                        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1/db"}.items():
        monkeypatch.setattr(ProductionConfig, name, value)
    with pytest.raises(RuntimeError, match="AUDIT_CHAIN_KEYS"):
        create_app(ProductionConfig)
    monkeypatch.setattr(ProductionConfig, "AUDIT_CHAIN_KEYS", ROTATED_RING)
    assert create_app(ProductionConfig).extensions["audit_chain_keys"].active_key_id == "k2"


def test_cli_reports_an_intact_chain(fresh_app):
    with fresh_app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    result = _cli(fresh_app, "verify")
    assert result.exit_code == 0
    assert f"audit chain intact: {count} entries checked" in result.output
    assert "no checkpoint in" in result.output


def test_checkpoint_loop_keeps_writing(fresh_app, tmp_path):
    """`flask audit checkpoint --loop --every 1` as a real process (as make run starts it)."""
    path = tmp_path / "loop.jsonl"
    env = dict(os.environ, APP_ENV="testing", AUDIT_CHECKPOINT_FILE=str(path),
               TEST_DATABASE_URL=fresh_app.config["SQLALCHEMY_DATABASE_URI"])
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "checkpoint", "--loop",
         "--every", "1"], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
                not path.exists() or len(path.read_text().splitlines()) < 2):
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    with fresh_app.app_context():
        head = db.session.get(AuditHead, 1)
        assert len(lines) >= 2
        assert {(line["seq"], line["hash"]) for line in lines} == {(head.seq, head.hash)}


def test_entries_from_before_the_keyed_chain_stay_valid_after_migration(tmp_path):
    """Upgrade a database holding unkeyed entries (0010) to head: they verify as the prefix,
    new entries are keyed, the append-only triggers survive. A scratch SQLite file, since the
    suite's database is already at head."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}",
                     AUDIT_CHECKPOINT_FILE=str(tmp_path / "cp.jsonl"))
    with app.app_context():
        flask_migrate.upgrade(directory=str(REPO_ROOT / "migrations"),
                              revision="0010_person_revision")
        prev = GENESIS
        for seq in (1, 2, 3):
            entry = dict(_entry(seq, prev, None), actor_type="system")
            entry["hash"] = legacy_hash(prev, entry)
            db.session.execute(text(
                "INSERT INTO audit_entries (seq, occurred_at, actor_type, actor_id, action, "
                "result, details, prev_hash, hash) VALUES (:seq, :at, 'system', '1', 'x', 'ok', "
                "'{}', :prev_hash, :hash)"),
                {**entry, "at": datetime.fromisoformat(entry["occurred_at"])})
            prev = entry["hash"]
        db.session.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": prev})
        db.session.commit()
        db.session.remove()
        flask_migrate.upgrade(directory=str(REPO_ROOT / "migrations"))
        record("test.after_upgrade")
        db.session.commit()
        key_ids = db.session.scalars(select(AuditEntry.key_id).order_by(AuditEntry.seq)).all()
        assert key_ids == [None, None, None, "demo1"]
        assert verify_audit_chain() == []
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_entries SET result = 'denied' WHERE seq = 1"))
        db.session.rollback()
