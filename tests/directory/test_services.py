"""list_stations, the service behind GET /stations: a region's subtree, ordered, paged."""
import pytest

from app.core.errors import NotFound
from app.directory.services import list_stations


def test_stations_of_a_subtree_by_region_then_id_in_pages(db_session):
    everything = list_stations("150102")
    assert [s.region_code for s in everything] == ["150102", "150102001", "150102001001"]
    assert [s.id for s in list_stations("150102", page=2, per_page=1)] == [everything[1].id]
    assert list_stations("150102", page=4, per_page=1) == []


def test_an_unknown_region_is_not_found(db_session):
    with pytest.raises(NotFound):
        list_stations("159999")
