"""Numbers configured per region, where the nearest configured ancestor wins (deadlines of
certification, the help loop's numbers, ...). Each area keeps its own table with a
`region_code` key, `updated_by`/`updated_at` stamps and its value columns; these two
functions are the lookup and the change every such table shares."""
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.concurrency import get_or_insert
from app.core.database import db

from .models import RegionClosure


def nearest_settings_row(model, region_code):
    """The row configured for `region_code` or its nearest ancestor; None if none is."""
    return db.session.scalars(
        select(model)
        .join(RegionClosure, RegionClosure.ancestor_code == model.region_code)
        .where(RegionClosure.descendant_code == region_code)
        .order_by(RegionClosure.depth).limit(1)).first()


def store_settings_row(model, region_code, fields, current, values, changed_by):
    """Write `values` (a subset of `fields`) for `region_code`, which starts, if it had no
    row of its own, from `current` (what applied there before); race-free by get_or_insert."""
    row = get_or_insert(model, {
        "region_code": region_code, "updated_by": changed_by, "updated_at": utcnow(),
        **{name: getattr(current, name) for name in fields}})
    for name in fields:
        if name in values:
            setattr(row, name, values[name])
    row.updated_by, row.updated_at = changed_by, utcnow()
    db.session.flush()
    return row
