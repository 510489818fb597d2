"""Employers and vacancies, kept by station staff on the employers' behalf.

Every operation works inside the caller's region subtree: records outside it answer 404
as if they did not exist; a region outside it in the input is refused with 422 (the region
tree is public, so saying so reveals nothing).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, or_, select, update

from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.conflicts import register_conflict
from app.core.errors import Conflict, ValidationFailed
from app.core.models import Region, RegionClosure, get_in_scope, subtree_codes
from app.core.regions import get_region, requested_region
from app.extensions import db

from .creditcode import InvalidCreditCode, normalize_credit_code, validate_credit_code
from .matching import Preferences
from .models import Employer, Vacancy
from .retrieval import best_matches
from .rules import VacancyStatus, vacancy_problems

# Two registrations of one credit code at once: the loser gets the check's answer.
register_conflict("uq_employers_credit_code", "jobs.employer_duplicate",
                  _l("该统一社会信用代码的用人单位已登记"), sqlite_hint="employers.credit_code")

PROBLEM_MESSAGES = {
    "jobs.occupation_unknown": _l("职业不在职业目录中"),
    "jobs.salary_range_invalid": _l("最低月薪不能高于最高月薪"),
    "jobs.dates_invalid": _l("截止日期不能早于开始日期"),
    "jobs.age_limits_invalid": _l("年龄要求不合理：须在16岁至法定退休年龄之间，且下限不高于上限"),
    "jobs.coordinates_incomplete": _l("经纬度须同时填写"),
    "jobs.headcount_below_filled": _l("招聘人数不能少于已录用人数"),
}
VACANCY_FIELDS = ("title", "occupation_code", "description", "region_code", "address", "lat",
                  "lng", "salary_min", "salary_max", "hours_kind", "hours_per_week", "headcount",
                  "min_age", "max_age", "education_min", "required_skills", "physical_demand",
                  "suitable_for", "caring_job", "public_welfare_post", "opens_on", "closes_on")
EMPLOYER_FIELDS = ("name", "kind", "address", "contact_name", "contact_phone")
# "Does the region exist" and "is it in the caller's subtree" in one round trip: matching
# runs this on every call.
_REGION_IN_SCOPE = (
    select(Region, RegionClosure.depth)
    .outerjoin(RegionClosure, (RegionClosure.descendant_code == Region.code)
               & (RegionClosure.ancestor_code == bindparam("ancestor")))
    .where(Region.code == bindparam("code")))


def _check_region(caller, region_code):
    """A region for a record: known, at banner/county level or below, inside the caller's scope."""
    found = db.session.execute(_REGION_IN_SCOPE, {"code": region_code,
                                                  "ancestor": caller.region_code}).first()
    if found is None:
        raise ValidationFailed("jobs.region_unknown", _l("行政区划不存在"),
                               {"region_code": region_code})
    region, depth = found
    if depth is None:
        raise ValidationFailed("jobs.region_out_of_scope", _l("该行政区划不在您的辖区内"),
                               {"region_code": region_code})
    if region.level < 3:
        raise ValidationFailed("jobs.region_too_coarse", _l("请选择旗县（市、区）或以下的行政区划"),
                               {"region_code": region_code})
    return region


def _check_vacancy(values):
    problems = vacancy_problems(values)
    if problems:
        raise ValidationFailed(problems[0], PROBLEM_MESSAGES[problems[0]], {"problems": problems})


# --- employers -------------------------------------------------------------------------

def create_employer(caller, name, credit_code, kind, region_code, address,
                    contact_name=None, contact_phone=None):
    """Register an employer (small firm, sole proprietor, ...) in the caller's subtree."""
    credit_code = normalize_credit_code(credit_code)
    try:
        validate_credit_code(credit_code)
    except InvalidCreditCode as exc:
        raise ValidationFailed("jobs.credit_code_invalid", _l("统一社会信用代码不正确"),
                               {"reason": exc.reason})
    _check_region(caller, region_code)
    if db.session.scalar(select(Employer.id).where(Employer.credit_code == credit_code)):
        raise Conflict("jobs.employer_duplicate", _l("该统一社会信用代码的用人单位已登记"))
    employer = Employer(name=name, credit_code=credit_code, kind=kind, region_code=region_code,
                        address=address, contact_name=contact_name, contact_phone=contact_phone,
                        created_by_staff_id=caller.id)
    db.session.add(employer)
    db.session.flush()
    record("jobs.employer_created", "employer", employer.id,
           details={"region_code": region_code, "kind": kind})
    return employer


def update_employer(caller, employer, **changes):
    """Change an employer's name, kind, address or contact."""
    changed = sorted(key for key in EMPLOYER_FIELDS
                     if key in changes and changes[key] != getattr(employer, key))
    for key in changed:
        setattr(employer, key, changes[key])
    if changed:
        db.session.flush()
        record("jobs.employer_updated", "employer", employer.id, details={"changed": changed})
    return employer


def reveal_employer_contact(caller, employer):
    """The unmasked contact, for calling the employer; every reveal is audited."""
    record("jobs.employer_contact_revealed", "employer", employer.id)
    return {"id": employer.id, "contact_name": employer.contact_name,
            "contact_phone": employer.contact_phone}


def list_employers(caller, region_code=None, name=None, page=1, per_page=50):
    """Employers in a region of the caller's subtree (default: the whole subtree)."""
    region_code = requested_region(caller, region_code)
    query = select(Employer).where(Employer.region_code.in_(subtree_codes(region_code)))
    if name:
        query = query.where(Employer.name.contains(name, autoescape=True))
    return _page(query.order_by(Employer.id), page, per_page)


def _page(query, page, per_page):
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


# --- vacancies -------------------------------------------------------------------------

def create_vacancy(caller, employer_id, **fields):
    """Post a vacancy for an employer of the caller's subtree; it is open at once."""
    employer = get_in_scope(Employer, caller, employer_id)
    values = {key: fields.get(key) for key in VACANCY_FIELDS}
    values["required_skills"] = list(values["required_skills"] or [])
    values["suitable_for"] = sorted(set(values["suitable_for"] or []))
    values["caring_job"] = bool(values["caring_job"])
    values["public_welfare_post"] = bool(values["public_welfare_post"])
    _check_region(caller, values["region_code"])
    _check_vacancy(values)
    vacancy = Vacancy(employer=employer, county_code=values["region_code"][:6], filled_count=0,
                      status=VacancyStatus.OPEN, created_by_staff_id=caller.id, **values)
    db.session.add(vacancy)
    db.session.flush()
    record("jobs.vacancy_posted", "vacancy", vacancy.id,
           details={"employer_id": employer.id, "region_code": vacancy.region_code,
                    "caring_job": vacancy.caring_job,
                    "public_welfare_post": vacancy.public_welfare_post})
    return vacancy


def update_vacancy(caller, vacancy, **changes):
    """Edit a vacancy's details. The status is not editable: close, reopen and fill do that.

    Raising the headcount of a filled vacancy opens it again; lowering it to the number
    already hired marks it filled.
    """
    values = {key: getattr(vacancy, key) for key in VACANCY_FIELDS}
    values.update({key: value for key, value in changes.items() if key in VACANCY_FIELDS})
    if "suitable_for" in changes:
        values["suitable_for"] = sorted(set(values["suitable_for"] or []))
    if values["region_code"] != vacancy.region_code:
        _check_region(caller, values["region_code"])
    _check_vacancy({**values, "filled_count": vacancy.filled_count})
    changed = sorted(key for key in VACANCY_FIELDS if values[key] != getattr(vacancy, key))
    for key in changed:
        setattr(vacancy, key, values[key])
    vacancy.county_code = vacancy.region_code[:6]
    if vacancy.status == VacancyStatus.FILLED and vacancy.filled_count < vacancy.headcount:
        vacancy.status = VacancyStatus.OPEN
    elif vacancy.status == VacancyStatus.OPEN and vacancy.filled_count >= vacancy.headcount:
        vacancy.status = VacancyStatus.FILLED
    if changed:
        db.session.flush()
        record("jobs.vacancy_updated", "vacancy", vacancy.id,
               details={"changed": changed, "status": vacancy.status})
    return vacancy


def _transition(vacancy, where, values, refusal):
    """One conditional UPDATE, so two clerks acting at once cannot both succeed."""
    done = db.session.execute(
        update(Vacancy).where(Vacancy.id == vacancy.id, *where).values(**values)
        .returning(Vacancy.id)).scalar()
    if done is None:
        raise refusal
    db.session.refresh(vacancy)
    return vacancy


def close_vacancy(caller, vacancy):
    """Stop recruiting: the vacancy leaves every match at once."""
    _transition(vacancy, [Vacancy.status == VacancyStatus.OPEN],
                {"status": VacancyStatus.CLOSED, "closed_at": utcnow(), "updated_at": utcnow()},
                Conflict("jobs.invalid_transition", _l("只能关闭正在招聘的岗位"),
                         {"status": vacancy.status}))
    record("jobs.vacancy_closed", "vacancy", vacancy.id)
    return vacancy


def reopen_vacancy(caller, vacancy, today=None):
    """Recruit again on a closed vacancy that still has places and has not expired."""
    today = today or local_today()
    _transition(vacancy, [Vacancy.status == VacancyStatus.CLOSED,
                          Vacancy.filled_count < Vacancy.headcount,
                          or_(Vacancy.closes_on.is_(None), Vacancy.closes_on >= today)],
                {"status": VacancyStatus.OPEN, "closed_at": None, "updated_at": utcnow()},
                Conflict("jobs.invalid_transition", _l("只能重新开放未招满且未过期的已关闭岗位"),
                         {"status": vacancy.status}))
    record("jobs.vacancy_reopened", "vacancy", vacancy.id)
    return vacancy


def record_hires(caller, vacancy, count):
    """Count people hired on an open vacancy; reaching the headcount marks it filled."""
    new_total = Vacancy.filled_count + count
    _transition(vacancy, [Vacancy.status == VacancyStatus.OPEN, new_total <= Vacancy.headcount],
                {"filled_count": new_total, "updated_at": utcnow(),
                 "status": case((new_total >= Vacancy.headcount, VacancyStatus.FILLED.value),
                                else_=Vacancy.status)},
                Conflict("jobs.overfilled" if vacancy.status == VacancyStatus.OPEN
                         else "jobs.invalid_transition",
                         _l("录用人数超过招聘人数，或岗位已不在招聘"),
                         {"status": vacancy.status, "headcount": vacancy.headcount,
                          "filled_count": vacancy.filled_count}))
    record("jobs.hires_recorded", "vacancy", vacancy.id,
           details={"count": count, "filled_count": vacancy.filled_count,
                    "status": vacancy.status})
    return vacancy


def list_vacancies(caller, region_code=None, status=None, occupation_code=None,
                   caring_job=None, public_welfare_post=None, employer_id=None,
                   page=1, per_page=50):
    """Vacancies in a region of the caller's subtree, newest first, with filters."""
    region_code = requested_region(caller, region_code)
    query = select(Vacancy).where(Vacancy.region_code.in_(subtree_codes(region_code)))
    for column, value in ((Vacancy.status, status), (Vacancy.occupation_code, occupation_code),
                          (Vacancy.caring_job, caring_job),
                          (Vacancy.public_welfare_post, public_welfare_post),
                          (Vacancy.employer_id, employer_id)):
        if value is not None:
            query = query.where(column == value)
    return _page(query.order_by(Vacancy.id.desc()), page, per_page)


def fill_rates(caller, region_code=None):
    """Headcount, hires and fill rate for a region of the caller's subtree and each child."""
    region_code = requested_region(caller, region_code)
    region = get_region(region_code)
    children = db.session.execute(select(Region.code, Region.name)
                                  .where(Region.parent_code == region_code)
                                  .order_by(Region.code)).all()
    wanted = [region_code] + [code for code, _ in children]
    rows = db.session.execute(
        select(RegionClosure.ancestor_code, func.count(Vacancy.id),
               func.sum(case((Vacancy.status == VacancyStatus.OPEN.value, 1), else_=0)),
               func.sum(Vacancy.headcount), func.sum(Vacancy.filled_count))
        .join(Vacancy, Vacancy.region_code == RegionClosure.descendant_code)
        .where(RegionClosure.ancestor_code.in_(wanted))
        .group_by(RegionClosure.ancestor_code)).all()
    totals = {code: (count, open_count or 0, headcount or 0, filled or 0)
              for code, count, open_count, headcount, filled in rows}

    def line(code, name):
        count, open_count, headcount, filled = totals.get(code, (0, 0, 0, 0))
        return {"region_code": code, "name": name, "vacancies": count,
                "open_vacancies": open_count, "headcount": headcount, "filled": filled,
                "fill_rate": round(filled / headcount, 4) if headcount else None}

    return {**line(region.code, region.name),
            "children": [line(code, name) for code, name in children]}


# --- matching --------------------------------------------------------------------------

def match_vacancies(caller, region_code, facts, preferences, declined=(), limit=10, today=None):
    """Top vacancies for a person described by facts and wishes (staff trying the engine).

    Returns {"today", "considered": candidates scored, "matches": [Match],
    "vacancies": {id: Vacancy row of each match}}.
    """
    region = _check_region(caller, region_code)
    today = today or local_today()
    facts = {**facts, "today": today, "residence_region": region.code,
             "in_inner_mongolia": region.code.startswith("15")}
    prefs = Preferences.from_dict(preferences)
    home = (prefs.home_lat, prefs.home_lng) if prefs.home_lat is not None else None
    matches, considered = best_matches(region.code, today, facts, prefs, limit=limit,
                                       home=home, max_travel_km=prefs.max_travel_km,
                                       reach=prefs.region_reach, declined=frozenset(declined))
    ids = [m.vacancy.id for m in matches]
    rows = {v.id: v for v in db.session.scalars(select(Vacancy).where(Vacancy.id.in_(ids)))}
    return {"today": today, "considered": considered, "matches": matches, "vacancies": rows}
