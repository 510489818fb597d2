"""money: claims and their monthly lines, funds and their ledger, payment batches,
payments and bank return files, public-welfare posts with placements and quarterly
advance + settlement (issue 16)

Revision ID: money_01
Revises: 0014_privacy_limits
Create Date: 2026-12-03 10:05:26

No month is paid twice: uq_money_lines_period on (person_id, policy, period). The approver
is never the enterer or checker: ck_money_claims_second_person (and the confirmer none of
them: ck_money_claims_confirmer). A line has at most two payments (one re-batch after a
failed payment was corrected): uq_money_payments_attempt + ck_money_payments_attempt.
A person is placed in public-welfare posts at most twice: uq_money_placements_sequence +
ck_money_placements_sequence; one advance per post and quarter: uq_money_settlements_quarter.
Ledger entries move a positive amount between two different accounts, so every transaction
is balanced by construction.

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = 'money_01'
down_revision = 'tracking_01'
branch_labels = None
depends_on = None


# Claims and their lines are the person's data the self overview shows (claims in
# progress, payments): their changes bump persons.revision like the tables of 0010, so the
# cached overview is never stale. Also listed in app.people.models.PERSON_DATA_TABLES.
REVISION_TABLES = ("money_claims", "money_claim_lines")


def _revision_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in REVISION_TABLES:
            op.execute(f"""
                CREATE TRIGGER {table}_person_revision AFTER INSERT OR UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION persons_revision_bump('person_id', 'person')""")
        return
    for table in REVISION_TABLES:
        bump = "UPDATE persons SET revision = revision + 1 WHERE id"
        op.execute(f"""CREATE TRIGGER {table}_person_revision_ins AFTER INSERT ON {table}
            BEGIN {bump} = NEW.person_id; END""")
        op.execute(f"""CREATE TRIGGER {table}_person_revision_upd AFTER UPDATE ON {table}
            BEGIN {bump} IN (NEW.person_id, OLD.person_id); END""")
        op.execute(f"""CREATE TRIGGER {table}_person_revision_del AFTER DELETE ON {table}
            BEGIN {bump} = OLD.person_id; END""")


def _drop_revision_triggers():
    for table in REVISION_TABLES:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_person_revision ON {table}")
        else:
            for suffix in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_person_revision_{suffix}")


def upgrade():
    op.create_table('money_funds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_money_funds_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_funds')),
    sa.UniqueConstraint('region_code', 'source', name='uq_money_funds_source')
    )
    with op.batch_alter_table('money_funds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_funds_region_code'), ['region_code'], unique=False)

    op.create_table('money_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_no', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('fund_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('checksum', sa.String(length=80), nullable=False),
    sa.Column('built_by', sa.String(length=40), nullable=False),
    sa.Column('built_by_staff_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('sent_by', sa.String(length=40), nullable=True),
    sa.Column('sent_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('approved_by_staff_id IS NULL OR approved_by_staff_id <> built_by_staff_id', name=op.f('ck_money_batches_second_person')),
    sa.ForeignKeyConstraint(['approved_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_batches_approved_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['built_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_batches_built_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['fund_id'], ['money_funds.id'], name=op.f('fk_money_batches_fund_id_money_funds')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_money_batches_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_batches')),
    sa.UniqueConstraint('batch_no', name=op.f('uq_money_batches_batch_no'))
    )
    with op.batch_alter_table('money_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_batches_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_batches_region_code'), ['region_code'], unique=False)

    op.create_table('money_ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('fund_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('from_account', sa.String(length=48), nullable=False),
    sa.Column('to_account', sa.String(length=48), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_money_ledger_entries_positive')),
    sa.CheckConstraint('from_account <> to_account', name=op.f('ck_money_ledger_entries_two_accounts')),
    sa.ForeignKeyConstraint(['fund_id'], ['money_funds.id'], name=op.f('fk_money_ledger_entries_fund_id_money_funds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_ledger_entries'))
    )
    with op.batch_alter_table('money_ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_ledger_entries_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index('ix_money_ledger_from', ['from_account', 'posted_on'], unique=False)
        batch_op.create_index('ix_money_ledger_to', ['to_account', 'posted_on'], unique=False)

    op.create_table('money_bank_returns',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['money_batches.id'], name=op.f('fk_money_bank_returns_batch_id_money_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_bank_returns')),
    sa.UniqueConstraint('batch_id', 'file_sha256', name='uq_money_returns_file')
    )
    with op.batch_alter_table('money_bank_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_bank_returns_batch_id'), ['batch_id'], unique=False)

    op.create_table('money_claims',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('payee_type', sa.String(length=16), nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('current_step', sa.String(length=24), nullable=True),
    sa.Column('step_due_on', sa.Date(), nullable=True),
    sa.Column('month_from', sa.Date(), nullable=False),
    sa.Column('month_to', sa.Date(), nullable=True),
    sa.Column('periods', sa.SmallInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('catalog_version', sa.String(length=32), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('claimed_on', sa.Date(), nullable=False),
    sa.Column('account_number', app.core.types.EncryptedText(), nullable=False),
    sa.Column('account_bank', sa.String(length=64), nullable=False),
    sa.Column('consent_channel', sa.String(length=24), nullable=True),
    sa.Column('entered_by', sa.String(length=40), nullable=False),
    sa.Column('entered_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('checked_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('last_note', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_money_claims_amount')),
    sa.CheckConstraint('approved_by_staff_id IS NULL OR (approved_by_staff_id <> COALESCE(entered_by_staff_id, 0) AND approved_by_staff_id <> COALESCE(checked_by_staff_id, 0))', name=op.f('ck_money_claims_second_person')),
    sa.CheckConstraint('confirmed_by_staff_id IS NULL OR (confirmed_by_staff_id <> COALESCE(approved_by_staff_id, 0) AND confirmed_by_staff_id <> COALESCE(entered_by_staff_id, 0) AND confirmed_by_staff_id <> COALESCE(checked_by_staff_id, 0))', name=op.f('ck_money_claims_confirmer')),
    sa.ForeignKeyConstraint(['approved_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_claims_approved_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['checked_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_claims_checked_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['confirmed_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_claims_confirmed_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_money_claims_employer_id_employers')),
    sa.ForeignKeyConstraint(['entered_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_claims_entered_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_money_claims_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_money_claims_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_claims'))
    )
    with op.batch_alter_table('money_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_claims_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_claims_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_claims_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_claims_step_due_on'), ['step_due_on'], unique=False)

    op.create_table('money_claim_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['money_claims.id'], name=op.f('fk_money_claim_events_claim_id_money_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_claim_events'))
    )
    with op.batch_alter_table('money_claim_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_claim_events_claim_id'), ['claim_id'], unique=False)

    op.create_table('money_claim_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('policy', sa.String(length=64), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('fund_source', sa.String(length=32), nullable=False),
    sa.Column('payee_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_money_claim_lines_amount')),
    sa.ForeignKeyConstraint(['batch_id'], ['money_batches.id'], name=op.f('fk_money_claim_lines_batch_id_money_batches')),
    sa.ForeignKeyConstraint(['claim_id'], ['money_claims.id'], name=op.f('fk_money_claim_lines_claim_id_money_claims')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_money_claim_lines_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_money_claim_lines_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_claim_lines')),
    sa.UniqueConstraint('person_id', 'policy', 'period', name='uq_money_lines_period')
    )
    with op.batch_alter_table('money_claim_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_claim_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_claim_lines_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_money_lines_batchable', ['region_code', 'fund_source', 'payee_type', 'status'], unique=False)

    op.create_table('money_payments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attempt', sa.SmallInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('payee_name', app.core.types.EncryptedText(), nullable=False),
    sa.Column('account_number', app.core.types.EncryptedText(), nullable=False),
    sa.Column('account_bank', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('bank_ref', sa.String(length=64), nullable=True),
    sa.Column('reconciled_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_money_payments_amount')),
    sa.CheckConstraint('attempt IN (1, 2)', name=op.f('ck_money_payments_attempt')),
    sa.ForeignKeyConstraint(['batch_id'], ['money_batches.id'], name=op.f('fk_money_payments_batch_id_money_batches')),
    sa.ForeignKeyConstraint(['line_id'], ['money_claim_lines.id'], name=op.f('fk_money_payments_line_id_money_claim_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_payments')),
    sa.UniqueConstraint('line_id', 'attempt', name='uq_money_payments_attempt')
    )
    with op.batch_alter_table('money_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_payments_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_payments_line_id'), ['line_id'], unique=False)

    op.create_table('money_posts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('headcount', sa.SmallInteger(), nullable=False),
    sa.Column('term_from', sa.Date(), nullable=False),
    sa.Column('term_to', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('monthly_fen', sa.BigInteger(), nullable=False),
    sa.Column('catalog_version', sa.String(length=32), nullable=True),
    sa.Column('requested_by_staff_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('approved_by_staff_id IS NULL OR approved_by_staff_id <> requested_by_staff_id', name=op.f('ck_money_posts_second_person')),
    sa.CheckConstraint('headcount BETWEEN 1 AND 500', name=op.f('ck_money_posts_headcount')),
    sa.CheckConstraint('term_to > term_from', name=op.f('ck_money_posts_term')),
    sa.ForeignKeyConstraint(['approved_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_posts_approved_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_money_posts_employer_id_employers')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_money_posts_region_code_regions')),
    sa.ForeignKeyConstraint(['requested_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_money_posts_requested_by_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_posts'))
    )
    with op.batch_alter_table('money_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_posts_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_posts_region_code'), ['region_code'], unique=False)

    op.create_table('money_placements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sequence', sa.SmallInteger(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.String(length=32), nullable=True),
    sa.Column('placed_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('sequence IN (1, 2)', name=op.f('ck_money_placements_sequence')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_money_placements_person_id_persons')),
    sa.ForeignKeyConstraint(['post_id'], ['money_posts.id'], name=op.f('fk_money_placements_post_id_money_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_placements')),
    sa.UniqueConstraint('person_id', 'sequence', name='uq_money_placements_sequence')
    )
    with op.batch_alter_table('money_placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_placements_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_placements_post_id'), ['post_id'], unique=False)

    op.create_table('money_post_settlements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quarter', sa.Date(), nullable=False),
    sa.Column('headcount', sa.SmallInteger(), nullable=False),
    sa.Column('advance_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('months_worked', sa.SmallInteger(), nullable=True),
    sa.Column('due_fen', sa.BigInteger(), nullable=True),
    sa.Column('difference_fen', sa.BigInteger(), nullable=True),
    sa.Column('advanced_by', sa.String(length=40), nullable=False),
    sa.Column('settled_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['money_posts.id'], name=op.f('fk_money_post_settlements_post_id_money_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_post_settlements')),
    sa.UniqueConstraint('post_id', 'quarter', name='uq_money_settlements_quarter')
    )
    with op.batch_alter_table('money_post_settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_post_settlements_post_id'), ['post_id'], unique=False)

    _revision_triggers()


def downgrade():
    _drop_revision_triggers()
    with op.batch_alter_table('money_post_settlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_post_settlements_post_id'))

    op.drop_table('money_post_settlements')
    with op.batch_alter_table('money_placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_placements_post_id'))
        batch_op.drop_index(batch_op.f('ix_money_placements_person_id'))

    op.drop_table('money_placements')
    with op.batch_alter_table('money_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_posts_region_code'))
        batch_op.drop_index(batch_op.f('ix_money_posts_employer_id'))

    op.drop_table('money_posts')

    with op.batch_alter_table('money_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_payments_line_id'))
        batch_op.drop_index(batch_op.f('ix_money_payments_batch_id'))

    op.drop_table('money_payments')
    with op.batch_alter_table('money_claim_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_money_lines_batchable')
        batch_op.drop_index(batch_op.f('ix_money_claim_lines_claim_id'))
        batch_op.drop_index(batch_op.f('ix_money_claim_lines_batch_id'))

    op.drop_table('money_claim_lines')
    with op.batch_alter_table('money_claim_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_claim_events_claim_id'))

    op.drop_table('money_claim_events')
    with op.batch_alter_table('money_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_claims_step_due_on'))
        batch_op.drop_index(batch_op.f('ix_money_claims_status'))
        batch_op.drop_index(batch_op.f('ix_money_claims_region_code'))
        batch_op.drop_index(batch_op.f('ix_money_claims_person_id'))

    op.drop_table('money_claims')
    with op.batch_alter_table('money_bank_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_bank_returns_batch_id'))

    op.drop_table('money_bank_returns')
    with op.batch_alter_table('money_ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_money_ledger_to')
        batch_op.drop_index('ix_money_ledger_from')
        batch_op.drop_index(batch_op.f('ix_money_ledger_entries_fund_id'))

    op.drop_table('money_ledger_entries')
    with op.batch_alter_table('money_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_batches_region_code'))
        batch_op.drop_index(batch_op.f('ix_money_batches_fund_id'))

    op.drop_table('money_batches')
    with op.batch_alter_table('money_funds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_funds_region_code'))

    op.drop_table('money_funds')
