"""`flask policies refresh-due` (run daily by cron): recompute when running benefits run
out, so the expiry list follows changed facts and new catalog versions."""
import click
from flask.cli import AppGroup

from app.extensions import db

from .benefits import refresh_running_due_dates

policies_cli = AppGroup("policies", help="Policies: benefit due dates.")


@policies_cli.command("refresh-due")
def refresh_due_command():
    """Recompute the due dates of running benefits."""
    changed = refresh_running_due_dates()
    db.session.commit()
    click.echo(f"benefit due dates refreshed ({changed} changed)")
