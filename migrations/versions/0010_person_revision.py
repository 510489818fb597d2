"""people: persons.revision, bumped by triggers whenever the person's data changes

Revision ID: 0010_person_revision
Revises: 0009_codes
Create Date: 2026-11-29 13:40:00

Views built from a person's data (the self overview, the profile a staff scan shows) are
cached under the person's revision. Triggers, not application code, bump it, so that every
write path counts: ORM flushes, conditional UPDATEs, bulk statements and hand edits alike.
The tables are the ones those views read; a new one must be added here and in
`PERSON_DATA_TABLES` (app/people/models.py), which a test compares with the triggers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_person_revision'
down_revision = '0009_codes'
branch_labels = None
depends_on = None

# table -> (column, what it names): each change bumps the persons it names.
BY_PERSON = ("certifications", "cert_applications", "benefits", "legal_bases",
             "job_preferences", "job_recommendations")
BY_HOUSEHOLD = {"households": "id", "household_members": "household_id"}


def _postgresql():
    op.execute("""
        CREATE FUNCTION persons_revision_self() RETURNS trigger AS $$
        BEGIN
            NEW.revision := OLD.revision + 1;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql""")
    op.execute("""
        CREATE TRIGGER persons_revision BEFORE UPDATE ON persons FOR EACH ROW
        WHEN (NEW.revision = OLD.revision) EXECUTE FUNCTION persons_revision_self()""")
    # TG_ARGV[0]: the column naming the person or household; TG_ARGV[1]: which of the two.
    op.execute("""
        CREATE FUNCTION persons_revision_bump() RETURNS trigger AS $$
        DECLARE
            ids bigint[] := '{}';
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                ids := ids || (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                ids := ids || (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
            END IF;
            IF TG_ARGV[1] = 'household' THEN
                UPDATE persons SET revision = revision + 1 WHERE household_id = ANY(ids);
            ELSE
                UPDATE persons SET revision = revision + 1 WHERE id = ANY(ids);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""")
    targets = [(t, "person_id", "person") for t in BY_PERSON] + \
        [(t, c, "household") for t, c in BY_HOUSEHOLD.items()]
    for table, column, kind in targets:
        op.execute(f"""
            CREATE TRIGGER {table}_person_revision AFTER INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION persons_revision_bump('{column}', '{kind}')""")


def _sqlite():
    # Recursive triggers are off in SQLite: the self trigger's own UPDATE does not re-fire it.
    op.execute("""
        CREATE TRIGGER persons_revision AFTER UPDATE ON persons FOR EACH ROW
        WHEN NEW.revision = OLD.revision
        BEGIN UPDATE persons SET revision = OLD.revision + 1 WHERE id = NEW.id; END""")
    targets = [(t, "person_id", "id") for t in BY_PERSON] + \
        [(t, c, "household_id") for t, c in BY_HOUSEHOLD.items()]
    for table, column, match in targets:
        bump = f"UPDATE persons SET revision = revision + 1 WHERE {match}"
        op.execute(f"""CREATE TRIGGER {table}_person_revision_ins AFTER INSERT ON {table}
            BEGIN {bump} = NEW.{column}; END""")
        op.execute(f"""CREATE TRIGGER {table}_person_revision_upd AFTER UPDATE ON {table}
            BEGIN {bump} IN (NEW.{column}, OLD.{column}); END""")
        op.execute(f"""CREATE TRIGGER {table}_person_revision_del AFTER DELETE ON {table}
            BEGIN {bump} = OLD.{column}; END""")


def upgrade():
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.BigInteger(), server_default='0',
                                      nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade():
    tables = list(BY_PERSON) + list(BY_HOUSEHOLD)
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_person_revision ON {table}")
        op.execute("DROP TRIGGER IF EXISTS persons_revision ON persons")
        op.execute("DROP FUNCTION IF EXISTS persons_revision_bump()")
        op.execute("DROP FUNCTION IF EXISTS persons_revision_self()")
    else:
        op.execute("DROP TRIGGER IF EXISTS persons_revision")
        for table in tables:
            for suffix in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_person_revision_{suffix}")
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('revision')
