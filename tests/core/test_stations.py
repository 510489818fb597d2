"""The one lookup of the stations that serve a region (certification, policies and codes use it)."""
from app.core.stations import Station, stations_serving
from app.extensions import db


def _codes(stations):
    return [s.region_code for s in stations]


def test_nearest_first_then_by_id(db_session):
    second = Station(name="第二个社区站", kind="doorstep", region_code="150102001001",
                     address="某处", opening_hours="周一至周五", phone="0471-6900009")
    db.session.add(second)
    db.session.flush()
    found = stations_serving("150102001001")
    assert _codes(found) == ["150102001001", "150102001001", "150102001", "150102"]
    assert found[1] is second  # within one region: by id, the older station first


def test_a_township_sees_only_itself_and_above(db_session):
    assert _codes(stations_serving("150102001")) == ["150102001", "150102"]


def test_limit_and_unknown_region(db_session):
    assert _codes(stations_serving("150102001001", limit=2)) == ["150102001001", "150102001"]
    assert stations_serving("159999") == []
    assert stations_serving(None) == []
