"""`flask certification tick` (run every few minutes by cron): escalate overdue steps and let
public notices that ended take effect. `flask certification calendar YEAR FILE` loads a
year's official holiday schedule from JSON ({"holidays": [...], "workdays": [...],
"source": "..."})."""
import json
from datetime import date, timedelta

import click
from flask.cli import AppGroup

from app.core.clock import local_today, utcnow
from app.core.idempotency import purge_idempotency_keys
from app.core.errors import AppError
from app.extensions import db

from .review import escalate_overdue, finalize_due_notices
from .settings import load_calendar_year

certification_cli = AppGroup("certification", help="Certification: deadlines, escalation, public notices.")


@certification_cli.command("tick")
def tick_command():
    """Escalate overdue steps; finalize ended public notices; forget day-old idempotency keys."""
    today = local_today()
    escalated = escalate_overdue(today)
    db.session.commit()
    finalized = finalize_due_notices(today)
    db.session.commit()
    purged = purge_idempotency_keys(utcnow() - timedelta(hours=24))
    db.session.commit()
    click.echo(f"escalated {escalated}, notices finalized {finalized}, keys purged {purged}")


@certification_cli.command("calendar")
@click.argument("year", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def calendar_command(year, path):
    """Load one year's holiday schedule (preferred over the calendar package)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    try:
        load_calendar_year(year, {date.fromisoformat(d) for d in data["holidays"]},
                           {date.fromisoformat(d) for d in data["workdays"]},
                           data.get("source", path), "cli")
    except AppError as exc:
        raise SystemExit(f"refused: {exc.details or exc.code}")
    db.session.commit()
    click.echo(f"{year}: schedule loaded")
