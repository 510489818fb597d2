"""Adding regions and stations, always inside the caller's own subtree."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.core.errors import NotFound
from app.core.models import is_within, subtree_codes
from app.core.regions import add_region, get_region
from app.core.stations import Station
from app.extensions import db


def _require_scope(caller, region_code):
    if not is_within(region_code, caller.region_code):
        # Same answer as a region that does not exist: no probing of other regions.
        raise NotFound("region.not_found", _l("行政区划不存在"), {"code": region_code})


def create_region(caller, code, name, parent_code):
    _require_scope(caller, parent_code)
    region = add_region(code, name, parent_code)
    record("region.created", "region", code)
    return region


def list_stations(region_code, page=1, per_page=50):
    """The stations in a region and below it, by region code then id, one page; 404 for an
    unknown region."""
    get_region(region_code)
    query = (select(Station).where(Station.region_code.in_(subtree_codes(region_code)))
             .order_by(Station.region_code, Station.id)
             .limit(per_page).offset((page - 1) * per_page))
    return db.session.scalars(query).all()


def create_station(caller, name, kind, region_code, address, opening_hours, phone):
    _require_scope(caller, region_code)
    get_region(region_code)
    station = Station(name=name, kind=kind, region_code=region_code, address=address,
                      opening_hours=opening_hours, phone=phone)
    db.session.add(station)
    db.session.flush()
    record("station.created", "station", station.id)
    return station
