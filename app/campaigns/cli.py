"""`flask push campaigns ...`: expand campaigns into the push outbox."""
import time

import click
from flask.cli import AppGroup

from . import services

campaigns_cli = AppGroup("campaigns", help="Campaigns: expand into the outbox.")


@campaigns_cli.command("run")
@click.option("--batch", type=click.IntRange(100, 50000), default=services.DEFAULT_BATCH,
              help="Recipients queued per transaction.")
@click.option("--loop", is_flag=True, help="Keep checking for due campaigns.")
@click.option("--interval", type=float, default=30.0, help="Seconds between checks (--loop).")
def run_command(batch, loop, interval):
    """Queue the messages of every campaign whose window is open (resumable)."""
    while True:
        started = time.monotonic()
        done = services.run_due(batch_size=batch)
        for campaign_id, inserted in done.items():
            click.echo(f"campaign {campaign_id}: {inserted} message(s) queued "
                       f"in {time.monotonic() - started:.1f}s")
        if not loop:
            if not done:
                click.echo("no campaign due")
            return
        time.sleep(interval)
