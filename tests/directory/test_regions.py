"""The GB/T 2260 tree of Inner Mongolia, its indexed subtree queries, and stations."""
from sqlalchemy import func, select

from app.core.models import Region, is_within, subtree_codes
from app.core.regiontree import closure_rows, level_of, read_region_file
from tests.builders.http import auth, error_code, staff_token


def test_shipped_list_has_the_region_its_leagues_and_every_county_level_unit():
    rows = read_region_file()
    levels = [level_of(code) for code, _, _ in rows]
    assert levels.count(1) == 1 and levels.count(2) == 12 and levels.count(3) == 103
    names = {code: name for code, name, _ in rows}
    assert names["150781"] == "满洲里市" and names["152501"] == "二连浩特市"
    assert names["150000"] == "内蒙古自治区" and names["152900"] == "阿拉善盟"


def test_closure_rows_cover_every_ancestor():
    rows = closure_rows([("a", None), ("b", "a"), ("c", "b")])
    assert sorted(rows) == sorted([("a", "a", 0), ("b", "b", 0), ("a", "b", 1),
                                   ("c", "c", 0), ("b", "c", 1), ("a", "c", 2)])


def test_subtree_query_is_a_closure_lookup(db_session):
    hohhot = set(db_session.scalars(subtree_codes("150100")))
    assert {"150100", "150102", "150102001", "150102001001", "150125"} <= hohhot
    assert "150702" not in hohhot
    assert is_within("150102001001", "150000") and not is_within("150100", "150102")
    assert db_session.scalar(select(func.count()).select_from(Region)) >= 116


def test_a_region_added_later_is_within_its_ancestors_at_once(db_session):
    from app.core.regions import add_region
    assert is_within("150102001001", "150102")  # a yes, now remembered
    assert not is_within("150102001099", "150102")  # not a region yet
    add_region("150102001099", "新社区", "150102001")
    assert is_within("150102001099", "150102") and is_within("150102001099", "150102001")
    assert not is_within("150102001099", "150103")


def test_region_page_shows_path_and_children(client):
    body = client.get("/api/v1/regions/150102001").get_json()
    assert [r["code"] for r in body["path"]] == ["150000", "150100", "150102", "150102001"]
    assert body["children"][0]["code"] == "150102001001"
    assert error_code(client.get("/api/v1/regions/999999")) == "region.not_found"


def test_stations_of_a_subtree(client):
    stations = client.get("/api/v1/stations?region_code=150102").get_json()
    assert len(stations) == 3 and all(s["region_code"].startswith("150102") for s in stations)
    assert stations[0]["kind_label"]


def test_county_officer_adds_a_community_in_scope_only(client):
    token = staff_token(client, "county_xc")
    ok = client.post("/api/v1/regions", headers=auth(token), json={
        "code": "150102002001", "name": "新社区", "parent_code": "150102002"})
    assert ok.status_code == 201 and ok.get_json()["level"] == 5
    outside = client.post("/api/v1/regions", headers=auth(token), json={
        "code": "150702001002", "name": "外地社区", "parent_code": "150702001"})
    assert outside.status_code == 404
    wrong_prefix = client.post("/api/v1/regions", headers=auth(token), json={
        "code": "150103001001", "name": "错码社区", "parent_code": "150102002"})
    assert wrong_prefix.status_code == 422 and error_code(wrong_prefix) == "region.invalid_parent"


def test_station_staff_cannot_add_stations(client):
    response = client.post("/api/v1/stations", headers=auth(staff_token(client, "station_xc")),
                           json={"name": "新站点", "kind": "post", "region_code": "150102001",
                                 "address": "某路1号", "opening_hours": "9-17",
                                 "phone": "0471-1234567"})
    assert response.status_code == 403
