"""Cached person views are never served stale: persons.revision moves with every change to
the person's data (database triggers, so writes that bypass the ORM count too), and the
overview is keyed by it; a scan reads the person afresh every time."""
from datetime import date

import pytest
import redis
from sqlalchemy import event, inspect, text

from app.core.clock import local_today
from app.core.cache import MemoryViewCache, RedisViewCache, cache_key
from app.extensions import db
from app.people.models import PERSON_DATA_TABLES
from tests.accounts.test_rate_limit_redis import REDIS_URL, _redis_up
from tests.builders.codes import certified_seeker, resolve
from tests.builders.http import auth, error_code, staff_token


def _revision(app, person_id):
    with app.app_context():
        return db.session.execute(text("SELECT revision FROM persons WHERE id = :p"),
                                  {"p": person_id}).scalar_one()


def _sql(app, statement, **params):
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


class Statements:
    """Counts the SQL statements the app sends while in the block."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def _trigger_tables(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            rows = db.session.execute(text(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE '%revision%' AND NOT t.tgisinternal"))
        else:
            rows = db.session.execute(text(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE '%revision%'"))
        return {row[0] for row in rows}


def test_every_person_data_table_has_a_revision_trigger(fresh_app):
    assert _trigger_tables(fresh_app) == set(PERSON_DATA_TABLES)
    with fresh_app.app_context():
        assert "revision" in {c["name"] for c in inspect(db.engine).get_columns("persons")}


def test_writes_through_the_api_and_behind_its_back_bump_the_revision(client, fresh_app):
    token, person_id = certified_seeker(client)
    seen = [_revision(fresh_app, person_id)]

    def bumped():
        now = _revision(fresh_app, person_id)
        assert now > seen[-1]
        seen.append(now)

    body = {"registered_size": 2, "business_income": False, "members": [
        {"name": "李梅", "relation": "spouse", "birth_date": "1972-03-01", "gender": "female",
         "employment_status": "unemployed", "registered_unemployed": True,
         "able_to_work": True, "willing_to_work": True}]}
    saved = client.put("/api/v1/people/me/household", json=body, headers=auth(token))
    assert saved.status_code == 200, saved.get_json()
    bumped()
    wishes = {"occupations": [], "hours": ["full_time"], "min_salary": 2000}
    assert client.put("/api/v1/jobs/preferences/me", json=wishes,
                      headers=auth(token)).status_code == 200
    bumped()
    # Raw SQL, as a bulk job or an operator would write: the triggers still see it.
    for table, column in (("persons", "id"), ("certifications", "person_id"),
                          ("cert_applications", "person_id"), ("legal_bases", "person_id"),
                          ("job_preferences", "person_id")):
        _sql(fresh_app, f"UPDATE {table} SET {column} = {column} WHERE {column} = :p",
             p=person_id)
        bumped()
    _sql(fresh_app, "UPDATE households SET business_income = true WHERE id = "
         "(SELECT household_id FROM persons WHERE id = :p)", p=person_id)
    bumped()
    _sql(fresh_app, "DELETE FROM household_members WHERE household_id = "
         "(SELECT household_id FROM persons WHERE id = :p) AND relation = 'spouse'", p=person_id)
    bumped()


def test_a_repeated_overview_is_served_from_the_cache(client, fresh_app):
    token, _ = certified_seeker(client)
    first = client.get("/api/v1/me/overview", headers=auth(token))
    with Statements(fresh_app) as sql:
        again = client.get("/api/v1/me/overview", headers=auth(token))
    assert again.status_code == 200 and again.data == first.data
    # One statement: the token's session, read with the person's revision and the catalog in
    # force (access.person_reading); nothing rebuilt.
    assert sql.count == 1


def test_the_overview_shows_a_change_at_once(client, fresh_app):
    token, person_id = certified_seeker(client)
    before = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
    assert before["state"] == "certified"
    # An exit written behind the API's back (no application code runs): seen at once.
    _sql(fresh_app, "UPDATE certifications SET status = 'exited', exited_on = :d "
         "WHERE person_id = :p", d=local_today(), p=person_id)
    after = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
    assert after["state"] == "exited" and after["certification"]["status"] == "exited"


def test_a_scan_shows_changed_facts_and_refuses_after_an_exit(client, fresh_app):
    token, person_id = certified_seeker(client)
    card = client.get("/api/v1/me/code", headers=auth(token)).get_json()["content"]
    station = staff_token(client, "station_xc")
    first = resolve(client, station, card).get_json()["profile"]
    assert first["skills"] == ["电工"]
    _sql(fresh_app, "UPDATE persons SET skills = :s WHERE id = :p",
         s='["电工", "焊工"]', p=person_id)
    card = client.get("/api/v1/me/code", headers=auth(token)).get_json()["content"]
    assert resolve(client, station, card).get_json()["profile"]["skills"] == ["电工", "焊工"]

    county = staff_token(client, "county_xc")
    certification = client.get("/api/v1/certification/my/certifications",
                               headers=auth(token)).get_json()[0]
    exited = client.post(f"/api/v1/certification/certifications/{certification['id']}/exit",
                         json={"reason": "employed", "exited_on": local_today().isoformat()},
                         headers=auth(county))
    assert exited.status_code == 200, exited.get_json()
    assert error_code(resolve(client, station, card)) == "code.revoked"


def test_the_memory_cache_is_bounded_and_expires():
    cache = MemoryViewCache(max_entries=2)
    cache.put("a", b"1", 60)
    cache.put("b", b"2", 60)
    cache.put("c", b"3", 60)
    assert cache.get("a") is None and cache.get("c") == b"3"
    cache.put("d", b"4", 0)
    assert cache.get("d") is None


def test_keys_name_no_personal_data():
    key = cache_key("overview", 12, 3, 1, date(2026, 11, 29), "zh")
    assert len(key) == 32 and set(key) <= set("0123456789abcdef")
    assert cache_key("overview", 12, 3, 1, date(2026, 11, 29), "zh") != \
        cache_key("overview", 12, 4, 1, date(2026, 11, 29), "zh")


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on this machine")
def test_redis_holds_only_sealed_bodies(fresh_app):
    cipher = fresh_app.extensions["field_cipher"]
    cache = RedisViewCache(REDIS_URL, cipher, prefix="test-view:")
    cache.clear()
    body = '{"name": "张*", "state": "certified"}'.encode()
    cache.put("k", body, 60)
    stored = redis.Redis.from_url(REDIS_URL).get("test-view:k")
    assert stored and b"certified" not in stored and "张".encode() not in stored
    assert cache.get("k") == body
    # Tampered with in Redis: a miss, not a forged body.
    redis.Redis.from_url(REDIS_URL).set("test-view:k", stored[:-1] + bytes([stored[-1] ^ 1]))
    assert cache.get("k") is None
    cache.clear()


def test_a_redis_that_is_down_is_a_miss_not_an_error(fresh_app):
    cache = RedisViewCache("redis://127.0.0.1:1/0", fresh_app.extensions["field_cipher"])
    cache.put("k", b"x", 60)
    assert cache.get("k") is None


def test_cache_clear_command_forgets_every_view(fresh_app):
    cache = fresh_app.extensions["view_cache"]
    cache.put("k", b"x", 60)
    assert cache.get("k") == b"x"
    result = fresh_app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0 and "cleared" in result.output
    assert cache.get("k") is None


def test_overview_jobs_follow_the_wishes_like_my_matches(client):
    from tests.jobs.test_recommendations import HOME, registered
    headers, _ = registered(client)

    def ids(path, key):
        body = client.get(path, headers=headers).get_json()
        return [m["vacancy"]["id"] for m in body[key]]

    before = ids("/api/v1/me/overview", "jobs")
    assert before and before == ids("/api/v1/jobs/matches/me?limit=5", "matches")
    wishes = {"occupations": ["property_maintenance"], "hours": ["full_time"],
              "min_salary": 3000, "max_travel_km": 5, "home": HOME}
    assert client.put("/api/v1/jobs/preferences/me", json=wishes,
                      headers=headers).status_code == 200
    after = ids("/api/v1/me/overview", "jobs")
    assert after == ids("/api/v1/jobs/matches/me?limit=5", "matches") and after != before
