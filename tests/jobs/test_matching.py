"""The pure matching engine, on hand-checked cases and generated ones (no Flask, no DB)."""
from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from app.jobs.matching import (Preferences, Vacancy, _assess, _distance, _Person,
                               bounding_box, haversine_km, match, why_not)

TODAY = date(2026, 3, 2)
HOME = (40.8400, 111.6700)  # Hohhot, Xincheng district
COMMUNITY = "150102001001"


def north_of(km, origin=HOME):
    """A point `km` kilometres due north of origin."""
    return origin[0] + km / 111.195, origin[1]


def vacancy(id, **fields):
    base = dict(title=f"岗位{id}", occupation_code="cleaner", region_code=COMMUNITY,
                status="open", opens_on=TODAY - timedelta(days=10), salary_min=2200,
                salary_max=2800, physical_demand="medium")
    base.update(fields)
    if "at_km" in base:
        base["lat"], base["lng"] = north_of(base.pop("at_km"))
    return Vacancy(id=id, **base)


def facts(**values):
    base = {"today": TODAY, "residence_region": COMMUNITY, "age": 35, "gender": "male",
            "categories": [], "skills": [], "trades_trained": [], "skill_certificates": []}
    base.update(values)
    return base


def texts(reasons):
    return [r.render() for r in reasons]


HOME_PREFS = {"home": {"lat": HOME[0], "lng": HOME[1]}}


def test_disabled_woman_gets_the_light_caring_job_nearby_first():
    woman = facts(age=30, gender="female", disability_certificate=True, disability_type="physical",
                  disability_level=3, categories=["disabled"], certified=True)
    caring = vacancy(1, title="社区便民服务点收银", occupation_code="cashier", at_km=1.2,
                     physical_demand="light", suitable_for=frozenset({"physical", "hearing"}),
                     caring_job=True)
    nearer_plain = vacancy(2, occupation_code="data_entry", at_km=0.3, physical_demand="light",
                           suitable_for=frozenset({"physical"}))
    heavy = vacancy(3, occupation_code="construction_worker", at_km=0.2,
                    physical_demand="heavy", suitable_for=frozenset())
    elsewhere = vacancy(4, region_code="150702001001", physical_demand="light",
                        suitable_for=frozenset({"physical"}), caring_job=True)
    results = match(woman, HOME_PREFS, [heavy, nearer_plain, elsewhere, caring])
    assert [m.vacancy.id for m in results] == [1, 2]
    first = results[0]
    assert first.caring_first
    assert texts(first.reasons)[:3] == ["爱心岗位：低门槛、有保障，优先向您推荐", "距您约1.2公里",
                                        "在您家附近的“15分钟就业圈”内"]
    assert "岗位适合肢体残疾人员" in texts(first.reasons)
    assert why_not(woman, HOME_PREFS, heavy).render() == "岗位不适合肢体残疾人员"
    assert why_not(woman, HOME_PREFS, elsewhere).code == "out_of_reach"


def test_severe_disability_only_gets_light_work():
    person = facts(disability_certificate=True, disability_type="hearing", disability_level=2)
    medium = vacancy(1, suitable_for=frozenset({"hearing"}), physical_demand="medium")
    light = vacancy(2, suitable_for=frozenset({"hearing"}), physical_demand="light")
    assert [m.vacancy.id for m in match(person, {}, [medium, light])] == [2]
    assert why_not(person, {}, medium).code == "too_heavy"


def test_a_57_year_old_man_is_not_offered_a_job_capped_at_50():
    man = facts(age=57, gender="male")
    capped = vacancy(1, max_age=50)
    open_age = vacancy(2, min_age=18, max_age=60, physical_demand="light")
    results = match(man, {}, [capped, open_age])
    assert [m.vacancy.id for m in results] == [2]
    assert why_not(man, {}, capped).render() == "岗位要求年龄不超过50岁"
    assert "轻体力岗位，适合大龄劳动者" in texts(results[0].reasons)
    assert why_not(facts(age=17), {}, vacancy(3, min_age=18)).code == "too_young"


def test_closed_filled_and_out_of_date_vacancies_never_appear():
    gone = [vacancy(1, status="closed"), vacancy(2, status="filled"),
            vacancy(3, headcount=2, filled_count=2),
            vacancy(4, closes_on=TODAY - timedelta(days=1)),
            vacancy(5, opens_on=TODAY + timedelta(days=1))]
    live = [vacancy(6, closes_on=TODAY), vacancy(7, opens_on=TODAY)]
    assert sorted(m.vacancy.id for m in match(facts(), {}, gone + live)) == [6, 7]
    assert {why_not(facts(), {}, v).code for v in gone} == {"not_open", "out_of_dates"}


def test_declined_vacancies_are_not_offered_again():
    results = match(facts(), {}, [vacancy(1), vacancy(2), vacancy(3)], declined={2})
    assert [m.vacancy.id for m in results] == [1, 3]
    assert why_not(facts(), {}, vacancy(2), declined={2}).render() == "您已婉拒过该岗位"


def test_skill_and_occupation_reasons_in_chinese():
    welder = facts(skills=["电焊", "驾驶"], trades_trained=["焊工"])
    prefs = {"occupations": ["welder"], "hours": ["full_time"], "min_salary": 4000}
    job = vacancy(1, occupation_code="welder", required_skills=("电焊", "叉车"),
                  salary_min=4500, salary_max=6000, hours_kind="full_time")
    [result] = match(welder, prefs, [job])
    assert texts(result.reasons) == [
        "与您在同一社区（嘎查村）", "是您希望从事的职业：焊工", "岗位要求的技能您具备：电焊",
        "您的技能或培训工种与该职业相符：焊工", "工作时间符合您的期望：全职",
        "月薪4500-6000元，不低于您期望的4000元"]
    assert texts(result.cautions) == ["岗位要求的技能您暂不具备：叉车"]
    assert result.score == 30 + 20 + 10 + 10 + 10 + 10


def test_region_tree_nearness_without_coordinates():
    person = facts(residence_region="150102001001")
    same_community = vacancy(1, region_code="150102001001")
    same_township = vacancy(2, region_code="150102001")
    same_county = vacancy(3, region_code="150102002")
    results = match(person, {}, [same_county, same_township, same_community])
    assert [m.vacancy.id for m in results] == [1, 2, 3]
    assert texts(results[2].reasons)[0] == "在您所在的旗县（市、区）"


def test_league_reach_widens_the_area_but_ranks_lower():
    person = facts(residence_region="150102001")
    other_county = vacancy(1, region_code="150105")
    assert match(person, {}, [other_county]) == []
    [result] = match(person, {"region_reach": "league"}, [other_county])
    assert texts(result.reasons)[0] == "在您所在的盟市"


def test_travel_distance_replaces_the_county_when_both_places_are_known():
    prefs = {**HOME_PREFS, "max_travel_km": 5}
    across_the_border = vacancy(1, region_code="150105", at_km=4)
    same_county_too_far = vacancy(2, at_km=8)
    no_coordinates = vacancy(3, region_code="150102002")
    results = match(facts(), prefs, [across_the_border, same_county_too_far, no_coordinates])
    assert sorted(m.vacancy.id for m in results) == [1, 3]
    assert why_not(facts(), prefs, same_county_too_far).render() == \
        "距离约8.0公里，超出您愿意通勤的5.0公里"


def test_public_welfare_posts_are_for_certified_persons():
    post = vacancy(1, public_welfare_post=True)
    assert match(facts(certified=False), {}, [post]) == []
    [result] = match(facts(certified=True), {}, [post])
    assert "公益性岗位，用于就业困难人员托底安置" in texts(result.reasons)
    [unknown] = match(facts(certified=None), {}, [post])
    assert "公益性岗位需已认定为就业困难人员，请核实" in texts(unknown.cautions)


def test_education_minimum_is_a_hard_filter_when_known():
    job = vacancy(1, education_min="senior")
    assert why_not(facts(education="junior"), {}, job).render() == "岗位要求高中及以上学历"
    assert match(facts(education="vocational"), {}, [job])
    [unknown] = match(facts(education=None), {}, [job])
    assert texts(unknown.cautions) == ["岗位要求高中及以上学历，请核实"]


def test_unknown_facts_never_crash_and_say_what_to_check():
    bare = {"today": TODAY}
    jobs = [vacancy(1, max_age=45), vacancy(2, public_welfare_post=True, education_min="junior")]
    results = match(bare, {}, jobs)
    assert len(results) == 2
    cautions = {text for m in results for text in texts(m.cautions)}
    assert "岗位有年龄要求（16-45岁），请核实" in cautions
    assert "居住地未知，请核实通勤距离" in cautions


def test_priority_flag_from_dibao_or_categories():
    caring = vacancy(1, caring_job=True, region_code="150102002")  # farther by the tree
    plain = vacancy(2)
    assert [m.vacancy.id for m in match(facts(), {}, [caring, plain])] == [2, 1]
    for flagged in (facts(dibao=True), facts(categories=["zero_employment_household"]),
                    facts(categories=["long_term_unemployed"])):
        assert [m.vacancy.id for m in match(flagged, {}, [caring, plain])] == [1, 2]


def test_haversine_and_bounding_box():
    assert abs(haversine_km(*HOME, *north_of(10)) - 10) < 0.01
    # Beijing to Shanghai, a well-known great-circle distance of about 1,068 km.
    assert 1060 < haversine_km(39.9042, 116.4074, 31.2304, 121.4737) < 1075
    low_lat, high_lat, low_lng, high_lng = bounding_box(*HOME, 5)
    inside = 0
    for i in range(-40, 41):
        for j in range(-40, 41):
            lat, lng = HOME[0] + i * 0.0025, HOME[1] + j * 0.0025
            if haversine_km(*HOME, lat, lng) <= 5:
                inside += 1
                assert low_lat <= lat <= high_lat and low_lng <= lng <= high_lng
    assert inside > 100


# --- generated cases -------------------------------------------------------------------

regions = st.sampled_from(["150102001001", "150102001002", "150102002001", "150105001001",
                           "150702001001"])
vacancies = st.builds(
    Vacancy, id=st.integers(1, 10**6), title=st.just("t"),
    occupation_code=st.sampled_from(["cleaner", "welder", "cashier", "unknown"]),
    region_code=regions, status=st.sampled_from(["open", "open", "open", "closed", "filled"]),
    opens_on=st.dates(TODAY - timedelta(days=60), TODAY + timedelta(days=5)),
    closes_on=st.none() | st.dates(TODAY - timedelta(days=5), TODAY + timedelta(days=60)),
    lat=st.none() | st.floats(40.7, 41.0), lng=st.floats(111.5, 111.9),
    salary_min=st.integers(1800, 4000), salary_max=st.integers(4000, 8000),
    hours_kind=st.sampled_from(["full_time", "part_time", "flexible"]),
    headcount=st.integers(1, 5), filled_count=st.integers(0, 5),
    min_age=st.none() | st.integers(16, 40), max_age=st.none() | st.integers(40, 63),
    education_min=st.none() | st.sampled_from(["junior", "senior", "college"]),
    required_skills=st.lists(st.sampled_from(["电焊", "收银", "驾驶"]), max_size=2).map(tuple),
    physical_demand=st.sampled_from(["light", "medium", "heavy"]),
    suitable_for=st.frozensets(st.sampled_from(["physical", "hearing", "visual"])),
    caring_job=st.booleans(), public_welfare_post=st.booleans())
people = st.fixed_dictionaries({
    "today": st.just(TODAY), "residence_region": st.none() | regions,
    "age": st.none() | st.integers(16, 70), "gender": st.sampled_from(["male", "female"]),
    "disability_type": st.none() | st.sampled_from(["physical", "hearing", "mental"]),
    "disability_level": st.none() | st.integers(1, 4), "dibao": st.none() | st.booleans(),
    "certified": st.none() | st.booleans(), "categories": st.lists(st.sampled_from(
        ["disabled", "older", "zero_employment_household", "graduate"]), max_size=2),
    "education": st.none() | st.sampled_from(["primary", "junior", "senior", "bachelor"]),
    "skills": st.lists(st.sampled_from(["电焊", "收银", "驾驶员"]), max_size=2)})
prefs = st.fixed_dictionaries({
    "occupations": st.lists(st.sampled_from(["cleaner", "welder"]), max_size=2),
    "hours": st.lists(st.sampled_from(["full_time", "part_time"]), max_size=2),
    "min_salary": st.none() | st.integers(1500, 6000),
    "max_travel_km": st.none() | st.floats(1, 30),
    "home": st.none() | st.fixed_dictionaries({"lat": st.floats(40.7, 41.0),
                                                "lng": st.floats(111.5, 111.9)}),
    "region_reach": st.sampled_from(["county", "league"])})


@settings(max_examples=150, deadline=None)
@given(people, prefs, st.lists(vacancies, max_size=30, unique_by=lambda v: v.id),
       st.sets(st.integers(1, 10**6), max_size=3), st.integers(1, 10), st.randoms())
def test_generated_matches_obey_the_hard_filters_and_a_stable_order(
        person, wishes, jobs, declined, limit, rnd):
    if jobs:
        declined = declined | {rnd.choice(jobs).id}
    results = match(person, wishes, jobs, declined=declined, limit=limit)
    allowed = [v for v in jobs if why_not(person, wishes, v, declined=declined) is None]
    assert len(results) == min(limit, len(allowed))
    for m in results:
        v = m.vacancy
        assert v.id not in declined and v.status == "open" and v.filled_count < v.headcount
        assert v.opens_on <= TODAY and (v.closes_on is None or v.closes_on >= TODAY)
        assert all(r.render() for r in m.reasons + m.cautions)
    keys = [(not m.caring_first, -m.score, m.distance_km if m.distance_km is not None
             else float("inf"), m.vacancy.id) for m in results]
    assert keys == sorted(keys)
    person_view = _Person(person, Preferences.from_dict(wishes), frozenset(declined))
    for v in allowed:  # the fast score and the explained score never disagree
        distance = _distance(person_view, v)
        assert person_view.score(v, distance) == _assess(person_view, v, distance)[0]
    shuffled = list(jobs)
    rnd.shuffle(shuffled)
    again = match(person, wishes, shuffled, declined=declined, limit=limit)
    assert [m.vacancy.id for m in again] == [m.vacancy.id for m in results]


def test_priority_persons_see_every_caring_job_before_the_rest():
    person = facts(categories=["disabled"], disability_type="hearing")
    jobs = [vacancy(i, suitable_for=frozenset({"hearing"}), caring_job=i % 3 == 0)
            for i in range(1, 13)]
    flags = [m.vacancy.caring_job for m in match(person, {}, jobs, limit=12)]
    assert flags == sorted(flags, reverse=True) and flags.count(True) == 4
