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

from sqlalchemy import String, cast, or_, select, union_all

from app.extensions import db

from .matching import Vacancy as Candidate, bounding_box
from .models import Vacancy
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


def _area(region_code, reach):
    if reach == "league":
        league = region_code[:4]
        upper = str(int(league) + 1)
        return (Vacancy.county_code >= league) & (Vacancy.county_code < upper)
    return Vacancy.county_code == region_code[:6]


def _person_filters(facts):
    """SQL twins of the engine's hard filters on known facts (never stricter than it)."""
    where = []
    age = facts.get("age")
    if age is not None:
        where += [or_(Vacancy.min_age.is_(None), Vacancy.min_age <= age),
                  or_(Vacancy.max_age.is_(None), Vacancy.max_age >= age)]
    rank = EDUCATION_RANK.get(facts.get("education"))
    if rank is not None:
        above = [code for code, needed in EDUCATION_RANK.items() if needed > rank]
        if above:
            where.append(or_(Vacancy.education_min.is_(None), Vacancy.education_min.not_in(above)))
    kind = facts.get("disability_type")
    disabled = bool(facts.get("disability_certificate")) or kind is not None \
        or "disabled" in (facts.get("categories") or ())
    if kind in DISABILITY_LABELS:
        # suitable_for is a JSON list of fixed ASCII codes: its text holds "kind" quoted.
        where.append(cast(Vacancy.suitable_for, String).like(f'%"{kind}"%'))
    if disabled and facts.get("disability_level") in (1, 2):
        where.append(Vacancy.physical_demand == "light")
    if facts.get("certified") is False:
        where.append(Vacancy.public_welfare_post.is_(False))
    return where


def candidate_query(region_code, today, facts=None, home=None, max_travel_km=None,
                    reach="county"):
    """The SELECT of candidate rows (exposed so benchmarks and tests can EXPLAIN it)."""
    live = [Vacancy.status == VacancyStatus.OPEN.value, Vacancy.opens_on <= today,
            or_(Vacancy.closes_on.is_(None), Vacancy.closes_on >= today),
            Vacancy.filled_count < Vacancy.headcount, *_person_filters(facts or {})]
    area = _area(region_code, reach)
    if home is None or max_travel_km is None:
        return select(*COLUMNS).where(area, *live)
    # Within reach by distance wherever it lies; by area only when it has no coordinates.
    low_lat, high_lat, low_lng, high_lng = bounding_box(home[0], home[1], max_travel_km)
    return union_all(
        select(*COLUMNS).where(area, Vacancy.lat.is_(None), *live),
        select(*COLUMNS).where(Vacancy.lat.between(low_lat, high_lat),
                               Vacancy.lng.between(low_lng, high_lng), *live))


def find_candidates(region_code, today, facts=None, home=None, max_travel_km=None,
                    reach="county", session=None):
    """Candidate vacancies (engine values, not ORM objects) for a person living in region_code.

    `facts` is the person-facts dict (or the part of it that is known).
    """
    connection = (session or db.session).connection()  # Core rows: no ORM work per row
    return to_candidates(connection.execute(
        candidate_query(region_code, today, facts, home, max_travel_km, reach)).fetchall())


def to_candidates(rows):
    """Engine values from rows of COLUMNS."""
    make, s, k = Candidate._make, _SKILLS, _KINDS
    return [make(row[:s] + (_skills(row[s]),) + row[s + 1:k] + (_kinds(row[k]),) + row[k + 1:])
            for row in rows]


@lru_cache(maxsize=4096)
def _skills(text):
    return tuple(json.loads(text)) if text else ()


@lru_cache(maxsize=512)
def _kinds(text):
    return frozenset(json.loads(text)) if text else frozenset()
