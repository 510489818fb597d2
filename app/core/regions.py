"""Region tree operations (reads and adding demo/local divisions)."""
from sqlalchemy import select
from flask_babel import lazy_gettext as _l

from app.core.database import db

from .errors import NotFound, ValidationFailed
from .models import Region, RegionClosure, is_within
from .regiontree import level_of


def _not_found(code):
    return NotFound("region.not_found", _l("行政区划不存在"), {"code": code})


def get_region(code):
    region = db.session.get(Region, code)
    if region is None:
        raise _not_found(code)
    return region


def region_in_scope(caller, code):
    """`code` if it lies in the caller's subtree; else the answer of a region that does not
    exist (404 region.not_found), so other regions cannot be probed."""
    if not is_within(code, caller.region_code):
        raise _not_found(code)
    return code


def requested_region(caller, code=None):
    """The region a staff list is asked for: the caller's own region when none is named,
    else a region of the caller's subtree (the closure row proves it exists; 404
    region.not_found otherwise, the same answer whether it lies elsewhere or nowhere)."""
    return region_in_scope(caller, code) if code else caller.region_code


def list_children(code):
    get_region(code)
    return db.session.scalars(
        select(Region).where(Region.parent_code == code).order_by(Region.code)).all()


def region_path(code):
    """The chain from the root down to `code`, e.g. 内蒙古自治区 › 呼和浩特市 › 新城区."""
    rows = db.session.execute(
        select(Region).join(RegionClosure, RegionClosure.ancestor_code == Region.code)
        .where(RegionClosure.descendant_code == code)
        .order_by(RegionClosure.depth.desc())).scalars().all()
    return rows


def add_region(code, name, parent_code):
    """Add a township/street or village/community under an existing region. Idempotent."""
    existing = db.session.get(Region, code)
    if existing is not None:
        return existing
    parent = get_region(parent_code)
    try:
        level = level_of(code)
    except ValueError:
        raise ValidationFailed("region.invalid_code", _l("行政区划代码格式不正确"), {"code": code})
    # Township codes extend their banner/county code, village codes their township code.
    if level < 4 or level != parent.level + 1 or not code.startswith(parent_code):
        raise ValidationFailed("region.invalid_parent", _l("上级行政区划不正确"),
                               {"code": code, "parent_code": parent_code})
    region = Region(code=code, name=name, level=level, parent_code=parent_code)
    db.session.add(region)
    ancestors = db.session.execute(
        select(RegionClosure.ancestor_code, RegionClosure.depth)
        .where(RegionClosure.descendant_code == parent_code)).all()
    db.session.flush()
    db.session.add(RegionClosure(ancestor_code=code, descendant_code=code, depth=0))
    for ancestor, depth in ancestors:
        db.session.add(RegionClosure(ancestor_code=ancestor, descendant_code=code, depth=depth + 1))
    db.session.flush()
    return region
