"""Hires and follow-ups (全程跟踪), exits proposed by data (有进有出), zero-employment
households (动态清零).

A hire (recorded by staff, or a recommendation marked hired in app.jobs) schedules the
adaptation and stability follow-ups; the daily job opens them when due. A follow-up that
finds the job ended reopens job help; one that finds the person still employed at the
stability check proposes the certification's exit to the county, who decides.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.certification.certs import exit_certification
from app.certification.models import Certification
from app.certification.workflow import CertificationStatus
from app.core.clock import local_today, utcnow
from app.core.concurrency import dialect_insert, guarded_update
from app.core.errors import Conflict, ValidationFailed
from app.core.models import subtree_codes
from app.core.months import add_months
from app.core.regions import requested_region
from app.extensions import db
from app.people.facts import zero_employment
from app.people.models import Household, Person

from .cases import open_case, open_case_of
from .models import ExitProposal, FollowUp, Hire, Task, ZeroHousehold
from .settings import settings_for, workday_deadline
from .work import add_task

EMPLOYED = ("employed", "flexible", "self_employed")


# ------------------------------------------------------------------ hires

def _schedule(hire):
    settings = settings_for(hire.region_code)
    for stage, months in (("adaptation", settings.adaptation_months),
                          ("stability", settings.stability_months)):
        db.session.add(FollowUp(hire_id=hire.id, person_id=hire.person_id,
                                region_code=hire.region_code, stage=stage,
                                due_on=add_months(hire.starts_on, months), status="scheduled"))
    db.session.flush()


def _employ(person, hire):
    previous = person.employment_status
    person.employment_status, person.ever_employed = "employed", True
    db.session.flush()
    if previous != "employed":
        record("person.employment_changed", "person", person.id,
               details={"from": previous, "to": "employed", "hire_id": hire.id})
    case = open_case_of(person.id)
    if case is not None:  # job help is done: the open job-help tasks close with the hire
        db.session.execute(Task.__table__.update().where(
            Task.case_id == case.id, Task.kind == "job_help", Task.status == "open")
            .values(status="done", outcome="hired", completed_by="system",
                    completed_at=utcnow()))
    clear_household(person, "member_hired", hire.starts_on)


def record_hire(staff, person, *, employer, job_title, starts_on):
    """Staff record a job the person took; follow-ups are scheduled from its start date."""
    today = local_today()
    if starts_on > today:
        raise ValidationFailed("tracking.hire_date", _l("入职日期不能晚于今天"))
    if db.session.scalar(select(Hire.id).where(Hire.person_id == person.id,
                                               Hire.ended_on.is_(None)).limit(1)):
        raise Conflict("tracking.already_employed", _l("该人员已有在职记录，请先登记离职"))
    hire = Hire(person_id=person.id, region_code=person.residence_region_code,
                employer=employer, job_title=job_title, starts_on=starts_on,
                recorded_by=f"staff:{staff.id}", created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(hire)
            db.session.flush()
    except IntegrityError:  # a concurrent hire of the same person won
        raise Conflict("tracking.already_employed", _l("该人员已有在职记录，请先登记离职")) from None
    record("tracking.hire_recorded", "hire", hire.id,
           details={"person_id": person.id, "starts_on": starts_on.isoformat()})
    _schedule(hire)
    _employ(person, hire)
    return hire


def on_recommendation_hired(recommendation, vacancy, person, **_):
    """app.jobs marked a recommendation hired: the same hire, once per recommendation."""
    if db.session.scalar(select(Hire.id).where(Hire.recommendation_id == recommendation.id)):
        return
    current = db.session.scalar(select(Hire).where(Hire.person_id == person.id,
                                                   Hire.ended_on.is_(None)))
    if current is not None:  # the new job replaces the one on record
        _close_for_new_job(current)
    hire = Hire(person_id=person.id, region_code=person.residence_region_code,
                recommendation_id=recommendation.id, employer=vacancy.employer.name[:128],
                job_title=vacancy.title[:64], starts_on=local_today(),
                recorded_by=recommendation.recommended_by, created_at=utcnow())
    db.session.add(hire)
    db.session.flush()
    record("tracking.hire_recorded", "hire", hire.id,
           details={"person_id": person.id, "recommendation_id": recommendation.id})
    _schedule(hire)
    _employ(person, hire)


def _close_for_new_job(hire):
    guarded_update(hire, {"ended_on": None}, {"ended_on": local_today(), "end_reason": "new_job"})
    db.session.execute(FollowUp.__table__.update().where(
        FollowUp.hire_id == hire.id, FollowUp.status == "scheduled").values(status="void"))
    record("tracking.hire_ended", "hire", hire.id, details={"reason": "new_job"})


def end_hire(hire, ended_on, reason, actor):
    """The job ended: follow-ups still to come are void, job help reopens, and the household
    may be zero-employment again."""
    if ended_on > local_today() or ended_on < hire.starts_on:
        raise ValidationFailed("tracking.end_date", _l("离职日期应在入职日期和今天之间"))
    if not guarded_update(hire, {"ended_on": None}, {"ended_on": ended_on, "end_reason": reason}):
        raise Conflict("tracking.hire_ended", _l("该就业记录已登记离职"))
    db.session.execute(FollowUp.__table__.update().where(
        FollowUp.hire_id == hire.id, FollowUp.status == "scheduled").values(status="void"))
    person = db.session.get(Person, hire.person_id)
    previous = person.employment_status
    person.employment_status = "unemployed"
    db.session.flush()
    record("tracking.hire_ended", "hire", hire.id,
           details={"reason": reason, "ended_on": ended_on.isoformat(), "by": actor,
                    "from": previous})
    case = open_case_of(person.id)
    if case is not None:
        days = settings_for(case.region_code).response_days
        due, estimated = workday_deadline(local_today(), days)
        add_task(case, "job_help", str(_l("重新就业帮扶")), due, "system", ref_id=hire.id,
                 source_key=f"jobhelp:hire:{hire.id}", estimated=estimated)
    identify_household(person)
    return hire


# ------------------------------------------------------------------ follow-ups

def answer_follow_up(follow_up, still_employed, difficulties, actor):
    """Record a follow-up's answer (staff, or the person from the mini-program)."""
    if follow_up.status == "scheduled":
        raise Conflict("tracking.follow_up_not_due", _l("尚未到回访时间"),
                       {"due_on": follow_up.due_on.isoformat()})
    changes = {"status": "done", "still_employed": still_employed,
               "difficulties": difficulties, "answered_by": actor, "answered_at": utcnow()}
    if not guarded_update(follow_up, {"status": "due"}, changes):
        raise Conflict("tracking.follow_up_done", _l("该回访已记录"))
    db.session.execute(Task.__table__.update().where(
        Task.source_key == f"followup:{follow_up.id}", Task.status == "open")
        .values(status="done", outcome="answered", completed_by=actor, completed_at=utcnow()))
    record("tracking.follow_up_answered", "follow_up", follow_up.id,
           details={"stage": follow_up.stage, "still_employed": still_employed, "by": actor})
    hire = db.session.get(Hire, follow_up.hire_id)
    if not still_employed and hire.ended_on is None:
        end_hire(hire, local_today(), "follow_up", actor)
    elif still_employed and follow_up.stage == "stability":
        propose_exit(hire, follow_up)
    return follow_up


def follow_ups_of(person_id):
    return db.session.scalars(select(FollowUp).where(FollowUp.person_id == person_id)
                              .order_by(FollowUp.due_on, FollowUp.id)).all()


def propose_exit(hire, follow_up):
    """Employed past the stability follow-up: propose the exit (reason "employed") once per
    certification (uq on certification_id), for the county to decide."""
    certification = db.session.scalar(select(Certification).where(
        Certification.person_id == hire.person_id,
        Certification.status == CertificationStatus.ACTIVE))
    if certification is None:
        return None
    stmt = dialect_insert(db.session.get_bind(), ExitProposal.__table__).values(
        certification_id=certification.id, person_id=hire.person_id,
        region_code=certification.region_code, reason="employed",
        evidence={"hire_id": hire.id, "follow_up_id": follow_up.id,
                  "starts_on": hire.starts_on.isoformat()},
        status="pending", proposed_on=local_today(),
    ).on_conflict_do_nothing(index_elements=["certification_id"]).returning(
        ExitProposal.__table__.c.id)
    new_id = db.session.execute(stmt).scalar()
    if new_id is not None:
        record("tracking.exit_proposed", "exit_proposal", new_id,
               details={"certification_id": certification.id, "reason": "employed"})
    return new_id


def list_proposals(staff, status="pending", page=1, per_page=20):
    query = select(ExitProposal).where(
        ExitProposal.region_code.in_(subtree_codes(staff.region_code)))
    if status:
        query = query.where(ExitProposal.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return db.session.scalars(query.order_by(ExitProposal.id).limit(per_page)
                              .offset((page - 1) * per_page)).all(), total


def decide_exit(staff, proposal, accept, note=None):
    """County: accept (the certification exits, reason "employed") or reject the proposal."""
    changes = {"status": "accepted" if accept else "rejected", "decided_by_staff_id": staff.id,
               "decided_at": utcnow(), "note": note}
    if not guarded_update(proposal, {"status": "pending"}, changes):
        raise Conflict("tracking.proposal_decided", _l("该退出建议已处理"))
    if accept:
        certification = db.session.get(Certification, proposal.certification_id)
        exit_certification(staff, certification, proposal.reason, local_today(), note)
    record("tracking.exit_decided", "exit_proposal", proposal.id, details={"accepted": accept})
    return proposal


# ------------------------------------------------------------------ zero-employment households

def identify_household(person, today=None):
    """List the person's household when it is zero-employment and not listed yet: every
    member with a person record gets a case and an immediate job-help task (即时岗位援助)."""
    today = today or local_today()
    household = person.household
    if household is None or zero_employment(person, today) is not True:
        return None
    listing = ZeroHousehold(household_id=household.id, region_code=household.region_code,
                            identified_on=today, services_given=0, offers_given=0, refusals=0)
    try:
        with db.session.begin_nested():
            db.session.add(listing)
            db.session.flush()
    except IntegrityError:  # listed already (one open listing per household)
        return None
    record("tracking.household_identified", "household", household.id,
           details={"listing_id": listing.id})
    members = [m.person_id for m in household.members if m.person_id is not None]
    for member in db.session.scalars(select(Person).where(Person.id.in_(members))).all():
        case = open_case(member, "zero_household", ["zero_employment_household"])
        due, estimated = workday_deadline(today, settings_for(case.region_code).response_days)
        add_task(case, "job_help", str(_l("零就业家庭即时岗位援助")), due, "system",
                 ref_id=listing.id, source_key=f"zeh:{listing.id}:{member.id}",
                 estimated=estimated)
    return listing


def clear_household(person, way, on):
    """A member is employed: the household's open listing is cleared (动态清零)."""
    if person.household_id is None:
        return None
    listing = db.session.scalar(select(ZeroHousehold).where(
        ZeroHousehold.household_id == person.household_id, ZeroHousehold.cleared_on.is_(None)))
    if listing is None:
        return None
    cleared_on = max(on, listing.identified_on)
    if not guarded_update(listing, {"cleared_on": None},
                          {"cleared_on": cleared_on, "cleared_way": way,
                           "cleared_person_id": person.id}):
        return None
    record("tracking.household_cleared", "household", listing.household_id,
           details={"listing_id": listing.id, "way": way,
                    "days": (cleared_on - listing.identified_on).days})
    return listing


def record_household_service(staff, listing, offers, refusals=0, note=None):
    """One service given to a listed household, with the job offers it carried and how many
    of them were refused for personal reasons."""
    if listing.cleared_on is not None:
        raise Conflict("tracking.household_cleared", _l("该家庭已清零"))
    if refusals > offers:
        raise ValidationFailed("tracking.refusals_exceed_offers", _l("拒绝的岗位数不能多于提供的岗位数"))
    listing.services_given += 1
    listing.offers_given += offers
    listing.refusals += refusals
    db.session.flush()
    record("tracking.household_served", "household", listing.household_id,
           details={"listing_id": listing.id, "offers": offers, "refusals": refusals,
                    "has_note": bool(note)})
    return listing


def household_view(listing, today, settings):
    end = listing.cleared_on or today
    needed = settings.services_required
    return {"id": listing.id, "household_id": listing.household_id,
            "region_code": listing.region_code, "identified_on": listing.identified_on,
            "services_given": listing.services_given, "offers_given": listing.offers_given,
            "refusals": listing.refusals,
            "may_count_as_no_wish": listing.refusals >= settings.refusals_as_no_wish,
            "rule_met": listing.services_given >= needed and
            listing.offers_given >= needed * settings.offers_per_service,
            "days_on_list": (end - listing.identified_on).days,
            "cleared_on": listing.cleared_on, "cleared_way": listing.cleared_way}


def list_households(staff, region_code, cleared=None, page=1, per_page=20):
    """Zero-employment households of a subtree (the caller's own by default) with the
    clearing figures."""
    region_code = requested_region(staff, region_code)
    today = local_today()
    base = ZeroHousehold.region_code.in_(subtree_codes(region_code))
    query = select(ZeroHousehold).where(base)
    if cleared is not None:
        query = query.where(ZeroHousehold.cleared_on.is_not(None) if cleared
                            else ZeroHousehold.cleared_on.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(ZeroHousehold.identified_on, ZeroHousehold.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    open_count, cleared_count, avg_days = db.session.execute(select(
        func.count().filter(ZeroHousehold.cleared_on.is_(None)),
        func.count(ZeroHousehold.cleared_on),
        func.avg(_days(ZeroHousehold.cleared_on, ZeroHousehold.identified_on))).where(base)).one()
    settings = settings_for(region_code)
    return {"region_code": region_code, "open": open_count, "cleared": cleared_count,
            "average_days_to_clear": round(float(avg_days), 1) if avg_days is not None else None,
            "items": [household_view(r, today, settings) for r in rows], "total": total,
            "page": page, "per_page": per_page}


def _days(later, earlier):
    """Days between two DATE columns, on both databases."""
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier


def household_of(listing):
    return db.session.get(Household, listing.household_id)
