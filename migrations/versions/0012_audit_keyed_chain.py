"""audit: keyed chain, audit_entries.key_id

Revision ID: 0012_audit_keyed_chain
Revises: 0011_staff_grants
Create Date: 2026-12-01 10:00:00

Entries are now signed with HMAC-SHA-256 under a key from AUDIT_CHAIN_KEYS; `key_id` names
the key. Existing entries keep key_id NULL: their unkeyed SHA-256 stays valid as a prefix of
the chain (app/audit/chain.py). A plain ADD COLUMN, so SQLite keeps the table and its
append-only triggers (a batch table rebuild would drop them).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_audit_keyed_chain'
down_revision = '0011_staff_grants'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_entries', sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade():
    # Without key_id the keyed entries cannot be verified: downgrade only what holds none.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column('audit_entries', 'key_id')
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
        with op.batch_alter_table('audit_entries', schema=None) as batch_op:
            batch_op.drop_column('key_id')
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_entries_no_{event.lower()} BEFORE {event} ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""")
