"""`flask audit verify` detects an edited or deleted audit row; `flask audit checkpoint`
anchors the chain's head outside the database."""
import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

from .services import CheckpointRefused, check_audit_chain, write_audit_checkpoint

audit_cli = AppGroup("audit", help="Audit trail commands.")
log = logging.getLogger("app.audit.checkpoint")


def _against(report):
    if report.checkpoint is None:
        return (f"no checkpoint in {report.checkpoint_path} (deleting the newest entries "
                f"cannot be detected until one is written)")
    cp = report.checkpoint
    return f"against the checkpoint of {cp.at} (seq {cp.seq}) in {report.checkpoint_path}"


@audit_cli.command("verify")
@click.option("--batch-size", default=5000, show_default=True,
              help="Entries read from the database at a time.")
def verify_command(batch_size):
    """Recompute every entry's keyed hash; compare with the head and the latest checkpoint."""
    report = check_audit_chain(lambda problem: click.echo(problem, err=True), batch_size)
    if report.problem_count:
        raise SystemExit(f"audit chain broken: {report.problem_count} problem(s) in "
                         f"{report.rows_checked} entries checked {_against(report)}")
    click.echo(f"audit chain intact: {report.rows_checked} entries checked {_against(report)}")


@audit_cli.command("checkpoint")
@click.option("--loop", is_flag=True, help="Keep writing one every --every seconds.")
@click.option("--every", type=click.IntRange(min=1), default=None,
              help="Seconds between checkpoints with --loop [AUDIT_CHECKPOINT_SECONDS].")
def checkpoint_command(loop, every):
    """Append the chain's head (seq, hash, key id, time) to AUDIT_CHECKPOINT_FILE and the log."""
    every = every or current_app.config["AUDIT_CHECKPOINT_SECONDS"]
    while True:
        try:
            checkpoint = write_audit_checkpoint()
            click.echo(f"audit checkpoint: seq {checkpoint.seq} at {checkpoint.at}")
        except CheckpointRefused as refused:
            log.error("audit checkpoint refused: %s", refused)
            if not loop:
                raise SystemExit(f"audit checkpoint refused: {refused}") from None
        finally:
            db.session.remove()
        if not loop:
            return
        time.sleep(every)
