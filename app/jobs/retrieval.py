"""Candidate vacancies for matching, fetched so the cost follows the person's own area.

Only open vacancies inside their dates are read, and only from the person's county (or
league, when they said so) through the (county_code, status) index, plus, when the home
and a maximum travel distance are known, those inside the distance's bounding box through
the (lat, lng) index. Vacancies elsewhere are never touched, so adding vacancies in
other regions does not slow a match down.

The hard filters that are cheap in SQL (age limits, minimum education, disability
suitability, public-welfare posts for uncertified persons) are applied here too, to move
fewer rows: each mirrors the engine's filter exactly and only where the fact is known, and
the engine re-checks everything anyway. A test compares matching on the fetch with
matching on the whole table.

A match does not need every candidate in Python: `best_matches` has the database rank
them by an upper bound of the engine's score (every part exact but the required skills,
which are free text and count at their highest) with the engine's tie-breaks, reads the
first FIRST_READ, and scores those exactly. When the tenth best of them is provably ahead
of the bound of every vacancy not read, that is the answer; otherwise a second read
takes every vacancy whose bound reaches the tenth's score (then the whole set). Either
way the result equals the engine's on all candidates (a test compares them).

The two JSON lists come back as text and are parsed through a small cache: vacancies share
a few skill lists and disability sets, and decoding JSON per row was the largest cost of a
match after the query itself.
"""
import json
from functools import lru_cache
from math import cos, inf, radians

from sqlalchemy import (JSON, Float, String, and_, bindparam, case, cast, exists, func, literal,
                        or_, select, union_all)
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db

from .matching import (CIRCLE_KM, EARTH_KM, NEAR_KM, REGION_POINTS, Vacancy as Candidate,
                       bounding_box, match, score_bound, sort_key)
from .models import Recommendation, Vacancy
from .rules import DISABILITY_LABELS, EDUCATION_RANK, VacancyStatus

COLUMNS = (Vacancy.id, Vacancy.title, Vacancy.occupation_code, Vacancy.region_code,
           Vacancy.status, Vacancy.opens_on, Vacancy.closes_on, Vacancy.lat, Vacancy.lng,
           Vacancy.salary_min, Vacancy.salary_max, Vacancy.hours_kind, Vacancy.headcount,
           Vacancy.filled_count, Vacancy.min_age, Vacancy.max_age, Vacancy.education_min,
           cast(Vacancy.required_skills, String).label("required_skills"),
           Vacancy.physical_demand, cast(Vacancy.suitable_for, String).label("suitable_for"),
           Vacancy.caring_job, Vacancy.public_welfare_post)

# Positions of the two JSON lists, which arrive as text (COLUMNS follows Candidate's fields).
_SKILLS = Candidate._fields.index("required_skills")
_KINDS = Candidate._fields.index("suitable_for")


def _person_filters(facts, person_id=None):
    """SQL twins of the engine's hard filters on known facts (never stricter than it), as
    (shape, values): the shape picks a cached statement, the values fill its parameters.
    With a person_id, the vacancies that person declined are left out in the same query."""
    shape, values = [], {}
    if person_id is not None:
        shape.append("declined")
        values["person_id"] = person_id
    age = facts.get("age")
    if age is not None:
        shape.append("age")
        values["age"] = age
    rank = EDUCATION_RANK.get(facts.get("education"))
    above = [code for code, needed in EDUCATION_RANK.items() if rank is not None and needed > rank]
    if above:
        shape.append("education")
        values["above"] = above
    kind = facts.get("disability_type")
    if kind in DISABILITY_LABELS:
        # suitable_for is a JSON list of fixed ASCII codes: its text holds "kind" quoted.
        shape.append("kind")
        values["kind_pattern"] = f'%"{kind}"%'
    disabled = bool(facts.get("disability_certificate")) or kind is not None \
        or "disabled" in (facts.get("categories") or ())
    if disabled and kind is None:
        shape.append("any_kind")  # the engine wants some suitability listed
    if disabled and facts.get("disability_level") in (1, 2):
        shape.append("severe")
    if facts.get("certified") is False:
        shape.append("uncertified")
    return tuple(shape), values


@lru_cache(maxsize=256)
def _statement(reach, box, shape):
    """The candidate SELECT for one combination of filters, with bound parameters, built
    once: SQLAlchemy then reuses its compiled form too."""
    live = [Vacancy.status == VacancyStatus.OPEN.value, Vacancy.opens_on <= bindparam("today"),
            or_(Vacancy.closes_on.is_(None), Vacancy.closes_on >= bindparam("today")),
            Vacancy.filled_count < Vacancy.headcount]
    if "age" in shape:
        live += [or_(Vacancy.min_age.is_(None), Vacancy.min_age <= bindparam("age")),
                 or_(Vacancy.max_age.is_(None), Vacancy.max_age >= bindparam("age"))]
    if "education" in shape:
        live.append(or_(Vacancy.education_min.is_(None),
                        Vacancy.education_min.not_in(bindparam("above", expanding=True))))
    if "kind" in shape:
        live.append(cast(Vacancy.suitable_for, String).like(bindparam("kind_pattern")))
    if "any_kind" in shape:  # a list of strings, not an empty one
        live.append(cast(Vacancy.suitable_for, String).like('%"%'))
    if "severe" in shape:
        live.append(Vacancy.physical_demand == "light")
    if "uncertified" in shape:
        live.append(Vacancy.public_welfare_post.is_(False))
    if "declined" in shape:
        live.append(~exists().where(Recommendation.vacancy_id == Vacancy.id,
                                    Recommendation.person_id == bindparam("person_id"),
                                    Recommendation.status == "declined"))
    if reach == "league":
        area = (Vacancy.county_code >= bindparam("league_from")) \
            & (Vacancy.county_code < bindparam("league_to"))
    else:
        area = Vacancy.county_code == bindparam("county")
    if not box:
        return select(*COLUMNS).where(area, *live)
    # Within reach by distance wherever it lies; by area only when it has no coordinates.
    return union_all(
        select(*COLUMNS).where(area, Vacancy.lat.is_(None), *live),
        select(*COLUMNS).where(Vacancy.lat.between(bindparam("lat_from"), bindparam("lat_to")),
                               Vacancy.lng.between(bindparam("lng_from"), bindparam("lng_to")),
                               *live))


def candidate_statement(region_code, today, facts=None, home=None, max_travel_km=None,
                        reach="county", person_id=None):
    """(statement, parameters) fetching the candidates of a person living in region_code
    (without those the registered person `person_id` declined)."""
    shape, values = _person_filters(facts or {}, person_id)
    values["today"] = today
    reach = "league" if reach == "league" else "county"
    if reach == "league":
        league = region_code[:4]
        values["league_from"], values["league_to"] = league, str(int(league) + 1)
    else:
        values["county"] = region_code[:6]
    box = home is not None and max_travel_km is not None
    if box:
        (values["lat_from"], values["lat_to"], values["lng_from"],
         values["lng_to"]) = bounding_box(home[0], home[1], max_travel_km)
    return _statement(reach, box, shape), values


def candidate_query(region_code, today, facts=None, home=None, max_travel_km=None,
                    reach="county"):
    """The candidate SELECT with its values bound (for EXPLAIN in tests and benchmarks)."""
    statement, values = candidate_statement(region_code, today, facts, home, max_travel_km,
                                            reach)
    return statement.params(**values)


def find_candidates(region_code, today, facts=None, home=None, max_travel_km=None,
                    reach="county", session=None, person_id=None):
    """Candidate vacancies (engine values, not ORM objects) for a person living in region_code.

    `facts` is the person-facts dict (or the part of it that is known); `person_id` a
    registered person whose declined vacancies are left out.
    """
    statement, values = candidate_statement(region_code, today, facts, home, max_travel_km,
                                            reach, person_id)
    connection = (session or db.session).connection()  # Core rows: no ORM work per row
    return to_candidates(connection.execute(statement, values).fetchall())


def to_candidates(rows):
    """Engine values from rows of COLUMNS."""
    # tuple.__new__ is what Candidate._make does, minus a length check that the column
    # list makes redundant (a test holds COLUMNS to Candidate's fields).
    new, s, k = tuple.__new__, _SKILLS, _KINDS
    return [new(Candidate, row[:s] + (_skills(row[s]),) + row[s + 1:k] + (_kinds(row[k]),)
                + row[k + 1:])
            for row in rows]


@lru_cache(maxsize=4096)
def _skills(text):
    return tuple(json.loads(text)) if text else ()


@lru_cache(maxsize=512)
def _kinds(text):
    return frozenset(json.loads(text)) if text else frozenset()


# --- ranked in the database ------------------------------------------------------------

FIRST_READ = 40  # candidates read in the first pass (a tenth best needs a few dozen)
# str.strip's characters: the database trims required skills as the engine does.
_SPACES = "".join(chr(n) for n in range(0x3001) if chr(n).isspace())
# Characters PostgreSQL lowercases as Python does in any locale (printable ASCII) or that
# have no case (CJK ideographs): a required skill with any other counts as had (the bound
# stays at or above the score).
_UNCOMMON = f"[^ -~{chr(0x4E00)}-{chr(0x9FFF)}]"  # by code point: no text for translators
_SLACK = 1e-6    # the database's floating point may differ from Python's in the last bits


def _rank_shape(bound):
    """Which parts of the bound apply (the statement's shape) and their values."""
    shape, values = [], {}
    if bound.priority:
        shape.append("priority")
    if bound.home is not None:
        shape.append("home")
        values["home_lat"] = radians(bound.home[0])
        values["home_lng"] = bound.home[1]
        values["home_cos"] = cos(radians(bound.home[0]))
    region = bound.region or ""
    for length, _, _ in REGION_POINTS:
        if len(region) >= length:
            shape.append(f"region{length}")
            values[f"region{length}"] = region[:length]
    if bound.wanted:
        shape.append("wanted")
        values["wanted"] = sorted(bound.wanted)
    if bound.fitting:
        shape.append("fitting")
        values["fitting"] = sorted(bound.fitting)
    if bound.abilities:
        shape.append("abilities")  # one array parameter: no statement per count of them
        values["abilities"] = list(bound.abilities)
        values["spaces"] = _SPACES
        values["uncommon"] = _UNCOMMON
    if bound.hours:
        shape.append("hours")
        values["hours"] = sorted(bound.hours)
    if bound.min_salary:
        shape.append("salary")
        values["min_salary"] = bound.min_salary
    if bound.disability_kind is not None:
        if bound.disability_kind in DISABILITY_LABELS:  # fixed ASCII codes, safe in LIKE
            shape.append("kind_fit")
            values["fit_pattern"] = f'%"{bound.disability_kind}"%'
        else:
            shape.append("kind_any")
    if bound.older:
        shape.append("older")
    return tuple(shape), values


def _distance_sql(lat, lng):
    """The engine's haversine_km in SQL (NULL without coordinates)."""
    half_lat = (func.radians(lat) - bindparam("home_lat", type_=Float)) / 2
    half_lng = func.radians(lng - bindparam("home_lng", type_=Float)) / 2
    a = func.sin(half_lat) * func.sin(half_lat) + bindparam("home_cos", type_=Float) \
        * func.cos(func.radians(lat)) * func.sin(half_lng) * func.sin(half_lng)
    return case((a >= 1.0, literal(EARTH_KM * 3.141592653589793, Float)),
                else_=2 * EARTH_KM * func.asin(func.sqrt(a)))


def _skills_sql(c, shape, dialect):
    """Points for a listed required skill list: exact on PostgreSQL for skills in ASCII and
    CJK (round(20 * had / listed), rounded up at the half), else 20 (0 without abilities)."""
    if "abilities" not in shape:
        return literal(0)
    if dialect != "postgresql":
        return literal(20)
    skills = cast(c.required_skills, JSON)
    element = func.json_array_elements_text(skills).table_valued("value").alias("skill")
    wanted = func.lower(func.btrim(element.c.value, bindparam("spaces")))
    # The engine: a required skill is had when it lies in an ability, or an ability of two
    # or more characters lies in it.
    ability = func.unnest(bindparam("abilities", type_=ARRAY(String))) \
        .table_valued("value").render_derived(name="ability")
    a = ability.c.value
    fits = exists().select_from(ability).where(or_(
        func.strpos(a, wanted) > 0, and_(func.length(a) > 1, func.strpos(wanted, a) > 0)))
    had = or_(element.c.value.op("~")(bindparam("uncommon")), fits)
    count = select(func.count()).select_from(element).where(had).scalar_subquery()
    return func.floor(20.0 * count / func.json_array_length(skills) + 0.5 + _SLACK)


def _bound_sql(c, shape, distance, dialect):
    """The bound of the score of a candidate row `c` (columns of the inner SELECT)."""
    region = case(*[(func.substr(c.region_code, 1, length) == bindparam(f"region{length}"),
                     points) for length, points, _ in REGION_POINTS
                    if f"region{length}" in shape], else_=0) \
        if any(part.startswith("region") for part in shape) else literal(0)
    if distance is not None:
        # round(30 - 30 * (d - 1) / 15) from 0 to 30, never below the engine's figure.
        raw = 30 - 30 * (distance - 1) / (NEAR_KM - 1) + 0.5 + _SLACK
        near = case((distance.is_(None), region), (raw >= 30, 30), (raw < 0, 0),
                    else_=func.floor(raw))
    else:
        near = region
    terms = [near]
    if "wanted" in shape:
        terms.append(case((c.occupation_code.in_(bindparam("wanted", expanding=True)), 20),
                          else_=0))
    if "fitting" in shape:
        terms.append(case((c.occupation_code.in_(bindparam("fitting", expanding=True)), 10),
                          else_=0))
    # Required skills: 8 when none are listed, else up to 20 (0 for a person with none).
    terms.append(case((c.required_skills.like('%"%'), _skills_sql(c, shape, dialect)),
                      else_=8))
    if "hours" in shape:
        terms.append(case((c.hours_kind.in_(bindparam("hours", expanding=True)), 10), else_=0))
    if "salary" in shape:
        terms.append(case((c.salary_min >= bindparam("min_salary"), 10),
                          (c.salary_max >= bindparam("min_salary"), 5), else_=0))
    if "kind_fit" in shape:
        terms.append(case((c.suitable_for.like(bindparam("fit_pattern")), 10), else_=0))
    elif "kind_any" in shape:
        terms.append(literal(10))
    if "older" in shape:
        terms.append(case((c.physical_demand == "light", 5), else_=0))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


@lru_cache(maxsize=256)
def _ranked_statement(reach, box, shape, rank, phase, dialect):
    """The candidate SELECT ranked by the bound: phase "first" reads `first_read` rows,
    "reach" every row whose bound reaches a threshold, "all" every row."""
    inner = _statement(reach, box, shape).subquery()
    c = inner.c
    distance = _distance_sql(c.lat, c.lng) if "home" in rank else None
    if distance is not None:
        distance = case((c.lat.is_(None) | c.lng.is_(None), None), else_=distance)
    bound = _bound_sql(c, rank, distance, dialect)
    first = case((c.caring_job, 0), else_=1) if "priority" in rank else literal(1)
    columns = [*(c[column.key] for column in COLUMNS),
               (distance if distance is not None else cast(None, Float)).label("distance"),
               bound.label("bound"), first.label("first"), func.count().over().label("total")]
    query = select(*columns)
    if box and distance is not None:  # the travel box holds corners beyond the distance
        query = query.where(or_(distance.is_(None),
                                distance <= bindparam("max_km", type_=Float)))
    if phase == "reach":
        query = query.where(or_(first < bindparam("first_at"),
                                and_(first == bindparam("first_at"),
                                     bound >= bindparam("bound_at"))))
    order = [first, bound.desc()]
    if distance is not None:
        order.append(distance.asc().nulls_last())
    order.append(c.id)
    query = query.order_by(*order)
    return query.limit(bindparam("first_read")) if phase == "first" else query


def _settled(found, limit, home, last):
    """Whether the engine's best `limit` of the rows read are the best of all: the last
    is ahead of every row not read (those rank after the last row read, `last`, whose
    bound is at least its score)."""
    if len(found) < limit:
        return False
    flag, negated, distance, vacancy_id = sort_key(found[-1], home)  # negated: -score
    last_first, last_bound, last_distance, last_id = last
    if (flag, negated) != (last_first, -last_bound):
        return (flag, negated) < (last_first, -last_bound)
    if last_distance is None:  # rows not read have no distance either, or a longer one
        return distance < inf or vacancy_id <= last_id
    return distance < last_distance - _SLACK


def best_matches(region_code, today, facts, preferences, limit=10, home=None,
                 max_travel_km=None, reach="county", session=None, person_id=None,
                 declined=frozenset(), first_read=FIRST_READ):
    """(the engine's best `limit` matches, the number of candidates in reach) for a person
    living in region_code: what `match(facts, preferences, find_candidates(...))` gives,
    reading a few dozen rows instead of all."""
    shape = _person_filters(facts or {}, person_id)[0]
    _, values = candidate_statement(region_code, today, facts, home, max_travel_km,
                                            reach, person_id)
    box = home is not None and max_travel_km is not None
    reach = "league" if reach == "league" else "county"
    bound = score_bound(facts, preferences)
    rank, rank_values = _rank_shape(bound)
    values.update(rank_values)
    if box and bound.home is not None:
        values["max_km"] = max_travel_km + _SLACK
    connection = (session or db.session).connection()
    width = len(COLUMNS)

    def read(phase, **more):
        statement = _ranked_statement(reach, box, shape, rank, phase, connection.dialect.name)
        rows = connection.execute(statement,
                                  {**values, **more}).fetchall()
        return rows, to_candidates([row[:width] for row in rows])

    rows, candidates = read("first", first_read=first_read)
    found = match(facts, preferences, candidates, declined=declined, limit=limit)
    if len(rows) < first_read:
        return found, len(rows)
    considered = rows[0].total
    last = rows[-1]
    if _settled(found, limit, bound.home, (last.first, last.bound, last.distance, last.id)):
        return found, considered
    if len(found) < limit:
        rows, candidates = read("all")
    else:
        flag, negated = sort_key(found[-1], bound.home)[:2]
        rows, candidates = read("reach", first_at=flag, bound_at=-negated)
    return match(facts, preferences, candidates, declined=declined, limit=limit), considered
