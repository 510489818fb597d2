"""`flask codes sync` (run nightly by cron): issue codes for every certified person and
revoke the codes of people who exited (see app.codes.services for why this is pull-based)."""
import click
from flask.cli import AppGroup

from app.extensions import db

from .services import sync_all

codes_cli = AppGroup("codes", help="Personal codes: issue and revoke to match certifications.")


@codes_cli.command("sync")
def sync_command():
    """Issue missing codes for certified persons; revoke codes of persons who exited."""
    issued, revoked = sync_all()
    db.session.commit()
    click.echo(f"codes issued: {issued}, revoked: {revoked}")
