"""Per-person matching, recommendations and recruitment events (issue 6).

Matching a registered person reads their facts (app.people.facts.build_facts), their job
preferences and the vacancies they declined, then runs one candidate query and the pure
engine. Recommendations follow app.jobs.lifecycle; every transition is one conditional
UPDATE (two clicks at once: one wins, the other gets 409) and is audited. Push messages are
queued in the transaction of the change, so a message exists exactly when it commits.

Scope: staff act only on persons living in their subtree and vacancies lying in it; anything
else answers 404 as if it did not exist.
"""
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.core.hooks import emit
from app.certification.models import Certification
from app.certification.workflow import CertificationStatus
from app.core.clock import local_today, utcnow
from app.core.concurrency import lock
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.i18n import N_, Text, render_value
from app.core.models import Region, RegionClosure, get_in_scope, is_within, subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people import services as people
from app.people.facts import build_facts
from app.people.models import LegalBasis, Person, Purpose
from app.policies.services import FACTS_LOADS
from app.wechat.models import PushMessage
from app.wechat.services import enqueue_message

from .lifecycle import (ACTIONS, DECLINE_REASONS, FLAG_AFTER_DECLINES, PERSONAL_REASONS,
                        RecStatus, counts_towards_flag)
from .matching import Preferences, Vacancy as Candidate, match, why_not
from .models import JobPreference, Recommendation, RecruitmentEvent, Vacancy
from .retrieval import best_matches
from .rules import VacancyStatus
from .services import record_hires

# Hard filters staff may override when they recommend: reach is the person's own wish.
OVERRIDABLE = frozenset({"out_of_reach", "too_far"})
STAMPS = {"view": "viewed_at", "apply": "applied_at", "interview": "interviewed_at",
          "hire": "decided_at", "decline": "decided_at"}
INACTIVE_STATUSES = ("employed", "self_employed", "retired", "student")


def candidate_of(vacancy):
    """The engine's view of a Vacancy row."""
    values = {name: getattr(vacancy, name) for name in Candidate._fields}
    values["required_skills"] = tuple(vacancy.required_skills or ())
    values["suitable_for"] = frozenset(vacancy.suitable_for or ())
    return Candidate(**values)


# --- preferences -----------------------------------------------------------------------

def preferences_of(person_id):
    """The person's job wishes as a dict (defaults when none were given)."""
    return _preferences_dict(db.session.get(JobPreference, person_id))


def _preferences_dict(row):
    if row is None:
        return {"occupations": [], "hours": [], "min_salary": None, "max_travel_km": None,
                "region_reach": "county", "home": None}
    return row.as_dict()


def view_preferences(caller, person_id):
    """A staff read of a person's job wishes (the home included): audited."""
    person = get_in_scope(Person, caller, person_id)
    record("jobs.preferences_viewed", "person", person.id)
    return preferences_of(person.id)


def set_preferences(caller, person, **values):
    """Replace a person's job wishes (occupations, hours, minimum salary, travel, home)."""
    lock(person)  # concurrent replacements run in turn instead of both inserting the row
    row = db.session.get(JobPreference, person.id)
    if row is None:
        row = JobPreference(person_id=person.id)
        db.session.add(row)
    row.occupations = list(values.get("occupations") or [])
    row.hours = list(values.get("hours") or [])
    row.min_salary = values.get("min_salary")
    row.max_travel_km = values.get("max_travel_km")
    row.region_reach = values.get("region_reach") or "county"
    row.home = values.get("home")
    row.updated_at = utcnow()
    db.session.flush()
    record("jobs.preferences_set", "person", person.id,
           details={"by": people.who(caller), "home_given": row.home is not None})
    return row.as_dict()


# --- matching --------------------------------------------------------------------------

def match_person(person, limit=10, today=None, preferences=None):
    """Top vacancies for a registered person: {"today", "considered", "matches", "vacancies"}.

    One candidate query (the person's county or league, or the travel box, without the
    vacancies they declined, ranked by a bound of the score: app.jobs.retrieval), seldom
    two, plus the engine. `preferences`: the person's wishes when the caller read them
    already (matching_subject), else they are read here.
    """
    today = today or local_today()
    facts = build_facts(person, today)
    prefs = Preferences.from_dict(preferences if preferences is not None
                                  else preferences_of(person.id))
    home = (prefs.home_lat, prefs.home_lng) if prefs.home_lat is not None else None
    matches, considered = best_matches(person.residence_region_code, today, facts, prefs,
                                       limit=limit, home=home,
                                       max_travel_km=prefs.max_travel_km,
                                       reach=prefs.region_reach, person_id=person.id)
    ids = [m.vacancy.id for m in matches]
    rows = {v.id: v for v in db.session.scalars(select(Vacancy).where(Vacancy.id.in_(ids)))}
    return {"today": today, "considered": considered, "matches": matches, "vacancies": rows}


def registered_person(account, for_matching=False):
    """The person of the caller's account, fit for matching: 404 when they have not
    registered, 409 when they withdrew their consent (we may not use their data).
    `for_matching`: a read-only match follows, so what build_facts reads of the person
    comes joined in the same statement (not for a person a caller then locks: FOR UPDATE
    may not touch the nullable side of those outer joins)."""
    query = select(Person).where(Person.person_account_id == account.id)
    if for_matching:
        query = query.options(*FACTS_LOADS)
    person = db.session.execute(query).unique().scalar_one_or_none()
    if person is None:
        raise NotFound("jobs.profile_missing", _l("您还未登记个人信息，请先在“我的信息”中登记"))
    if people.live_basis(person.id, Purpose.CERTIFICATION) is None:
        raise Conflict("jobs.consent_missing",
                       _l("您已撤回个人信息使用授权，无法为您匹配岗位；如需服务请重新授权"))
    return person


def matching_subject(account):
    """(person, their job wishes as a dict) of the caller's account for its own match list,
    in one statement: the person with what build_facts reads, their wishes and whether a
    consent is live. 404 and 409 as registered_person."""
    consent = exists().where(LegalBasis.person_id == Person.id,
                             LegalBasis.purpose == Purpose.CERTIFICATION,
                             LegalBasis.withdrawn_at.is_(None))
    row = db.session.execute(
        select(Person, JobPreference, consent.label("consent"))
        .outerjoin(JobPreference, JobPreference.person_id == Person.id)
        .where(Person.person_account_id == account.id)
        .options(*FACTS_LOADS)).unique().one_or_none()
    if row is None:
        raise NotFound("jobs.profile_missing", _l("您还未登记个人信息，请先在“我的信息”中登记"))
    if not row.consent:
        raise Conflict("jobs.consent_missing",
                       _l("您已撤回个人信息使用授权，无法为您匹配岗位；如需服务请重新授权"))
    return row.Person, _preferences_dict(row.JobPreference)


def match_for_staff(caller, person_id, limit=10, today=None):
    """Matches of a person in the caller's subtree; the read is audited."""
    person = get_in_scope(Person, caller, person_id)
    result = match_person(person, limit=limit, today=today)
    record("jobs.person_matched", "person", person.id,
           details={"matches": len(result["matches"]), "considered": result["considered"]})
    return result


# --- recommendations -------------------------------------------------------------------

def _salary_text(vacancy):
    if vacancy.salary_min == vacancy.salary_max:
        return Text(N_("月薪{low}元"), low=vacancy.salary_min)
    return Text(N_("月薪{low}-{high}元"), low=vacancy.salary_min, high=vacancy.salary_max)


def _notify_recommendation(person, rec, vacancy, note):
    if person.person_account_id is None:
        return None  # no WeChat account: the station tells them
    values = {"job": vacancy.title, "employer": vacancy.employer.name,
              "salary": render_value(_salary_text(vacancy), gettext),
              "location": vacancy.address}
    if note:
        values["note"] = note
    return enqueue_message("job_recommendation", person.person_account_id, values,
                           dedupe_key=f"jobrec:{rec.id}", page_query={"id": str(rec.id)})


def create_recommendation(person, vacancy, by, today=None):
    """Recommend an open vacancy to a person (no scope check: callers did it).

    409 jobs.vacancy_not_open for a closed, filled or expired vacancy, 409
    jobs.already_recommended for a second recommendation of the same vacancy, 422
    jobs.vacancy_unsuitable when a hard filter other than reach excludes it.
    """
    today = today or local_today()
    if vacancy.status != VacancyStatus.OPEN or vacancy.filled_count >= vacancy.headcount \
            or vacancy.opens_on > today or (vacancy.closes_on and vacancy.closes_on < today):
        raise Conflict("jobs.vacancy_not_open", _l("岗位已关闭、已招满或不在招聘期内，不能推荐"),
                       {"status": vacancy.status})
    facts = build_facts(person, today)
    prefs = Preferences.from_dict(preferences_of(person.id))
    candidate = candidate_of(vacancy)
    excluded = why_not(facts, prefs, candidate)
    if excluded is not None and excluded.code not in OVERRIDABLE:
        raise ValidationFailed("jobs.vacancy_unsuitable", _l("该岗位不适合此人员：{reason}").format(
            reason=excluded.render(gettext)), {"reason": excluded.code})
    found = match(facts, prefs, [candidate], limit=1) if excluded is None else []
    rec = Recommendation(person_id=person.id, vacancy_id=vacancy.id,
                         region_code=person.residence_region_code,
                         status=RecStatus.RECOMMENDED.value, suitable=excluded is None,
                         score=found[0].score if found else None, recommended_by=by)
    try:
        with db.session.begin_nested():
            db.session.add(rec)
            db.session.flush()
    except IntegrityError:
        raise Conflict("jobs.already_recommended", _l("已向该人员推荐过此岗位")) from None
    note = found[0].reasons[0].render(gettext) if found and found[0].reasons else None
    _notify_recommendation(person, rec, vacancy, note)
    record("jobs.recommended", "recommendation", rec.id,
           details={"person_id": person.id, "vacancy_id": vacancy.id, "by": by,
                    "suitable": rec.suitable})
    return rec


def recommend_vacancy(caller, person_id, vacancy_id, today=None):
    """Staff recommend a vacancy of their subtree to a person of their subtree."""
    person = get_in_scope(Person, caller, person_id)
    vacancy = get_in_scope(Vacancy, caller, vacancy_id)
    return create_recommendation(person, vacancy, people.who(caller), today)


def _advance(rec, action, reason=None):
    """Move a recommendation by one lifecycle action with a conditional UPDATE."""
    sources, target, _ = ACTIONS[action]
    previous = rec.status
    now = utcnow()
    changes = {"status": target.value, "updated_at": now, STAMPS[action]: now}
    if action == "decline":
        changes["decline_reason"] = reason
    done = db.session.execute(
        update(Recommendation)
        .where(Recommendation.id == rec.id,
               Recommendation.status.in_([s.value for s in sources]))
        .values(**changes).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.refresh(rec)
        raise Conflict("jobs.recommendation_invalid_transition",
                       _l("推荐记录当前状态不允许此操作"),
                       {"status": rec.status, "action": action})
    db.session.refresh(rec)
    details = {"from": previous, "to": target.value}
    if reason:
        details["reason"] = reason
    record(f"jobs.recommendation_{target.value}", "recommendation", rec.id, details=details)
    return rec


def own_recommendation(account, rec_id):
    """A recommendation made to the caller's own person; 404 otherwise."""
    person = registered_person(account)
    rec = db.session.get(Recommendation, rec_id)
    if rec is None or rec.person_id != person.id:
        raise NotFound("jobs.recommendation_not_found", _l("推荐记录不存在"))
    return rec


def list_own_recommendations(account):
    person = registered_person(account)
    return db.session.scalars(select(Recommendation).where(
        Recommendation.person_id == person.id).order_by(Recommendation.id.desc())).all()


def view_recommendation(account, rec_id):
    """The person opens a recommendation: the first look marks it viewed."""
    rec = own_recommendation(account, rec_id)
    if rec.status == RecStatus.RECOMMENDED:
        try:
            _advance(rec, "view")
        except Conflict:
            pass  # another tab marked it first: it is viewed either way
    return rec


def apply_recommendation(account, rec_id):
    """The person applies for the recommended vacancy."""
    return _advance(own_recommendation(account, rec_id), "apply")


def decline_recommendation(caller, rec, reason):
    """Decline (the person, or staff for them) with a reason; the third decline of a
    suitable offer for a personal reason flags the person for staff follow-up."""
    if reason not in DECLINE_REASONS:
        raise ValidationFailed("jobs.decline_reason_unknown", _l("婉拒原因不正确"),
                               {"allowed": list(DECLINE_REASONS)})
    _advance(rec, "decline", reason)
    if counts_towards_flag(rec.suitable, reason):
        count = _flag_count(rec.person_id)
        if count == FLAG_AFTER_DECLINES:
            record("jobs.person_flagged", "person", rec.person_id,
                   details={"declines": count})
    return rec


def person_decline(account, rec_id, reason):
    return decline_recommendation(account, own_recommendation(account, rec_id), reason)


def record_interview(caller, rec_id):
    """Staff record that the person was interviewed."""
    return _advance(get_in_scope(Recommendation, caller, rec_id), "interview")


def record_hire(caller, rec_id):
    """Staff record the hire: the vacancy counts one more hire (filled at its headcount),
    and the person's employment status becomes employed."""
    rec = get_in_scope(Recommendation, caller, rec_id)
    vacancy = get_in_scope(Vacancy, caller, rec.vacancy_id)
    _advance(rec, "hire")
    record_hires(caller, vacancy, 1)
    person = db.session.get(Person, rec.person_id)
    previous = person.employment_status
    person.employment_status = "employed"
    person.ever_employed = True
    if vacancy.public_welfare_post:
        person.public_welfare_placements = (person.public_welfare_placements or 0) + 1
    db.session.flush()
    record("person.employment_changed", "person", person.id,
           details={"from": previous, "to": "employed", "recommendation_id": rec.id})
    # Higher areas act on it in this transaction (app.tracking schedules the follow-ups).
    emit("jobs.hired", recommendation=rec, vacancy=vacancy, person=person)
    return rec


def list_recommendations(caller, region_code=None, status=None, person_id=None,
                         page=1, per_page=20):
    """Recommendations to persons of a region in the caller's subtree, newest first."""
    region_code = requested_region(caller, region_code)
    query = select(Recommendation).where(
        Recommendation.region_code.in_(subtree_codes(region_code)))
    if status is not None:
        query = query.where(Recommendation.status == status)
    if person_id is not None:
        query = query.where(Recommendation.person_id == person_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Recommendation.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def outcome_counts(caller, region_code=None):
    """Recommendations by outcome for a region of the caller's subtree and each child."""
    region_code = requested_region(caller, region_code)
    region = db.session.get(Region, region_code)
    children = db.session.execute(select(Region.code, Region.name)
                                  .where(Region.parent_code == region_code)
                                  .order_by(Region.code)).all()
    wanted = [region_code] + [code for code, _ in children]
    rows = db.session.execute(
        select(RegionClosure.ancestor_code, Recommendation.status, func.count())
        .join(Recommendation, Recommendation.region_code == RegionClosure.descendant_code)
        .where(RegionClosure.ancestor_code.in_(wanted))
        .group_by(RegionClosure.ancestor_code, Recommendation.status)).all()
    counts = {}
    for code, status, count in rows:
        counts.setdefault(code, {})[status] = count

    def line(code, name):
        by_status = {status.value: counts.get(code, {}).get(status.value, 0)
                     for status in RecStatus}
        total = sum(by_status.values())
        return {"region_code": code, "name": name, "total": total, "by_status": by_status,
                "hire_rate": round(by_status["hired"] / total, 4) if total else None}

    return {**line(region.code, region.name),
            "children": [line(code, name) for code, name in children]}


def _flag_count(person_id):
    return db.session.scalar(select(func.count()).where(
        Recommendation.person_id == person_id,
        Recommendation.status == RecStatus.DECLINED.value,
        Recommendation.suitable.is_(True),
        Recommendation.decline_reason.in_(PERSONAL_REASONS)))


def flagged_people(caller, region_code=None):
    """Persons of the subtree who declined at least three suitable offers for personal
    reasons (RULES.md Tracking): staff follow up with them."""
    region_code = requested_region(caller, region_code)
    rows = db.session.execute(
        select(Recommendation.person_id, Recommendation.region_code, func.count(),
               func.max(Recommendation.decided_at))
        .where(Recommendation.region_code.in_(subtree_codes(region_code)),
               Recommendation.status == RecStatus.DECLINED.value,
               Recommendation.suitable.is_(True),
               Recommendation.decline_reason.in_(PERSONAL_REASONS))
        .group_by(Recommendation.person_id, Recommendation.region_code)
        .having(func.count() >= FLAG_AFTER_DECLINES)
        .order_by(Recommendation.person_id)).all()
    names = {p.id: p.name for p in db.session.scalars(
        select(Person).where(Person.id.in_([r[0] for r in rows])))}
    return [{"person_id": pid, "name": names.get(pid), "region_code": region,
             "declines": count, "last_declined_at": last}
            for pid, region, count, last in rows]


# --- recruitment events ----------------------------------------------------------------

def create_event(caller, title, starts_at, place, organizer, region_code,
                 target_categories=(), vacancy_ids=()):
    """A recruitment event (专场招聘) in a region of the caller's subtree, with open
    vacancies of the subtree."""
    if not is_within(region_code, caller.region_code) or \
            db.session.get(Region, region_code) is None:
        raise ValidationFailed("jobs.region_out_of_scope", _l("该行政区划不在您的辖区内"),
                               {"region_code": region_code})
    vacancies = []
    for vacancy_id in dict.fromkeys(vacancy_ids):
        vacancy = get_in_scope(Vacancy, caller, vacancy_id)
        if vacancy.status != VacancyStatus.OPEN:
            raise Conflict("jobs.vacancy_not_open", _l("岗位已关闭、已招满或不在招聘期内，不能推荐"),
                           {"vacancy_id": vacancy.id, "status": vacancy.status})
        vacancies.append(vacancy)
    event = RecruitmentEvent(title=title, starts_at=starts_at, place=place,
                             organizer=organizer, region_code=region_code,
                             target_categories=sorted(set(target_categories)),
                             vacancies=vacancies, invited_count=0,
                             created_by_staff_id=caller.id)
    db.session.add(event)
    db.session.flush()
    record("jobs.event_created", "recruitment_event", event.id,
           details={"region_code": region_code, "vacancies": len(vacancies),
                    "target_categories": event.target_categories})
    return event


def list_events(caller):
    return db.session.scalars(select(RecruitmentEvent).where(
        RecruitmentEvent.region_code.in_(subtree_codes(caller.region_code)))
        .order_by(RecruitmentEvent.starts_at.desc())).all()


def event_audience(event, today=None):
    """(person id, account id) of persons in the event's region subtree with a WeChat
    account, looking for work, in one of its target groups (any certified person when it
    names none)."""
    today = today or local_today()
    rows = db.session.execute(
        select(Person.id, Person.person_account_id, Certification.categories)
        .join(Certification, (Certification.person_id == Person.id)
              & (Certification.status == CertificationStatus.ACTIVE)
              & (Certification.starts_on <= today))
        .where(Person.residence_region_code.in_(subtree_codes(event.region_code)),
               Person.person_account_id.is_not(None),
               Person.employment_status.is_(None)
               | Person.employment_status.not_in(INACTIVE_STATUSES))
        .order_by(Person.id)).all()
    wanted = set(event.target_categories or ())
    return [(pid, account) for pid, account, categories in rows
            if not wanted or wanted & set(categories or ())]


def send_invitations(caller, event, today=None):
    """Queue one invitation per person of the audience (dedupe key per event and person:
    sending again only reaches people added since). Returns {"audience", "queued"}."""
    lock(event)  # concurrent sends run in turn: each sees what the previous one queued
    audience = event_audience(event, today)
    prefix = f"jobevent:{event.id}:"
    already = set(db.session.scalars(select(PushMessage.dedupe_key).where(
        PushMessage.dedupe_key.startswith(prefix, autoescape=True))))
    values = {"event": event.title, "starts_at": event.starts_at, "location": event.place,
              "organizer": event.organizer}
    queued = 0
    for person_id, account_id in audience:
        key = f"{prefix}{person_id}"
        if key in already:
            continue
        enqueue_message("event_invitation", account_id, values, dedupe_key=key,
                        page_query={"id": str(event.id)})
        queued += 1
    if queued:
        db.session.execute(update(RecruitmentEvent).where(RecruitmentEvent.id == event.id)
                           .values(invited_count=RecruitmentEvent.invited_count + queued))
        db.session.refresh(event)
    record("jobs.event_invitations_sent", "recruitment_event", event.id,
           details={"audience": len(audience), "queued": queued})
    return {"audience": len(audience), "queued": queued, "event": event}
