"""Adding regions and stations, always inside the caller's own subtree."""
from sqlalchemy import select

from app.audit.services import record
from app.core.models import subtree_codes
from app.core.regions import add_region, get_region, list_children, region_in_scope, region_path
from app.core.stations import Station
from app.extensions import db


def describe_region(code):
    """A region, the chain from the root down to it and its children; 404 for an unknown
    code."""
    return get_region(code), region_path(code), list_children(code)


def create_region(caller, code, name, parent_code):
    region_in_scope(caller, parent_code)
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
    region_in_scope(caller, region_code)
    get_region(region_code)
    station = Station(name=name, kind=kind, region_code=region_code, address=address,
                      opening_hours=opening_hours, phone=phone)
    db.session.add(station)
    db.session.flush()
    record("station.created", "station", station.id)
    return station
