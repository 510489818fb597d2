"""stats: rollups per region and month, and the regions whose rollup is stale (issue 17)

Revision ID: console2_02
Revises: tracking2_02
Create Date: 2026-12-03 14:05:00

The statistics page reads pre-counted rows instead of scanning a million persons: each
region's own counts and its subtree's totals per month, and the regions marked by a change
in the same transaction, recomputed before the next read (app/stats/rollup.py). Contacts
get an index by region for that recount.
"""
from alembic import op
import sqlalchemy as sa


revision = 'console2_02'
down_revision = 'tracking2_02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_rollup',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('figure', sa.String(length=24), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'level', 'year', 'month', 'figure', 'key',
                            name=op.f('pk_stats_rollup'))
    )
    op.create_index('ix_tracking_contacts_region_on', 'tracking_contacts',
                    ['region_code', 'contacted_on'], unique=False)
    op.create_table('stats_dirty',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'source', name=op.f('pk_stats_dirty'))
    )


def downgrade():
    op.drop_table('stats_dirty')
    op.drop_index('ix_tracking_contacts_region_on', table_name='tracking_contacts')
    op.drop_table('stats_rollup')
