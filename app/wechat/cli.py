"""`flask push ...`: the outbox worker and a few operator commands."""
import signal

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.core.errors import AppError
from app.extensions import db

from .models import MessageStatus, PushMessage
from .services import enqueue_message, requeue_message

push_cli = AppGroup("push", help="Push: WeChat subscribe messages and SMS (worker, requeue).")


@push_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--batch", type=click.IntRange(1, 1000), default=None,
              help="Messages claimed per transaction (default PUSH_BATCH_SIZE).")
def worker_command(once, batch):
    """Deliver queued messages. Several may run on PostgreSQL; run one on SQLite."""
    # Imported here: the worker brings requests (SMS), which a web worker never needs.
    from .worker import build_worker
    worker = build_worker(current_app, batch_size=batch)
    # SIGTERM/SIGINT: finish the message on the wire, give back the rest, exit.
    previous = {sig: signal.signal(sig, worker.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        counts = worker.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"push worker done: {counts}")


@push_cli.command("stats")
def stats_command():
    """Messages per status and channel."""
    rows = db.session.execute(select(PushMessage.status, PushMessage.channel, func.count())
                              .group_by(PushMessage.status, PushMessage.channel)
                              .order_by(PushMessage.status, PushMessage.channel)).all()
    for status, channel, count in rows:
        click.echo(f"{status:<8} {channel:<7} {count}")
    if not rows:
        click.echo("no messages")


@push_cli.command("requeue")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--unknown", "all_unknown", is_flag=True,
              help="Every message whose delivery is unknown (a worker died mid-send).")
def requeue_command(message_ids, all_unknown):
    """Send `unknown` or `failed` messages again (each one audited)."""
    ids = list(message_ids)
    if all_unknown:
        ids += db.session.scalars(select(PushMessage.id)
                                  .where(PushMessage.status == MessageStatus.UNKNOWN)).all()
    if not ids:
        raise click.UsageError("give message ids or --unknown")
    try:
        for message_id in ids:
            requeue_message(message_id)
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code} {exc.details}") from None
    db.session.commit()
    click.echo(f"requeued {len(ids)} message(s)")


def _pairs(items, what):
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r}: expected name=value", param_hint=what)
        out[name] = value
    return out


@push_cli.command("enqueue")
@click.argument("kind")
@click.option("--account", "account_id", type=int, required=True, help="Person account id.")
@click.option("--value", "values", multiple=True, help="Field value: name=value (repeat).")
@click.option("--page-query", "page_query", multiple=True, help="Page query: key=value.")
@click.option("--dedupe-key", required=True)
def enqueue_command(kind, account_id, values, page_query, dedupe_key):
    """Queue one message (operations and the demo); the worker sends it."""
    try:
        message = enqueue_message(kind, account_id, _pairs(values, "--value"), dedupe_key,
                                  page_query=_pairs(page_query, "--page-query") or None)
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code} {exc.details}") from None
    db.session.commit()
    click.echo(f"message {message.id}: {message.status}")
