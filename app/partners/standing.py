"""The date a standing record was last confirmed. An import does not write the rows it finds
unchanged (a re-import of a million unchanged rows would otherwise write a million rows), so
a live record is confirmed by its list's latest import, whose date is the import's `as_of`;
an ended record keeps the date of the last list that held it (written when it was ended)."""
from sqlalchemy import func, select

from app.extensions import db

from .compare import Listed
from .models import PartnerImport


def latest_lists(rows):
    """{(source, region code): as_of of the latest import} for the lists of `rows`."""
    sources = {r.source for r in rows}
    regions = {r.region_code for r in rows}
    if not sources:
        return {}
    return {(source, region): as_of for source, region, as_of in db.session.execute(
        select(PartnerImport.source, PartnerImport.region_code, func.max(PartnerImport.as_of))
        .where(PartnerImport.source.in_(sources), PartnerImport.region_code.in_(regions))
        .group_by(PartnerImport.source, PartnerImport.region_code))}


def confirmed_on(row, latest):
    """The date the list last confirmed `row` (latest: from latest_lists)."""
    if row.ended_import_id is not None:
        return row.as_of
    return max(row.as_of, latest.get((row.source, row.region_code), row.as_of))


def listed(rows, latest=None):
    """The records as the pure comparison engine reads them, each with its confirmed date
    (latest: from latest_lists, when the caller has read it for more rows already)."""
    latest = latest_lists(rows) if latest is None else latest
    return [Listed(r.source, r.values, confirmed_on(r, latest), r.ended_on) for r in rows]
