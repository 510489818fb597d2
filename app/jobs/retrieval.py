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

The two JSON lists come back as text and are parsed through a small cache: vacancies share
a few skill lists and disability sets, and decoding JSON per row was the largest cost of a
match after the query itself.
"""
import json
from functools import lru_cache

from sqlalchemy import String, bindparam, cast, exists, or_, select, union_all

from app.extensions import db

from .matching import Vacancy as Candidate, bounding_box
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
