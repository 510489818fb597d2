"""accounts: staff_grant_requests, grants waiting for a second security admin

Revision ID: 0011_staff_grants
Revises: 0010_person_revision
Create Date: 2026-12-01 10:00:00

Issue 12: giving a role that reads or decides on persons (or the security admin role) needs
a second security admin's approval; the request waits here until it is approved or rejected.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_staff_grants'
down_revision = '0010_person_revision'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_grant_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('display_name', sa.String(length=64), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_staff_grant_requests_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_staff_grant_requests_region_code_regions')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_staff_grant_requests_station_id_stations')),
    sa.ForeignKeyConstraint(['requested_by'], ['staff_accounts.id'], name=op.f('fk_staff_grant_requests_requested_by_staff_accounts')),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_accounts.id'], name=op.f('fk_staff_grant_requests_decided_by_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_grant_requests'))
    )
    with op.batch_alter_table('staff_grant_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_grant_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_grant_requests_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_grant_requests_region_code'), ['region_code'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_grant_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_grant_requests_region_code'))
        batch_op.drop_index(batch_op.f('ix_staff_grant_requests_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_grant_requests_status'))
    op.drop_table('staff_grant_requests')
