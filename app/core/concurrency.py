"""Conditional updates: the state change happens only if the row is still in the state the
caller saw (SECURITY.md 22). Of two concurrent callers exactly one gets True.

On PostgreSQL the second UPDATE waits for the first transaction's row lock and then finds
the condition false, so no SELECT ... FOR UPDATE is needed.
"""
from sqlalchemy import inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db


def guarded_update(instance, expected, changes):
    """UPDATE instance's row SET changes WHERE its key and every `expected` column match.

    `expected` maps column names to the value seen (None means IS NULL). On success the
    instance is given the new values without an extra SELECT; returns whether it won.
    """
    mapper = inspect(instance).mapper
    model = mapper.class_
    criteria = [column == value for column, value in
                zip(mapper.primary_key, mapper.primary_key_from_instance(instance))]
    for name, value in expected.items():
        column = getattr(model, name)
        criteria.append(column.is_(None) if value is None else column == value)
    result = db.session.execute(update(model).where(*criteria).values(**changes)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for name, value in changes.items():
        set_committed_value(instance, name, value)
    return True
