"""codes: a notice on channel person_changed when a signed-up person's revision moves

Revision ID: viewfast_03
Revises: partners2_02
Create Date: 2026-12-03 17:30:00

The overview builder (`flask codes build-overviews`, app/codes/builder.py) listens on it and
renders the person's overview into the shared view cache under the new revision, so the
person's first look after a change is a read. PostgreSQL only (LISTEN/NOTIFY); SQLite has no
such channel and builds every view on demand. A notice is sent at commit, once per person
and transaction, and is lost when no builder listens: the view is then built on demand, so
nothing depends on it but speed.
"""
from alembic import op


revision = 'viewfast_03'
down_revision = 'partners2_02'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION persons_changed_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('person_changed', NEW.id::text);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""")
    # After persons_revision (BEFORE UPDATE) and the child tables' bumps have moved it.
    op.execute("""
        CREATE TRIGGER persons_changed_notify AFTER UPDATE ON persons FOR EACH ROW
        WHEN (NEW.revision <> OLD.revision AND NEW.person_account_id IS NOT NULL)
        EXECUTE FUNCTION persons_changed_notify()""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS persons_changed_notify ON persons")
    op.execute("DROP FUNCTION IF EXISTS persons_changed_notify()")
