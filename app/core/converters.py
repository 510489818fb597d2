"""URL converters shared by every area."""
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive database id that fits a signed 64-bit column; anything else
    is a 404 from routing instead of an overflow deep in the database driver."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**63 - 1)
