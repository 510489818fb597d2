"""`flask tracking daily`: the morning run of the help loop (cron, once a day)."""
from datetime import date

import click
from flask.cli import AppGroup

from app.extensions import db

from .daily import run_daily

tracking_cli = AppGroup("tracking", help="The help loop: the daily job.")


@tracking_cli.command("daily")
@click.option("--date", "on", default=None, help="the Beijing date to run for (YYYY-MM-DD)")
def daily(on):
    """Open due follow-ups and expiry assessments, escalate missed help requests, list
    zero-employment households, write the staff digests. Safe to run twice."""
    counts = run_daily(date.fromisoformat(on) if on else None)
    db.session.commit()
    for name, value in counts.items():
        click.echo(f"{name}: {value}")
