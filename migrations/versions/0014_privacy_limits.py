"""people: proxy links that wait for the relative or a station; shared rate-limit counters

Revision ID: 0014_privacy_limits
Revises: 0013_benefit_no_overlap
Create Date: 2026-12-02 10:00:00

Issue 12: a family member's request to act for a relative (亲情服务) no longer takes effect
at once: it waits in proxy_links until the relative confirms it or a station verifies it; a
person record created by such a request is "unvouched" until then and the real person can
claim it. Rate limits are counted in rate_limit_counters (shared by every worker) when
Redis is not configured.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_privacy_limits'
down_revision = '0013_benefit_no_overlap'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): persons carries the revision triggers of 0010.
    op.add_column('persons', sa.Column('unvouched', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_table('proxy_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('pending_facts_sealed', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=40), nullable=True),
    sa.Column('legal_basis_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_proxy_links_person_id_persons')),
    sa.ForeignKeyConstraint(['account_id'], ['person_accounts.id'], name=op.f('fk_proxy_links_account_id_person_accounts')),
    sa.ForeignKeyConstraint(['legal_basis_id'], ['legal_bases.id'], name=op.f('fk_proxy_links_legal_basis_id_legal_bases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_links')),
    sa.UniqueConstraint('person_id', 'account_id', name=op.f('uq_proxy_links_person_id_account_id'))
    )
    with op.batch_alter_table('proxy_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_links_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_links_account_id'), ['account_id'], unique=False)
    op.create_table('rate_limit_counters',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters'))
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at_ms'), ['expires_at_ms'], unique=False)


def downgrade():
    op.drop_table('rate_limit_counters')
    op.drop_table('proxy_links')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('unvouched')
