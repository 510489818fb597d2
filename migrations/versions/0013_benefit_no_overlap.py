"""policies: two benefit periods of one person and policy can never overlap

Revision ID: 0013_benefit_no_overlap
Revises: 0012_audit_keyed_chain
Create Date: 2026-12-02 10:00:00

record_benefit checks for an overlap in Python first (for a clear answer), but two
concurrent requests can both pass that check. The database refuses the second row itself:
on PostgreSQL an exclusion constraint over (person_id =, policy =, daterange &&) with both
ends inclusive and an open end unbounded; on SQLite BEFORE INSERT / UPDATE triggers that
abort with the constraint's name. app.core.conflicts maps either error to 409
policies.benefit_overlap.
"""
from alembic import op


revision = '0013_benefit_no_overlap'
down_revision = '0012_audit_keyed_chain'
branch_labels = None
depends_on = None

NAME = "ex_benefits_no_overlap"
# SQLite: an existing row of the same person and policy whose period meets NEW's.
_OVERLAP = """
    SELECT RAISE(ABORT, '{name}') WHERE EXISTS (
        SELECT 1 FROM benefits b
        WHERE b.person_id = NEW.person_id AND b.policy = NEW.policy AND b.id IS NOT NEW.id
          AND (b.ends_on IS NULL OR b.ends_on >= NEW.starts_on)
          AND (NEW.ends_on IS NULL OR b.starts_on <= NEW.ends_on))"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # btree_gist gives the gist index its = on bigint and text (a trusted extension).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(f"""
            ALTER TABLE benefits ADD CONSTRAINT {NAME} EXCLUDE USING gist (
                person_id WITH =, policy WITH =,
                daterange(starts_on, ends_on, '[]') WITH &&)""")
    else:
        check = _OVERLAP.format(name=NAME)
        op.execute(f"""CREATE TRIGGER {NAME}_ins BEFORE INSERT ON benefits
            BEGIN {check}; END""")
        op.execute(f"""CREATE TRIGGER {NAME}_upd
            BEFORE UPDATE OF person_id, policy, starts_on, ends_on ON benefits
            BEGIN {check}; END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE benefits DROP CONSTRAINT IF EXISTS {NAME}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {NAME}_ins")
        op.execute(f"DROP TRIGGER IF EXISTS {NAME}_upd")
