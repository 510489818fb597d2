"""tracking: cases, tasks, contacts, hires, follow-ups, exit proposals, zero-employment
households, staff digests and region settings of the help loop (issue 14)

Revision ID: tracking_01
Revises: 0014_privacy_limits
Create Date: 2026-12-03 10:03:05.349019

"""
from alembic import op
import sqlalchemy as sa


# The person's cached views (overview, scan profile) show their case: a change to these
# tables bumps persons.revision like the tables of migration 0010 (PERSON_DATA_TABLES).
REVISION_TABLES = ("tracking_cases", "tracking_tasks", "tracking_follow_ups")


def _revision_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in REVISION_TABLES:  # persons_revision_bump() comes from migration 0010
            op.execute(f"""
                CREATE TRIGGER {table}_person_revision AFTER INSERT OR UPDATE OR DELETE
                ON {table} FOR EACH ROW EXECUTE FUNCTION persons_revision_bump('person_id', 'person')""")
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


# revision identifiers, used by Alembic.
revision = 'tracking_01'
down_revision = '0014_privacy_limits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tracking_region_settings',
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('adaptation_months', sa.SmallInteger(), nullable=False),
    sa.Column('stability_months', sa.SmallInteger(), nullable=False),
    sa.Column('expiry_days', sa.SmallInteger(), nullable=False),
    sa.Column('response_days', sa.SmallInteger(), nullable=False),
    sa.Column('services_required', sa.SmallInteger(), nullable=False),
    sa.Column('offers_per_service', sa.SmallInteger(), nullable=False),
    sa.Column('refusals_as_no_wish', sa.SmallInteger(), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_region_settings_region_code_regions')),
    sa.PrimaryKeyConstraint('region_code', name=op.f('pk_tracking_region_settings'))
    )
    op.create_table('tracking_cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opened_reason', sa.String(length=24), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('plan_version', sa.String(length=32), nullable=True),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('priority_reason', sa.String(length=200), nullable=True),
    sa.Column('last_contact_on', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracking_cases_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_cases_region_code_regions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_tracking_cases_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_tracking_cases_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_cases'))
    )
    with op.batch_alter_table('tracking_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_cases_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracking_cases_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_tracking_cases_staff_status', ['staff_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracking_cases_station_id'), ['station_id'], unique=False)
        batch_op.create_index('uq_tracking_cases_open_person', ['person_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('tracking_digests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_tracking_digests_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_digests')),
    sa.UniqueConstraint('staff_id', 'day', name='uq_tracking_digests_staff_day')
    )
    op.create_table('tracking_zero_households',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('services_given', sa.SmallInteger(), nullable=False),
    sa.Column('offers_given', sa.SmallInteger(), nullable=False),
    sa.Column('refusals', sa.SmallInteger(), nullable=False),
    sa.Column('cleared_on', sa.Date(), nullable=True),
    sa.Column('cleared_way', sa.String(length=24), nullable=True),
    sa.Column('cleared_person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['cleared_person_id'], ['persons.id'], name=op.f('fk_tracking_zero_households_cleared_person_id_persons')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_tracking_zero_households_household_id_households')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_zero_households_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_zero_households'))
    )
    with op.batch_alter_table('tracking_zero_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_zero_households_region_code'), ['region_code'], unique=False)
        batch_op.create_index('uq_tracking_zero_households_open', ['household_id'], unique=True, sqlite_where=sa.text('cleared_on IS NULL'), postgresql_where=sa.text('cleared_on IS NULL'))

    op.create_table('tracking_tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('origin', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('deadline_estimated', sa.Boolean(), nullable=False),
    sa.Column('escalated_to', sa.String(length=12), nullable=True),
    sa.Column('ref_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('outcome', sa.String(length=500), nullable=True),
    sa.Column('completed_by', sa.String(length=40), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['tracking_cases.id'], name=op.f('fk_tracking_tasks_case_id_tracking_cases')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracking_tasks_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_tasks_region_code_regions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_tracking_tasks_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_tasks')),
    sa.UniqueConstraint('source_key', name=op.f('uq_tracking_tasks_source_key'))
    )
    with op.batch_alter_table('tracking_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracking_tasks_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracking_tasks_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_tracking_tasks_staff_status_due', ['staff_id', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_tracking_tasks_status_due', ['status', 'due_on'], unique=False)

    op.create_table('tracking_contacts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('contacted_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('next_step', sa.String(length=200), nullable=True),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['tracking_cases.id'], name=op.f('fk_tracking_contacts_case_id_tracking_cases')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_contacts_region_code_regions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_tracking_contacts_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['task_id'], ['tracking_tasks.id'], name=op.f('fk_tracking_contacts_task_id_tracking_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_contacts'))
    )
    with op.batch_alter_table('tracking_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_tracking_contacts_case_on', ['case_id', 'contacted_on'], unique=False)
        batch_op.create_index('ix_tracking_contacts_on', ['contacted_on'], unique=False)

    op.create_table('tracking_exit_proposals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('certification_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_on', sa.Date(), nullable=False),
    sa.Column('decided_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_tracking_exit_proposals_certification_id_certifications')),
    sa.ForeignKeyConstraint(['decided_by_staff_id'], ['staff_accounts.id'], name=op.f('fk_tracking_exit_proposals_decided_by_staff_id_staff_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracking_exit_proposals_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_exit_proposals_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_exit_proposals')),
    sa.UniqueConstraint('certification_id', name=op.f('uq_tracking_exit_proposals_certification_id'))
    )
    with op.batch_alter_table('tracking_exit_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_exit_proposals_region_code'), ['region_code'], unique=False)

    op.create_table('tracking_hires',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('recommendation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('employer', sa.String(length=128), nullable=False),
    sa.Column('job_title', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracking_hires_person_id_persons')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['job_recommendations.id'], name=op.f('fk_tracking_hires_recommendation_id_job_recommendations')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_hires_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_hires')),
    sa.UniqueConstraint('recommendation_id', name=op.f('uq_tracking_hires_recommendation_id'))
    )
    with op.batch_alter_table('tracking_hires', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_hires_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_tracking_hires_open_person', ['person_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.create_index(batch_op.f('ix_tracking_hires_region_code'), ['region_code'], unique=False)

    op.create_table('tracking_follow_ups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hire_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('still_employed', sa.Boolean(), nullable=True),
    sa.Column('difficulties', sa.String(length=500), nullable=True),
    sa.Column('answered_by', sa.String(length=40), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['hire_id'], ['tracking_hires.id'], name=op.f('fk_tracking_follow_ups_hire_id_tracking_hires')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracking_follow_ups_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tracking_follow_ups_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_follow_ups')),
    sa.UniqueConstraint('hire_id', 'stage', name='uq_tracking_follow_ups_stage')
    )
    with op.batch_alter_table('tracking_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_follow_ups_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_tracking_follow_ups_status_due', ['status', 'due_on'], unique=False)

    _revision_triggers()


def downgrade():
    _drop_revision_triggers()
    with op.batch_alter_table('tracking_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_follow_ups_status_due')
        batch_op.drop_index(batch_op.f('ix_tracking_follow_ups_person_id'))

    op.drop_table('tracking_follow_ups')
    with op.batch_alter_table('tracking_hires', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_hires_region_code'))
        batch_op.drop_index('uq_tracking_hires_open_person', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_tracking_hires_person_id'))

    op.drop_table('tracking_hires')
    with op.batch_alter_table('tracking_exit_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_exit_proposals_region_code'))

    op.drop_table('tracking_exit_proposals')
    with op.batch_alter_table('tracking_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_contacts_on')
        batch_op.drop_index('ix_tracking_contacts_case_on')

    op.drop_table('tracking_contacts')
    with op.batch_alter_table('tracking_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_tasks_status_due')
        batch_op.drop_index('ix_tracking_tasks_staff_status_due')
        batch_op.drop_index(batch_op.f('ix_tracking_tasks_region_code'))
        batch_op.drop_index(batch_op.f('ix_tracking_tasks_person_id'))
        batch_op.drop_index(batch_op.f('ix_tracking_tasks_case_id'))

    op.drop_table('tracking_tasks')
    with op.batch_alter_table('tracking_zero_households', schema=None) as batch_op:
        batch_op.drop_index('uq_tracking_zero_households_open', sqlite_where=sa.text('cleared_on IS NULL'), postgresql_where=sa.text('cleared_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_tracking_zero_households_region_code'))

    op.drop_table('tracking_zero_households')
    op.drop_table('tracking_digests')
    with op.batch_alter_table('tracking_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_tracking_cases_open_person', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_tracking_cases_station_id'))
        batch_op.drop_index('ix_tracking_cases_staff_status')
        batch_op.drop_index(batch_op.f('ix_tracking_cases_region_code'))
        batch_op.drop_index(batch_op.f('ix_tracking_cases_person_id'))

    op.drop_table('tracking_cases')
    op.drop_table('tracking_region_settings')
