"""Candidate vacancies for matching, fetched so the cost follows the person's own area.

Only open vacancies inside their dates are read, and only from the person's county (or
league, when they said so) through the (county_code, status) index, plus, when the home
and a maximum travel distance are known, those inside the distance's bounding box through
the (lat, lng) index. Vacancies elsewhere are never touched, so adding vacancies in
other regions does not slow a match down. Age limits are applied here too because they are
cheap in SQL; the engine re-checks every hard filter anyway.

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
from .rules import VacancyStatus

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


def candidate_query(region_code, today, age=None, home=None, max_travel_km=None,
                    reach="county"):
    """The SELECT of candidate rows (exposed so benchmarks and tests can EXPLAIN it)."""
    live = [Vacancy.status == VacancyStatus.OPEN.value, Vacancy.opens_on <= today,
            or_(Vacancy.closes_on.is_(None), Vacancy.closes_on >= today),
            Vacancy.filled_count < Vacancy.headcount]
    if age is not None:
        live += [or_(Vacancy.min_age.is_(None), Vacancy.min_age <= age),
                 or_(Vacancy.max_age.is_(None), Vacancy.max_age >= age)]
    area = _area(region_code, reach)
    if home is None or max_travel_km is None:
        return select(*COLUMNS).where(area, *live)
    # Within reach by distance wherever it lies; by area only when it has no coordinates.
    low_lat, high_lat, low_lng, high_lng = bounding_box(home[0], home[1], max_travel_km)
    return union_all(
        select(*COLUMNS).where(area, Vacancy.lat.is_(None), *live),
        select(*COLUMNS).where(Vacancy.lat.between(low_lat, high_lat),
                               Vacancy.lng.between(low_lng, high_lng), *live))


def find_candidates(region_code, today, age=None, home=None, max_travel_km=None,
                    reach="county", session=None):
    """Candidate vacancies (engine values, not ORM objects) for a person living in region_code."""
    connection = (session or db.session).connection()  # Core rows: no ORM work per row
    return to_candidates(connection.execute(
        candidate_query(region_code, today, age, home, max_travel_km, reach)).fetchall())


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
