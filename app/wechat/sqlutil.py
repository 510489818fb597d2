"""INSERT ... ON CONFLICT for the two databases we run on (PostgreSQL, SQLite)."""
from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(bind, table):
    """The dialect's INSERT (it has on_conflict_do_nothing / on_conflict_do_update)."""
    name = bind.dialect.name
    if name not in _INSERTS:
        raise RuntimeError(f"unsupported database dialect {name}")
    return _INSERTS[name](table)


def upsert(bind, table, values, index_elements, update_columns):
    """INSERT values; on a conflict on index_elements, update update_columns from them."""
    stmt = dialect_insert(bind, table).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=index_elements,
        set_={name: stmt.excluded[name] for name in update_columns})
