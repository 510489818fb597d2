"""Benchmark: `flask audit verify` over a 1,000,000-entry keyed chain in a scratch SQLite file.

Not part of the test suite. Run from the repo root:

    .venv/bin/python -m bench.audit_verify [--rows 1000000] [--batch-size 5000]

A child process migrates an empty SQLite file, bulk-inserts a valid HMAC chain (executemany
in chunks, journal off: a scratch file) and writes a checkpoint of its head. This process then
runs the same verification as `flask audit verify` (check_audit_chain, streamed with
yield_per) and prints entries per second and its own peak RSS: the build ran elsewhere, so
the figure is what verifying costs. Run it with --rows 100000 too: the RSS must not grow with
the chain.
"""
import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

CHUNK = 50_000
ACTIONS = ("person.viewed", "auth.staff_login", "code.resolved", "person.updated",
           "certification.decided")


def _app(database, checkpoints):
    from app import create_app
    return create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                      AUDIT_CHECKPOINT_FILE=str(checkpoints))


def _entries(rows, keys):
    """A valid chain, entry by entry, signed with the active key (what record() writes)."""
    from app.audit.chain import GENESIS, keyed_hash
    key_id, key = keys.active_key_id, keys.key(keys.active_key_id)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    prev = GENESIS
    for seq in range(1, rows + 1):
        entry = {"seq": seq, "occurred_at": start + timedelta(seconds=seq),
                 "actor_type": "staff", "actor_id": str(seq % 500), "action":
                 ACTIONS[seq % len(ACTIONS)], "target_type": "person",
                 "target_id": str(seq % 100_000), "result": "ok", "ip": "10.0.0.1",
                 "request_id": f"{seq:032x}", "details": {"purpose": "service", "n": seq % 7},
                 "prev_hash": prev, "key_id": key_id}
        signed = dict(entry, occurred_at=entry["occurred_at"].isoformat())
        entry["hash"] = keyed_hash(prev, signed, key)
        prev = entry["hash"]
        yield entry


def build(database, checkpoints, rows):
    """Migrate an empty file and fill it with a valid chain of `rows` entries."""
    import flask_migrate
    from sqlalchemy import text, update

    from app.audit.models import AuditEntry, AuditHead
    from app.audit.services import chain_keys, write_audit_checkpoint
    from app.extensions import db

    app = _app(database, checkpoints)
    with app.app_context():
        flask_migrate.upgrade(directory=str(REPO_ROOT / "migrations"))
        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA journal_mode = OFF"))
            conn.execute(text("PRAGMA synchronous = OFF"))
        insert = AuditEntry.__table__.insert()
        chunk, last = [], None
        for entry in _entries(rows, chain_keys()):
            chunk.append(entry)
            if len(chunk) == CHUNK:
                last = _flush(db, insert, chunk)
        if chunk:
            last = _flush(db, insert, chunk)
        with db.engine.begin() as conn:
            conn.execute(update(AuditHead).where(AuditHead.id == 1)
                         .values(seq=last["seq"], hash=last["hash"]))
        write_audit_checkpoint()
        print(f"built {rows:,} entries in {time.perf_counter() - started:.1f} s", flush=True)


def _flush(db, insert, chunk):
    with db.engine.begin() as conn:
        conn.execute(insert, chunk)
    last = chunk[-1]
    chunk.clear()
    return last


def verify(database, checkpoints, batch_size):
    from app.audit.services import check_audit_chain
    from app.extensions import db

    app = _app(database, checkpoints)
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))  # connect before the clock starts
        before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        problems = []
        started = time.perf_counter()
        report = check_audit_chain(problems.append, batch_size)
        elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report, problems, elapsed, (before_mib, peak_mib)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--build", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(Path(args.build) / "audit.db", Path(args.build) / "checkpoints.jsonl", args.rows)
        return
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as scratch:
        subprocess.run([sys.executable, "-m", "bench.audit_verify", "--rows", str(args.rows),
                        "--build", scratch], cwd=REPO_ROOT, check=True)
        report, problems, elapsed, (before_mib, peak_mib) = verify(
            Path(scratch) / "audit.db", Path(scratch) / "checkpoints.jsonl", args.batch_size)
    if problems or report.rows_checked != args.rows or report.checkpoint is None:
        sys.exit(f"unexpected result: {report}, problems {problems[:5]}")
    print(f"verified {report.rows_checked:,} entries against the checkpoint at seq "
          f"{report.checkpoint.seq:,} in {elapsed:.1f} s: "
          f"{report.rows_checked / elapsed:,.0f} entries/s, peak RSS {peak_mib:.0f} MiB "
          f"({before_mib:.0f} MiB with the app loaded, before verifying; batch size "
          f"{args.batch_size})")


if __name__ == "__main__":
    main()
