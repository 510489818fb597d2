"""tracking: the hand-over history of cases, the WeChat a staff member receives the daily
digest on, and the expiry notice under its issue name `policy_expiring` (issue 14)

Revision ID: tracking2_02
Revises: money2_02
Create Date: 2026-12-03 14:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'tracking2_02'
down_revision = 'money2_02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tracking_case_handovers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('why', sa.String(length=20), nullable=False),
    sa.Column('from_region_code', sa.String(length=12), nullable=False),
    sa.Column('to_region_code', sa.String(length=12), nullable=False),
    sa.Column('from_station_id', sa.Integer(), nullable=True),
    sa.Column('to_station_id', sa.Integer(), nullable=True),
    sa.Column('from_staff_id', sa.Integer(), nullable=True),
    sa.Column('to_staff_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['tracking_cases.id'], name=op.f('fk_tracking_case_handovers_case_id_tracking_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_case_handovers'))
    )
    with op.batch_alter_table('tracking_case_handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_case_handovers_case_id'), ['case_id'], unique=False)

    op.create_table('tracking_digest_links',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('person_account_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_account_id'], ['person_accounts.id'], name=op.f('fk_tracking_digest_links_person_account_id_person_accounts')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_tracking_digest_links_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_tracking_digest_links')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_tracking_digest_links_code_hash')),
    sa.UniqueConstraint('person_account_id', name=op.f('uq_tracking_digest_links_person_account_id'))
    )
    # Expiry notices queued under the interim kind keep their rendered data: the fields of
    # `policy_expiring` are now the same (policy, expires_on, note).
    # Elsewhere the template id comes from WECHAT_TEMPLATE_IDS; only the demo id is known here.
    op.execute("UPDATE push_messages SET kind = 'policy_expiring' WHERE kind = 'benefit_expiring'")
    op.execute("UPDATE push_messages SET template_id = 'demo-tmpl-policy-expiring' "
               "WHERE template_id = 'demo-tmpl-benefit-expiring'")


def downgrade():
    op.execute("UPDATE push_messages SET kind = 'benefit_expiring' "
               "WHERE kind = 'policy_expiring' AND dedupe_key LIKE 'track:exp:%'")
    op.drop_table('tracking_digest_links')
    with op.batch_alter_table('tracking_case_handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_case_handovers_case_id'))
    op.drop_table('tracking_case_handovers')
