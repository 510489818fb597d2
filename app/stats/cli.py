"""`flask stats rebuild` and `flask stats refresh`: the statistics' rollups by hand or cron."""
import time

import click
from flask.cli import AppGroup

from app.extensions import db

from .rollup import rebuild, refresh

stats_cli = AppGroup("stats", help="The statistics' rollups.")


@stats_cli.command("rebuild")
def rebuild_command():
    """Count every figure afresh from the raw rows (after a bulk load that bypassed the
    application, e.g. COPY or the daily job's set-based SQL)."""
    started = time.monotonic()
    rows = rebuild()
    db.session.commit()
    click.echo(f"own rows: {rows}; {time.monotonic() - started:.1f} s")


@stats_cli.command("refresh")
def refresh_command():
    """Recount the regions changed since the last read (the page does this too)."""
    while True:
        pending = refresh(wait=True)
        db.session.commit()
        if not pending:
            break
    click.echo("rollups up to date")
