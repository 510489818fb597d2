"""The SQL of a campaign segment: (person id, person account id) of every recipient.

Set-based on purpose (a segment may hold 100,000 persons): one SELECT, no ORM objects.
JSON lists (wants, categories) are matched on their JSON text with `LIKE '%"value"%'`,
which works the same on PostgreSQL (json) and SQLite; the values are fixed identifiers.
"""
from sqlalchemy import Text, and_, cast, exists, not_, select

from app.accounts.models import PersonAccount
from app.certification.models import Application, Certification
from app.certification.workflow import OPEN, CertificationStatus
from app.core.models import subtree_codes
from app.people.models import Person

from .models import PersonStatus

PERSONS = Person.__table__
ACCOUNTS = PersonAccount.__table__
CERTS = Certification.__table__
APPS = Application.__table__


def _json_has(column, value):
    return cast(column, Text).like(f'%"{value}"%')


def recipients(region_code, person_status, category=None, wants=None):
    """SELECT person id, person_account_id for the segment (active accounts only)."""
    conditions = [PERSONS.c.person_account_id.is_not(None),
                  ACCOUNTS.c.active.is_(True),
                  PERSONS.c.residence_region_code.in_(subtree_codes(region_code))]
    if wants:
        conditions.append(_json_has(PERSONS.c.wants, wants))
    active = [CERTS.c.person_id == PERSONS.c.id, CERTS.c.status == CertificationStatus.ACTIVE]
    if person_status == PersonStatus.CERTIFIED:
        if category:
            active.append(_json_has(CERTS.c.categories, category))
        conditions.append(exists().where(*active))
    elif person_status == PersonStatus.EXITED:
        ended = [CERTS.c.person_id == PERSONS.c.id, CERTS.c.status == CertificationStatus.EXITED]
        if category:
            ended.append(_json_has(CERTS.c.categories, category))
        conditions.append(exists().where(*ended))
        conditions.append(not_(exists().where(*active)))
    elif person_status == PersonStatus.APPLIED:
        open_app = [APPS.c.person_id == PERSONS.c.id,
                    APPS.c.status.in_(sorted(str(s) for s in OPEN))]
        if category:
            open_app.append(_json_has(APPS.c.claimed_categories, category))
        conditions.append(exists().where(*open_app))
    return (select(PERSONS.c.id, PERSONS.c.person_account_id)
            .join(ACCOUNTS, ACCOUNTS.c.id == PERSONS.c.person_account_id)
            .where(and_(*conditions)))
