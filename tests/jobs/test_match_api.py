"""POST /api/v1/jobs/match on the demo vacancies, and the candidate fetch behind it."""
from datetime import timedelta

from sqlalchemy import select, text

from app.core.clock import local_today
from app.jobs.matching import Vacancy as Candidate, match
from app.jobs.models import Vacancy
from app.jobs.retrieval import COLUMNS, candidate_query, find_candidates, to_candidates
from tests.builders.http import error_code
from tests.builders.jobs import Staff
from tests.support.database import is_sqlite

HOME = {"lat": 40.8440, "lng": 111.6720}  # Xincheng district, near the demo community


def ask(staff, **body):
    response = staff.post("/match", {"region_code": "150102001001", **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(result):
    return [m["vacancy"]["title"] for m in result["matches"]]


def test_disabled_woman_gets_a_light_caring_job_nearby_first(client):
    station = Staff(client, "station_xc")
    result = ask(station, facts={
        "age": 30, "gender": "female", "disability_certificate": True,
        "disability_type": "physical", "disability_level": 3, "categories": ["disabled"],
        "certified": True, "education": "senior"},
        preferences={"home": HOME, "max_travel_km": 5})
    first = result["matches"][0]
    assert first["vacancy"]["caring_job"] and first["vacancy"]["physical_demand"] == "light"
    assert first["caring_first"] and first["distance_km"] < 2
    assert first["reasons"][0] == "爱心岗位：低门槛、有保障，优先向您推荐"
    assert first["reasons"][1].startswith("距您约") and first["reasons"][1].endswith("公里")
    assert "岗位适合肢体残疾人员" in first["reasons"]
    assert all("physical" in m["vacancy"]["suitable_for"] for m in result["matches"])
    assert all(m["vacancy"]["region_code"].startswith("150102") for m in result["matches"])
    assert result["today"] == local_today().isoformat()
    assert result["considered"] >= len(result["matches"]) == 4


def test_a_57_year_old_man_is_not_offered_jobs_capped_below_his_age(client):
    result = ask(Staff(client, "station_xc"), facts={"age": 57, "gender": "male"}, limit=50)
    offered = [m["vacancy"] for m in result["matches"]]
    assert offered and all(v["max_age"] is None or v["max_age"] >= 57 for v in offered)
    assert "便利店理货员" not in titles(result)  # max_age 50


def test_closed_filled_and_declined_vacancies_never_appear(client):
    county = Staff(client, "county_xc")
    result = ask(county, limit=50)
    statuses = {m["vacancy"]["status"] for m in result["matches"]}
    assert statuses == {"open"}
    assert "快递分拣员" not in titles(result) and "家政服务员" not in titles(result)
    first, second = result["matches"][0]["vacancy"], result["matches"][1]["vacancy"]
    county.post(f"/vacancies/{first['id']}/close")
    after = ask(county, limit=50, declined_vacancy_ids=[second["id"]])
    ids = [m["vacancy"]["id"] for m in after["matches"]]
    assert first["id"] not in ids and second["id"] not in ids
    assert len(ids) == len(result["matches"]) - 2


def test_filling_stops_matching_at_once(client):
    county = Staff(client, "county_xc")
    employer = county.new_employer(31)
    vacancy = county.new_vacancy(employer["id"], title="独一份的岗位", headcount=1)
    assert "独一份的岗位" in titles(ask(county, limit=50))
    county.post(f"/vacancies/{vacancy['id']}/hires", {"count": 1})
    assert "独一份的岗位" not in titles(ask(county, limit=50))


def test_match_is_scoped_and_strict(client):
    hailar = Staff(client, "station_hlr")
    outside = hailar.post("/match", {"region_code": "150102001001"})
    assert outside.status_code == 422 and error_code(outside) == "jobs.region_out_of_scope"
    own = hailar.post("/match", {"region_code": "150702001001", "limit": 50}).get_json()
    assert own["matches"] and all(m["vacancy"]["region_code"].startswith("150702")
                                  for m in own["matches"])
    station = Staff(client, "station_xc")
    extra = station.post("/match", {"region_code": "150102001001", "facts": {"id_number": "x"}})
    assert extra.status_code == 422
    bad_wish = station.post("/match", {"region_code": "150102001001",
                                       "preferences": {"occupations": ["astronaut"]}})
    assert bad_wish.status_code == 422
    assert Staff(client, "auditor").post("/match", {"region_code": "150102"}).status_code == 403


def test_wishes_and_skills_shape_the_order_and_reasons(client):
    result = ask(Staff(client, "county_xc"),
                 facts={"age": 40, "gender": "male", "skills": ["电工"], "education": "senior"},
                 preferences={"occupations": ["property_maintenance"], "min_salary": 3500})
    first = result["matches"][0]
    assert first["vacancy"]["title"] == "物业水电维修工"
    assert "岗位要求的技能您具备：电工" in first["reasons"]
    assert "是您希望从事的职业：物业维修工" in first["reasons"]


def test_occupation_list_is_public(client):
    occupations = client.get("/api/v1/jobs/occupations").get_json()
    assert {"code": "welder", "name": "焊工", "major_group": 6} in occupations


# --- the candidate fetch ---------------------------------------------------------------

def test_columns_line_up_with_the_engine_values():
    assert tuple(c.key for c in COLUMNS) == Candidate._fields


def test_candidates_come_from_the_county_or_the_travel_box_only(client, db_session):
    county = Staff(client, "county_xc")
    employer = county.new_employer(32)
    # Saihan district (150105) lies next door: reachable by distance, not by county.
    city = Staff(client, "city_hhht")
    next_door = city.new_vacancy(employer["id"], region_code="150105", lat=40.8300,
                                 lng=111.6900, title="邻区岗位")
    far_away = city.new_vacancy(employer["id"], region_code="150125", lat=41.09, lng=111.15,
                                title="武川岗位")
    today = local_today()
    by_county = {c.id for c in find_candidates("150102001001", today)}
    assert next_door["id"] not in by_county and far_away["id"] not in by_county
    by_distance = {c.id for c in find_candidates("150102001001", today,
                                                 home=(HOME["lat"], HOME["lng"]),
                                                 max_travel_km=5)}
    assert next_door["id"] in by_distance and far_away["id"] not in by_distance
    league = {c.id for c in find_candidates("150102001001", today, reach="league")}
    assert {next_door["id"], far_away["id"]} <= league
    assert not any(c.region_code.startswith("1507") for c in
                   find_candidates("150102001001", today, reach="league"))
    aged = find_candidates("150102001001", today, facts={"age": 57})
    assert all(c.max_age is None or c.max_age >= 57 for c in aged)
    rows = db_session.execute(select(Vacancy.id, Vacancy.status)).all()
    live = {c.id for c in find_candidates("150102001001", today + timedelta(days=365))}
    assert not live  # every demo vacancy has closed by then
    assert {status for _, status in rows} == {"open", "closed", "filled"}


def test_the_county_fetch_uses_the_county_status_index(db_session, fresh_app):
    query = candidate_query("150102001001", local_today(), facts={"age": 40})
    sql = str(query.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
    if is_sqlite(fresh_app):
        plan = " ".join(str(r) for r in db_session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    else:
        # A handful of demo rows: with statistics and without sequential scans the planner
        # shows which index the query can use (the benchmark checks it on 100,000 rows).
        db_session.execute(text("ANALYZE vacancies"))
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in db_session.execute(text("EXPLAIN " + sql)))
    assert "ix_vacancies_county_status" in plan



def test_the_fetch_never_drops_a_vacancy_the_engine_would_offer(client, db_session):
    """Matching on the fetched candidates equals matching on the whole table."""
    county = Staff(client, "county_xc")
    employer = county.new_employer(33)
    city = Staff(client, "city_hhht")
    for n, (region, lat, lng) in enumerate([("150105", 40.8300, 111.6900),
                                            ("150102002", 40.8700, 111.7000),
                                            ("150102001", None, None)]):
        city.new_vacancy(employer["id"], region_code=region, lat=lat, lng=lng,
                         title=f"补充岗位{n}", max_age=45 + n)
    everything = to_candidates(db_session.connection().execute(select(*COLUMNS)).fetchall())
    today = local_today()
    people = [({"age": 30}, {}), ({"age": 50}, {"home": HOME, "max_travel_km": 3}),
              ({"age": 47, "disability_type": "hearing"}, {"home": HOME, "max_travel_km": 8}),
              ({"age": 25}, {"region_reach": "league"}), ({}, {"home": HOME}),
              ({"disability_certificate": True, "disability_level": 2}, {}),
              ({"disability_type": "physical", "disability_level": 1, "education": "junior"}, {}),
              ({"education": "primary", "certified": False}, {}),
              ({"education": "college", "certified": True, "categories": ["disabled"]}, {})]
    for facts, prefs in people:
        facts = {**facts, "today": today, "residence_region": "150102001001"}
        home = (prefs["home"]["lat"], prefs["home"]["lng"]) if "home" in prefs else None
        fetched = find_candidates("150102001001", today, facts=facts, home=home,
                                  max_travel_km=prefs.get("max_travel_km"),
                                  reach=prefs.get("region_reach", "county"))
        assert len(fetched) < len(everything)
        expected = [m.vacancy.id for m in match(facts, prefs, everything, limit=100)]
        assert [m.vacancy.id for m in match(facts, prefs, fetched, limit=100)] == expected


def test_ranking_in_the_database_gives_the_engines_answer(client, db_session):
    """best_matches reads a few rows ranked by a bound of the score; whatever it reads, it
    answers what the engine answers on every vacancy (small first reads force the second
    read and the whole-set read too)."""
    from datetime import datetime, timezone
    import random

    from app.core.models import Region
    from app.jobs.models import Employer
    from app.jobs.occupations import OCCUPATIONS
    from app.jobs.retrieval import best_matches

    rnd = random.Random(18)
    today = local_today()
    regions = db_session.scalars(select(Region.code).where(
        Region.code.like("1501%"), Region.level >= 3)).all()
    employer = db_session.scalars(select(Employer.id)).first()
    # Case and full-width spaces follow Python's rules in the engine: the database's bound
    # must never fall below them.
    skills = ["电焊", "收银", "驾驶", "护理", "电焊工", "保洁", "Excel", " 收银\u3000", "Ölpumpe"]
    kinds = ["physical", "hearing", "visual"]
    now = datetime.now(timezone.utc)
    for n in range(240):
        region = rnd.choice(regions)
        near = rnd.random() < 0.6
        low = rnd.randrange(1800, 5000, 500)
        db_session.add(Vacancy(
            employer_id=employer, title=f"排序岗位{n}", occupation_code=rnd.choice(
                sorted(OCCUPATIONS)[:12]), region_code=region, county_code=region[:6],
            address="测试路", lat=HOME["lat"] + rnd.uniform(-0.05, 0.05) if near else None,
            lng=HOME["lng"] + rnd.uniform(-0.05, 0.05) if near else None,
            salary_min=low, salary_max=low + rnd.randrange(0, 2000, 500),
            hours_kind=rnd.choice(["full_time", "part_time", "flexible"]),
            headcount=rnd.randint(1, 3), filled_count=0,
            min_age=rnd.choice([None, None, 18]), max_age=rnd.choice([None, None, 45, 55]),
            education_min=rnd.choice([None, None, "junior", "senior"]),
            required_skills=rnd.sample(skills, rnd.choice([0, 0, 1, 2])),
            physical_demand=rnd.choice(["light", "medium", "heavy"]),
            suitable_for=rnd.sample(kinds, rnd.choice([0, 0, 1, 2])),
            caring_job=rnd.random() < 0.15, public_welfare_post=rnd.random() < 0.05,
            opens_on=today - timedelta(days=3), status="open", created_at=now, updated_at=now))
    db_session.flush()
    everything = to_candidates(db_session.connection().execute(select(*COLUMNS)).fetchall())
    people = [({"age": 30, "skills": ["电焊"]}, {"occupations": ["welder"], "hours": ["part_time"]}),
              ({"age": 52, "gender": "male"}, {"home": HOME, "max_travel_km": 4,
                                                "min_salary": 3000}),
              ({"age": 41, "gender": "female", "categories": ["zero_employment_household"]},
               {"home": HOME}),
              ({"disability_type": "hearing", "disability_certificate": True, "age": 35},
               {"home": HOME, "max_travel_km": 8}),
              ({"disability_certificate": True, "disability_level": 3, "dibao": True}, {}),
              ({"education": "primary", "certified": False, "skills": ["收银", "驾驶"]},
               {"region_reach": "league", "min_salary": 2500}),
              ({}, {}), ({"age": 60, "skills": ["保洁员"]}, {"hours": ["flexible"]}),
              ({"skills": ["excel", "收银", "ölpumpe"], "trades_trained": ["护"]}, {})]
    for facts, prefs in people:
        facts = {**facts, "today": today, "residence_region": "150102001001"}
        home = (prefs["home"]["lat"], prefs["home"]["lng"]) if "home" in prefs else None
        expected = [(m.vacancy.id, m.score) for m in match(facts, prefs, everything, limit=10)]
        assert expected
        for first_read in (3, 10, 12, 40):
            found, considered = best_matches(
                "150102001001", today, facts, prefs, limit=10, home=home,
                max_travel_km=prefs.get("max_travel_km"),
                reach=prefs.get("region_reach", "county"), first_read=first_read)
            assert [(m.vacancy.id, m.score) for m in found] == expected, (facts, prefs)
            assert considered >= len(found)

