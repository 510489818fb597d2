"""partners: partner-department lists, their row reports, the standing records, tax proofs

Revision ID: partners_01
Revises: 0014_privacy_limits
Create Date: 2026-12-03 10:50:00

Issue 15: lists from civil affairs, the disabled persons' federation and the HR bureau.
One import per source, region and file content; one standing record per source, region and
ID number (blind index), ended rather than deleted when a newer list no longer holds it;
the employers' tax-relief proofs (notice section 3.1) with their serials.
"""
from alembic import op
import sqlalchemy as sa


revision = 'partners_01'
down_revision = 'money_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_imports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('sources_version', sa.String(length=16), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_kind', sa.String(length=8), nullable=False),
    sa.Column('uploaded_by_staff_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_failed', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('ended', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_partner_imports_region_code_regions')),
    sa.ForeignKeyConstraint(['uploaded_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_partner_imports_uploaded_by_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_imports')),
    sa.UniqueConstraint('source', 'region_code', 'file_sha256', name=op.f('uq_partner_imports_source_region_code_file_sha256'))
    )
    with op.batch_alter_table('partner_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_imports_region_code'), ['region_code'], unique=False)

    op.create_table('partner_import_problems',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=40), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['partner_imports.id'], name=op.f('fk_partner_import_problems_import_id_partner_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_import_problems'))
    )
    with op.batch_alter_table('partner_import_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_import_problems_import_id'), ['import_id'], unique=False)

    op.create_table('partner_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('community_code', sa.String(length=12), nullable=False),
    sa.Column('id_number_index', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('values_sealed', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('first_import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('ended_import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('applied_application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['applied_application_id'], ['cert_applications.id'], name=op.f('fk_partner_records_applied_application_id_cert_applications')),
    sa.ForeignKeyConstraint(['ended_import_id'], ['partner_imports.id'], name=op.f('fk_partner_records_ended_import_id_partner_imports')),
    sa.ForeignKeyConstraint(['first_import_id'], ['partner_imports.id'], name=op.f('fk_partner_records_first_import_id_partner_imports')),
    sa.ForeignKeyConstraint(['last_import_id'], ['partner_imports.id'], name=op.f('fk_partner_records_last_import_id_partner_imports')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_partner_records_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_partner_records_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_records')),
    sa.UniqueConstraint('source', 'region_code', 'id_number_index', name=op.f('uq_partner_records_source_region_code_id_number_index'))
    )
    with op.batch_alter_table('partner_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_records_community_code'), ['community_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_records_id_number_index'), ['id_number_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_records_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_partner_records_source_region_last', ['source', 'region_code', 'last_import_id'], unique=False)

    op.create_table('tax_relief_proofs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('serial', sa.String(length=24), nullable=False),
    sa.Column('verify_token', sa.String(length=32), nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('basis', sa.String(length=24), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.Column('hired_on', sa.Date(), nullable=False),
    sa.Column('consent_channel', sa.String(length=24), nullable=False),
    sa.Column('issued_by_staff_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_tax_relief_proofs_employer_id_employers')),
    sa.ForeignKeyConstraint(['issued_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_tax_relief_proofs_issued_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tax_relief_proofs_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tax_relief_proofs_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_relief_proofs')),
    sa.UniqueConstraint('serial', name=op.f('uq_tax_relief_proofs_serial'))
    )
    with op.batch_alter_table('tax_relief_proofs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tax_relief_proofs_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tax_relief_proofs_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tax_relief_proofs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tax_relief_proofs_person_id'))
        batch_op.drop_index(batch_op.f('ix_tax_relief_proofs_employer_id'))

    op.drop_table('tax_relief_proofs')
    with op.batch_alter_table('partner_records', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_records_source_region_last')
        batch_op.drop_index(batch_op.f('ix_partner_records_person_id'))
        batch_op.drop_index(batch_op.f('ix_partner_records_id_number_index'))
        batch_op.drop_index(batch_op.f('ix_partner_records_community_code'))

    op.drop_table('partner_records')
    with op.batch_alter_table('partner_import_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_import_problems_import_id'))

    op.drop_table('partner_import_problems')
    with op.batch_alter_table('partner_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_imports_region_code'))

    op.drop_table('partner_imports')
