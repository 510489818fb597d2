"""`flask codes sync` (run nightly by cron): issue codes for every certified person and
revoke the codes of people who exited (see app.codes.services for why this is pull-based)."""
import click
from flask import current_app
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


@codes_cli.command("build-overviews")
@click.option("--batch", default=20, show_default=True, help="Persons built per round.")
@click.option("--nice", "niceness", default=19, show_default=True,
              help="CPU priority to lower by: the builder takes what requests leave.")
@click.option("--status-file", default=None,
              help="Write pending, built and CPU seconds here after each round (bench.run).")
def build_overviews_command(batch, niceness, status_file):
    """Build a person's overview into the shared view cache when their data changes (one
    process, beside the service; PostgreSQL and REDIS_URL, else it idles)."""
    from .builder import run_builder
    builder = run_builder(current_app._get_current_object(), batch, status_file, niceness)
    click.echo(f"overview builder done: {builder.built} built, {builder.present} already there")
