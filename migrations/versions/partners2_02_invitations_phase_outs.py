"""partners: invitations of discovered persons per campaign round, dibao phase-outs

Revision ID: partners2_02
Revises: console_01
Create Date: 2026-12-03 14:10:00

Issue 15: a discovered person is invited through the push outbox once per campaign round
(unique campaign and person); a person who leaves dibao is recorded once per membership end
(unique key) and told about the phase-out (低保渐退).
"""
from alembic import op
import sqlalchemy as sa


revision = 'partners2_02'
down_revision = 'console2_02'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('partner_invitations',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('campaign_id', BIG, nullable=False),
    sa.Column('person_id', BIG, nullable=False),
    sa.Column('record_id', BIG, nullable=False),
    sa.Column('message_id', BIG, nullable=True),
    sa.Column('invited_by_staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['push_campaigns.id'], name=op.f('fk_partner_invitations_campaign_id_push_campaigns')),
    sa.ForeignKeyConstraint(['invited_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_partner_invitations_invited_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['message_id'], ['push_messages.id'], name=op.f('fk_partner_invitations_message_id_push_messages')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_partner_invitations_person_id_persons')),
    sa.ForeignKeyConstraint(['record_id'], ['partner_records.id'], name=op.f('fk_partner_invitations_record_id_partner_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_invitations')),
    sa.UniqueConstraint('campaign_id', 'person_id', name=op.f('uq_partner_invitations_campaign_id_person_id'))
    )
    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_invitations_person_id'), ['person_id'], unique=False)

    op.create_table('partner_dibao_phase_outs',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('record_id', BIG, nullable=False),
    sa.Column('import_id', BIG, nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('person_id', BIG, nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('message_id', BIG, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['partner_imports.id'], name=op.f('fk_partner_dibao_phase_outs_import_id_partner_imports')),
    sa.ForeignKeyConstraint(['message_id'], ['push_messages.id'], name=op.f('fk_partner_dibao_phase_outs_message_id_push_messages')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_partner_dibao_phase_outs_person_id_persons')),
    sa.ForeignKeyConstraint(['record_id'], ['partner_records.id'], name=op.f('fk_partner_dibao_phase_outs_record_id_partner_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_dibao_phase_outs')),
    sa.UniqueConstraint('key', name=op.f('uq_partner_dibao_phase_outs_key'))
    )
    with op.batch_alter_table('partner_dibao_phase_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_dibao_phase_outs_community_code'), ['community_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_dibao_phase_outs_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_dibao_phase_outs_record_id'), ['record_id'], unique=False)


def downgrade():
    op.drop_table('partner_dibao_phase_outs')
    op.drop_table('partner_invitations')
