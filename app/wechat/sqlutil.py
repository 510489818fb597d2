"""INSERT ... ON CONFLICT for the two databases we run on (PostgreSQL, SQLite)."""
from app.core.concurrency import dialect_insert

__all__ = ["dialect_insert", "upsert"]


def upsert(bind, table, values, index_elements, update_columns):
    """INSERT values; on a conflict on index_elements, update update_columns from them."""
    stmt = dialect_insert(bind, table).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=index_elements,
        set_={name: stmt.excluded[name] for name in update_columns})
