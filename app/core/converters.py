"""URL converters shared by every area.

An id outside the column's range is a 404 from routing, not an overflow deep in the
database driver (PostgreSQL INTEGER is 32-bit, BIGINT 64-bit; SQLite takes both).
"""
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """`<id:name>` for INTEGER primary keys."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


class BigIdConverter(IntegerConverter):
    """`<bigid:name>` for BIGINT primary keys (large tables)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**63 - 1)


CONVERTERS = {"id": IdConverter, "bigid": BigIdConverter}
