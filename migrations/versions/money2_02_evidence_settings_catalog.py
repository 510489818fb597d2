"""money: claim evidence, per-region step deadlines, the loan interest subsidy's loan
details, and the catalog 2025.2 (issue 16)

Revision ID: money2_02
Revises: console_01
Create Date: 2026-12-03 14:20:00

Catalog 2025.1 is published and never changes: its file is back to what 0003 seeded. The
example amounts the money area pays from (and the loan interest subsidy's rates) come as a
new version, 2025.2, in force from 2026-12-01, seeded here from its pinned file.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import app.core.types
from app.policies.catalog import DATA_DIR, compile_document, document_checksum
from app.rules.loader import load_file


revision = 'money2_02'
down_revision = 'console_01'
branch_labels = None
depends_on = None

SEED_FILE = "catalog-2025.2.yaml"  # pinned: later catalogs come as later versions
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('money_claim_evidence',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('claim_id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=False),
    sa.Column('uploaded_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['money_claims.id'],
                            name=op.f('fk_money_claim_evidence_claim_id_money_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_claim_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_money_claim_evidence_stored_name'))
    )
    with op.batch_alter_table('money_claim_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_claim_evidence_claim_id'), ['claim_id'],
                              unique=False)
    op.create_table('money_region_settings',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('station_check_days', sa.SmallInteger(), nullable=False),
    sa.Column('county_approve_days', sa.SmallInteger(), nullable=False),
    sa.Column('finance_confirm_days', sa.SmallInteger(), nullable=False),
    sa.Column('finance_confirm', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('station_check_days BETWEEN 1 AND 30 AND county_approve_days BETWEEN 1 AND 30'
                       ' AND finance_confirm_days BETWEEN 1 AND 30',
                       name=op.f('ck_money_region_settings_days')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'],
                            name=op.f('fk_money_region_settings_region_code_regions')),
    sa.PrimaryKeyConstraint('region_code', name=op.f('pk_money_region_settings'))
    )
    with op.batch_alter_table('money_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loan', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('materials', sa.JSON(), nullable=True))
    _seed_catalog()


def _seed_catalog():
    table = sa.table('policy_versions', sa.column('version', sa.String),
                     sa.column('effective_from', sa.Date), sa.column('effective_to', sa.Date),
                     sa.column('document', sa.JSON), sa.column('checksum', sa.String),
                     sa.column('published_by', sa.String),
                     sa.column('published_at', sa.DateTime(timezone=True)))
    document, lines = load_file(DATA_DIR / SEED_FILE)
    catalog = compile_document(document, lines)  # refuses to seed a broken file
    op.bulk_insert(table, [{
        "version": catalog.version, "effective_from": catalog.effective_from,
        "effective_to": catalog.effective_to, "document": document,
        "checksum": document_checksum(document), "published_by": "system:migration",
        "published_at": datetime.now(timezone.utc)}])


def downgrade():
    op.execute(sa.text("DELETE FROM policy_versions WHERE version = '2025.2'"))
    with op.batch_alter_table('money_claims', schema=None) as batch_op:
        batch_op.drop_column('materials')
        batch_op.drop_column('loan')
    op.drop_table('money_region_settings')
    with op.batch_alter_table('money_claim_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_claim_evidence_claim_id'))
    op.drop_table('money_claim_evidence')
