"""Job matching: hard filters, then an explainable score. Pure: no Flask, no database.

Input is the person-facts dict (notes/FACTS.md), the person's wishes (`Preferences`) and
candidate vacancies (`Vacancy`, plain values). The database layer fetches candidates by
region and status, so this module never sees the whole vacancy table; it re-checks every
hard filter itself, so a loose fetch can never leak an unsuitable vacancy.

Hard filters (a vacancy failing one is never offered):
  declined before; not open (closed, filled, headcount reached, outside its dates);
  out of reach (farther than the person's maximum travel distance when both places have
  coordinates, otherwise outside the person's county, or league when they said so);
  outside the age limits; physical fit (a disabled person only gets vacancies that list
  their disability type as suitable, and only light work at levels 1-2); education below the
  vacancy's minimum; public-welfare posts only for certified persons.
A fact that is None never excludes: the match carries a caution to check it instead.

Score (points, each with a reason in Chinese): nearness by haversine distance, else by the
region tree (same community > township > county > league); wanted occupation; required
skills the person has; trained trade fitting the occupation; hours and salary wishes;
disability suitability; light work for older workers. People flagged for priority help get
caring jobs (爱心岗位) first, before any other vacancy (notice §2.2: 优先推荐...爱心岗位).
Ties: higher score, then nearer, then lower vacancy id, so the order is deterministic.
"""
import heapq
from dataclasses import dataclass
from datetime import date
from math import asin, cos, inf, radians, sin, sqrt
from typing import NamedTuple

from app.core.i18n import N_

from .occupations import OCCUPATIONS
from .rules import (DISABILITY_LABELS, EDUCATION_LABELS, EDUCATION_RANK, HOURS_LABELS,
                    MAX_RETIREMENT_AGE, MIN_WORKING_AGE)

PRIORITY_CATEGORIES = frozenset({"disabled", "zero_employment_household", "long_term_unemployed"})
CIRCLE_KM = 2.0     # "15-minute employment circle": about a 15-minute walk or short ride
NEAR_KM = 16.0      # nearness points fall linearly from 1 km to nothing at this distance
EARTH_KM = 6371.0088

REGION_POINTS = ((12, 30, N_("与您在同一社区（嘎查村）")),
                 (9, 22, N_("在您所在的苏木乡镇（街道）")),
                 (6, 14, N_("在您所在的旗县（市、区）")),
                 (4, 6, N_("在您所在的盟市")))


class Vacancy(NamedTuple):
    """A candidate vacancy as plain values. A named tuple: the database layer builds
    thousands per match, and a tuple is several times cheaper to make than a frozen
    dataclass."""
    id: int
    title: str
    occupation_code: str
    region_code: str
    status: str
    opens_on: date
    closes_on: date | None = None
    lat: float | None = None
    lng: float | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    hours_kind: str = "full_time"
    headcount: int = 1
    filled_count: int = 0
    min_age: int | None = None
    max_age: int | None = None
    education_min: str | None = None
    required_skills: tuple[str, ...] = ()
    physical_demand: str = "medium"
    suitable_for: frozenset[str] = frozenset()
    caring_job: bool = False
    public_welfare_post: bool = False


@dataclass(frozen=True)
class Preferences:
    occupations: frozenset[str] = frozenset()
    hours: frozenset[str] = frozenset()
    min_salary: int | None = None
    max_travel_km: float | None = None
    home_lat: float | None = None
    home_lng: float | None = None
    region_reach: str = "county"  # or "league": willing to work anywhere in the league/city

    @classmethod
    def from_dict(cls, data):
        data = data or {}
        home = data.get("home") or {}
        return cls(occupations=frozenset(data.get("occupations") or ()),
                   hours=frozenset(data.get("hours") or ()),
                   min_salary=data.get("min_salary"), max_travel_km=data.get("max_travel_km"),
                   home_lat=home.get("lat"), home_lng=home.get("lng"),
                   region_reach=data.get("region_reach") or "county")


class Label(str):
    """A parameter that is itself product text: translated before it is put in place."""


class Reason(NamedTuple):
    """Why (or why not): a stable code, a Chinese template marked for translation, values."""
    code: str
    template: str
    params: tuple[tuple[str, object], ...] = ()

    def render(self, translate=lambda text: text):
        values = {key: translate(value) if isinstance(value, Label) else value
                  for key, value in self.params}
        return translate(self.template).format(**values)


def _reason(code, template, **params):
    return Reason(code, template, tuple(sorted(params.items())))


@dataclass(frozen=True)
class Match:
    vacancy: Vacancy
    score: int
    caring_first: bool
    distance_km: float | None
    reasons: tuple[Reason, ...]
    cautions: tuple[Reason, ...]


def haversine_km(lat1, lng1, lat2, lng2):
    p1, p2 = radians(lat1), radians(lat2)
    a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_KM * asin(min(1.0, sqrt(a)))


def bounding_box(lat, lng, km):
    """(min_lat, max_lat, min_lng, max_lng) enclosing every point within `km` of (lat, lng)."""
    dlat = km / 111.0
    dlng = km / (111.0 * max(cos(radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def _norm(text):
    return text.strip().lower()


def _km_text(km):
    return f"{km:.1f}" if km < 10 else f"{km:.0f}"


def _join(items):
    return "、".join(items)


def _has(skills, wanted):
    """A person's free-text skill covers a wanted one when either contains the other
    ("电焊" and "电焊工"); one-character skills only count when equal."""
    wanted = _norm(wanted)
    return any(wanted in skill or (len(skill) > 1 and skill in wanted) for skill in skills)


class _Person:
    """Facts and wishes digested once per match run."""

    def __init__(self, facts, prefs, declined):
        self.today = facts["today"]
        self.declined = declined
        self.age = facts.get("age")
        region = facts.get("residence_region")
        self.region = region
        self.county = region[:6] if region else None
        self.league = region[:4] if region else None
        self.home = ((prefs.home_lat, prefs.home_lng)
                     if prefs.home_lat is not None and prefs.home_lng is not None else None)
        self.max_travel = prefs.max_travel_km
        self.reach_league = prefs.region_reach == "league"
        dtype = facts.get("disability_type")
        categories = set(facts.get("categories") or ())
        self.disabled = bool(facts.get("disability_certificate")) or dtype is not None \
            or "disabled" in categories
        self.disability_type = dtype
        self.disability_level = facts.get("disability_level")
        self.education = EDUCATION_RANK.get(facts.get("education"))
        self.certified = facts.get("certified")
        # Skills, certificates and trained trades all count as what the person can do.
        self.abilities = frozenset(
            _norm(s) for key in ("skills", "skill_certificates", "trades_trained")
            for s in (facts.get(key) or ()) if isinstance(s, str) and s.strip())
        self.priority = bool(categories & PRIORITY_CATEGORIES) or facts.get("dibao") is True
        gender = facts.get("gender")
        self.older = "older" in categories or (self.age is not None and (
            self.age >= 50 or (gender == "female" and self.age >= 40)))
        self.wanted = prefs.occupations
        self.hours = prefs.hours
        self.min_salary = prefs.min_salary
        # Vacancies repeat the same regions, occupations and skill lists: answer each once.
        self._trade_fit, self._region, self._skills = {}, {}, {}
        self._occupation_points, self._skill_points = {}, {}
        self.score = _scorer(self)

    def region_nearness(self, code):
        """(points, reason template or None) for a vacancy's region by the region tree."""
        hit = self._region.get(code)
        if hit is None:
            hit = (0, None)
            region = self.region
            if region is not None:
                for length, points, text in REGION_POINTS:
                    if len(code) >= length and len(region) >= length \
                            and code[:length] == region[:length]:
                        hit = (points, text)
                        break
            self._region[code] = hit
        return hit

    def skills_had(self, required):
        """The required skills (a tuple) the person has."""
        have = self._skills.get(required)
        if have is None:
            have = tuple(s for s in required if _has(self.abilities, s))
            self._skills[required] = have
        return have

    def occupation_points(self, code):
        """Points for the occupation itself: wanted (20) and fitting a trade or skill (10)."""
        points = self._occupation_points.get(code)
        if points is None:
            points = (20 if code in self.wanted else 0) + (10 if self.trade_fit(code) else 0)
            self._occupation_points[code] = points
        return points

    def skill_points(self, required):
        """Share of the required skills the person has (20), or 8 when none are required."""
        points = self._skill_points.get(required)
        if points is None:
            points = round(20 * len(self.skills_had(required)) / len(required)) if required else 8
            self._skill_points[required] = points
        return points

    def trade_fit(self, occupation_code):
        """Keywords of the occupation found among the person's trades and skills."""
        found = self._trade_fit.get(occupation_code)
        if found is None:
            occupation = OCCUPATIONS.get(occupation_code)
            found = bool(occupation and self.abilities and any(
                _has(self.abilities, keyword) for keyword in occupation.keywords))
            self._trade_fit[occupation_code] = found
        return found


def _distance(person, v):
    if person.home is None or v.lat is None or v.lng is None:
        return None
    return haversine_km(person.home[0], person.home[1], v.lat, v.lng)


def _exclusion(person, v, distance):
    """Why a vacancy may not be offered, as (code, template, params); None when it passes
    every hard filter. Plain tuples: this runs for every candidate, Reason only for why_not."""
    if v.id in person.declined:
        return "declined", N_("您已婉拒过该岗位"), ()
    if v.status != "open" or v.filled_count >= v.headcount:
        return "not_open", N_("岗位已关闭或已招满"), ()
    if v.opens_on > person.today or (v.closes_on is not None and v.closes_on < person.today):
        return "out_of_dates", N_("不在岗位的招聘期内"), ()
    if distance is not None and person.max_travel is not None:
        if distance > person.max_travel:
            return ("too_far", N_("距离约{km}公里，超出您愿意通勤的{max}公里"),
                    (("km", _km_text(distance)), ("max", _km_text(person.max_travel))))
    elif person.county is not None:
        if (v.region_code[:4] != person.league) if person.reach_league \
                else (v.region_code[:6] != person.county):
            return "out_of_reach", N_("不在您可就业的区域内"), ()
    age = person.age
    if age is not None:
        if v.min_age is not None and age < v.min_age:
            return "too_young", N_("岗位要求年满{age}岁"), (("age", v.min_age),)
        if v.max_age is not None and age > v.max_age:
            return "too_old", N_("岗位要求年龄不超过{age}岁"), (("age", v.max_age),)
    if person.disabled:
        kind = person.disability_type
        if kind is not None and kind not in v.suitable_for:
            return ("disability_unsuited", N_("岗位不适合{kind}人员"),
                    (("kind", Label(DISABILITY_LABELS.get(kind, kind))),))
        if kind is None and not v.suitable_for:
            return "disability_unsuited", N_("岗位未标注适合残疾人员"), ()
        if person.disability_level in (1, 2) and v.physical_demand != "light":
            return "too_heavy", N_("岗位体力要求较高，不适合重度残疾人员"), ()
    if v.education_min is not None and person.education is not None:
        required = EDUCATION_RANK.get(v.education_min)
        if required and person.education < required:
            return ("education_below", N_("岗位要求{education}及以上学历"),
                    (("education", Label(EDUCATION_LABELS[v.education_min])),))
    if v.public_welfare_post and person.certified is False:
        return "welfare_post_uncertified", N_("公益性岗位仅面向已认定的就业困难人员"), ()
    return None


def _distance_points(distance):
    if distance <= 1:
        return 30
    return max(0, round(30 - 30 * (distance - 1) / (NEAR_KM - 1)))


def _scorer(person):
    """The score of a vacancy that passed the hard filters, as a closure over the person's
    digested wishes: the fast path, run for every candidate, without reasons.

    `_assess` gives the same number with its reasons; keep the two in step (a property
    test compares them).
    """
    regions, occupations, skills = person._region, person._occupation_points, person._skill_points
    hours = {kind: 10 for kind in person.hours}
    wanted_salary = person.min_salary
    kind = person.disability_type if person.disabled else None
    older = person.older

    def score(v, distance):
        if distance is None:
            points = (regions.get(v.region_code) or person.region_nearness(v.region_code))[0]
        else:
            points = _distance_points(distance)
        occupation = occupations.get(v.occupation_code)
        points += occupation if occupation is not None \
            else person.occupation_points(v.occupation_code)
        skill = skills.get(v.required_skills)
        points += skill if skill is not None else person.skill_points(v.required_skills)
        if hours:
            points += hours.get(v.hours_kind, 0)
        if wanted_salary:
            if v.salary_min is not None and v.salary_min >= wanted_salary:
                points += 10
            elif v.salary_max is not None and v.salary_max >= wanted_salary:
                points += 5
        if kind is not None and kind in v.suitable_for:
            points += 10
        if older and v.physical_demand == "light":
            points += 5
        return points

    return score


def _assess(person, v, distance):
    """(points, reasons, cautions) for a vacancy that passed the hard filters."""
    reasons, cautions = [], []
    if distance is not None:
        points = _distance_points(distance)
        reasons.append(_reason("distance", N_("距您约{km}公里"), km=_km_text(distance)))
        if distance <= CIRCLE_KM:
            reasons.append(_reason("circle", N_("在您家附近的“15分钟就业圈”内")))
    else:
        points, text = person.region_nearness(v.region_code)
        if text:
            reasons.append(_reason("region", text))
    name = OCCUPATIONS[v.occupation_code].name if v.occupation_code in OCCUPATIONS \
        else v.occupation_code
    if v.occupation_code in person.wanted:
        points += 20
        reasons.append(_reason("occupation", N_("是您希望从事的职业：{name}"), name=name))
    required = v.required_skills
    if required:
        have = person.skills_had(required)
        points += round(20 * len(have) / len(required))
        if have:
            reasons.append(_reason("skills", N_("岗位要求的技能您具备：{skills}"), skills=_join(have)))
        if len(have) < len(required):
            cautions.append(_reason("skills_missing", N_("岗位要求的技能您暂不具备：{skills}"),
                                    skills=_join(s for s in required if s not in have)))
    else:
        points += 8
        reasons.append(_reason("no_skills_needed", N_("岗位无技能要求，门槛较低")))
    if person.trade_fit(v.occupation_code):
        points += 10
        reasons.append(_reason("trade", N_("您的技能或培训工种与该职业相符：{name}"), name=name))
    if person.hours:
        label = Label(HOURS_LABELS.get(v.hours_kind, v.hours_kind))
        if v.hours_kind in person.hours:
            points += 10
            reasons.append(_reason("hours", N_("工作时间符合您的期望：{hours}"), hours=label))
        else:
            cautions.append(_reason("hours_mismatch", N_("工作时间为{hours}，与您的期望不同"),
                                    hours=label))
    wanted = person.min_salary
    if wanted:
        low, high = v.salary_min, v.salary_max
        if low is not None and low >= wanted:
            points += 10
            reasons.append(_reason("salary", N_("月薪{low}-{high}元，不低于您期望的{wanted}元"),
                                   low=low, high=high, wanted=wanted))
        elif high is not None and high >= wanted:
            points += 5
            reasons.append(_reason("salary_partly", N_("月薪最高{high}元，可达到您期望的{wanted}元"),
                                   high=high, wanted=wanted))
        else:
            cautions.append(_reason("salary_low", N_("月薪低于您期望的{wanted}元"), wanted=wanted))
    if person.disabled and person.disability_type in v.suitable_for:
        points += 10
        reasons.append(_reason("disability_fit", N_("岗位适合{kind}人员"),
                               kind=Label(DISABILITY_LABELS[person.disability_type])))
    if person.older and v.physical_demand == "light":
        points += 5
        reasons.append(_reason("light_work", N_("轻体力岗位，适合大龄劳动者")))
    _notes(person, v, reasons, cautions)
    return points, tuple(reasons), tuple(cautions)


def _notes(person, v, reasons, cautions):
    """Reasons and cautions that carry no points."""
    if v.caring_job:
        reasons.insert(0, _reason("caring_priority", N_("爱心岗位：低门槛、有保障，优先向您推荐"))
                       if person.priority else _reason("caring", N_("爱心岗位：低门槛、有保障")))
    if v.public_welfare_post:
        reasons.append(_reason("welfare_post", N_("公益性岗位，用于就业困难人员托底安置")))
        if person.certified is None:
            cautions.append(_reason("check_certified", N_("公益性岗位需已认定为就业困难人员，请核实")))
    if person.age is None and (v.min_age is not None or v.max_age is not None):
        cautions.append(_reason("check_age", N_("岗位有年龄要求（{low}-{high}岁），请核实"),
                                low=v.min_age or MIN_WORKING_AGE,
                                high=v.max_age or MAX_RETIREMENT_AGE))
    if EDUCATION_RANK.get(v.education_min) and person.education is None:
        cautions.append(_reason("check_education", N_("岗位要求{education}及以上学历，请核实"),
                                education=Label(EDUCATION_LABELS[v.education_min])))
    if person.disabled and person.disability_type is None:
        cautions.append(_reason("check_disability", N_("请核实残疾类别与岗位是否适配")))
    if person.region is None and (person.home is None or v.lat is None):
        cautions.append(_reason("check_region", N_("居住地未知，请核实通勤距离")))


def match(facts, preferences, vacancies, declined=frozenset(), limit=10):
    """The best `limit` vacancies for a person, best first, each with its reasons.

    Sort key: caring jobs first for people flagged for priority help, then the higher
    score, the shorter distance (unknown last), the lower vacancy id.
    """
    prefs = preferences if isinstance(preferences, Preferences) \
        else Preferences.from_dict(preferences)
    person = _Person(facts, prefs, frozenset(declined))
    home, priority, score = person.home, person.priority, person.score
    ranked = []
    for v in vacancies:  # the hot loop: thousands of candidates per match
        if home is not None and v.lat is not None and v.lng is not None:
            distance = haversine_km(home[0], home[1], v.lat, v.lng)
        else:
            distance = None
        if _exclusion(person, v, distance) is None:
            points = score(v, distance)
            ranked.append(((0 if priority and v.caring_job else 1, -points,
                            inf if distance is None else distance, v.id), v, distance))
    best = heapq.nsmallest(limit, ranked)  # keys end with the unique id: never a tie
    results = []
    for key, v, distance in best:
        points, reasons, cautions = _assess(person, v, distance)
        results.append(Match(v, points, key[0] == 0,
                             None if distance is None else round(distance, 2), reasons, cautions))
    return results


class Bound(NamedTuple):
    """What an upper bound of a person's score needs, for a database to rank candidates
    before the engine sees them (app.jobs.retrieval): each part of the score exactly as
    `_scorer` computes it, or, where a database cannot follow Python's text rules exactly
    (required skills in uncommon scripts), at its highest."""
    priority: bool                  # caring jobs come first
    home: tuple[float, float] | None
    region: str | None
    wanted: frozenset[str]          # occupation codes worth 20
    fitting: frozenset[str]         # occupation codes fitting a trade or skill: 10
    abilities: tuple[str, ...]      # normalised skills, certificates, trades (sorted)
    hours: frozenset[str]           # hours kinds worth 10
    min_salary: int | None
    disability_kind: str | None     # 10 where the vacancy suits it
    older: bool                     # light work worth 5


def score_bound(facts, preferences):
    """The person's `Bound`: a vacancy's bound is never below its score (a test holds it)."""
    prefs = preferences if isinstance(preferences, Preferences) \
        else Preferences.from_dict(preferences)
    person = _Person(facts, prefs, frozenset())
    return Bound(person.priority, person.home, person.region, frozenset(person.wanted),
                 frozenset(code for code in OCCUPATIONS if person.trade_fit(code)),
                 tuple(sorted(person.abilities)), frozenset(person.hours),
                 person.min_salary or None,
                 person.disability_type if person.disabled else None, person.older)


def sort_key(match, home):
    """The order `match` ranks by, of one of its results (the exact distance, not the
    rounded one it reports)."""
    v = match.vacancy
    distance = haversine_km(home[0], home[1], v.lat, v.lng) \
        if home is not None and v.lat is not None and v.lng is not None else inf
    return (0 if match.caring_first else 1, -match.score, distance, v.id)


def why_not(facts, preferences, vacancy, declined=frozenset()):
    """The hard filter that keeps `vacancy` from the person, or None when it may be offered."""
    prefs = preferences if isinstance(preferences, Preferences) \
        else Preferences.from_dict(preferences)
    person = _Person(facts, prefs, frozenset(declined))
    excluded = _exclusion(person, vacancy, _distance(person, vacancy))
    return None if excluded is None else Reason(*excluded)
