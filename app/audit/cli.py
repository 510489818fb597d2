"""`flask audit verify`: detects an edited or deleted audit row."""
import click
from flask.cli import AppGroup

from .services import verify_audit_chain

audit_cli = AppGroup("audit", help="Audit trail commands.")


@audit_cli.command("verify")
def verify_command():
    """Recompute the hash chain of every audit entry."""
    problems = verify_audit_chain()
    if problems:
        for line in problems[:50]:
            click.echo(line, err=True)
        raise SystemExit(f"audit chain broken: {len(problems)} problem(s)")
    click.echo("audit chain intact")
