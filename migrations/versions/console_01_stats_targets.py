"""stats: the year's targets per region (issue 17)

Revision ID: console_01
Revises: 0014_privacy_limits
Create Date: 2026-12-03 10:40:00

Targets of "helped into work" and "disabled helped into work" per region and year, set by
the administrators above the region (the region's §1 targets split across the leagues).
"""
from alembic import op
import sqlalchemy as sa


revision = 'console_01'
down_revision = 'partners_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_targets',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('helped', sa.Integer(), nullable=False),
    sa.Column('disabled_helped', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('helped >= 0 AND disabled_helped >= 0 AND disabled_helped <= helped',
                       name=op.f('ck_stats_targets_targets_sane')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'],
                            name=op.f('fk_stats_targets_region_code_regions')),
    sa.PrimaryKeyConstraint('region_code', 'year', name=op.f('pk_stats_targets'))
    )


def downgrade():
    op.drop_table('stats_targets')
