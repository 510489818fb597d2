"""The person's own overview (`GET /api/v1/me/overview`): one response for a phone screen.

Built from the existing engines, with few queries: the person row (certifications and
household come along), their applications, the compiled policy catalog (cached by
app.policies), one stations lookup shared by every policy's steps, and the job matches as
/jobs/matches/me finds them. Served through app.codes.rendered, which keeps the rendered
answer in the view cache until the person's data revision (or the day) changes.
"""
from sqlalchemy import select

from app.certification.models import Application
from app.certification.services import current_step
from app.certification.workflow import OPEN, CertificationStatus
from app.accounts.models import PersonAccount
from app.core.clock import local_today
from app.core.errors import NotFound
from app.core.i18n import N_, Text
from app.extensions import db
from app.jobs.recommendations import match_person
from app.money.claims import claims_in_progress
from app.people.facts import build_facts
from app.people.models import Person, Purpose
from app.people.services import live_basis
from app.core.stations import stations_serving
from app.policies.engine import benefits_ending_within, evaluate
from app.policies.services import (FACTS_LOADS, catalog_in_force, catalog_in_force_columns,
                                   compiled_catalog, stations_by_place)
from app.policies.vocabulary import CHANNELS, PLACES
from app.tracking.mine import case_view_of

TOP_JOBS = 5
# What the person does about a policy they qualify for, by who claims it (the catalog's
# `beneficiary`): an employer's claim needs the person to tell the employer and to confirm
# their own data at the station, which the policy's steps start with.
CLAIM_STEPS = {
    "person": N_("您可以申请“{policy}”，请按办理步骤准备材料"),
    "employer": N_("招用您的单位可申请“{policy}”，请告知用人单位，并按办理步骤到服务站确认您的信息"),
}


def person_policies(person, today, state=None):
    """Every policy evaluated for the person (FACTS.md facts) against the compiled catalog
    in force (cached by app.policies), or nothing without a catalog. `state`: a row with the
    catalog_in_force_columns the caller has read already (no statement of our own then)."""
    facts = build_facts(person, today)
    try:
        catalog = catalog_in_force(today) if state is None else compiled_catalog(
            (state.catalog_id, state.catalog_checksum, state.catalog_effective_to), today)
    except NotFound:
        return {"catalog": None, "catalog_version": None, "results": [], "expiring": [],
                "facts": facts}
    return {"catalog": catalog, "catalog_version": catalog.version,
            "results": evaluate(catalog, facts),
            "expiring": benefits_ending_within(catalog, facts), "facts": facts}


def _steps(catalog_policy, near):
    return [{"number": n, "title": step.title, "materials": list(step.materials),
             "where": [{"place": place, "label": Text(PLACES[place]),
                        "stations": near.get(place, [])} for place in step.where],
             "channel": step.channel, "channel_label": Text(CHANNELS[step.channel]),
             "time_limit": step.time_limit}
            for n, step in enumerate(catalog_policy.steps, 1)]


def _jobs(person, facts, today):
    """The top matches as /matches/me finds them (wishes, declined vacancies), when the
    person looks for a job and has not withdrawn their consent."""
    if "job" not in (facts.get("wants") or []) and facts.get("wants"):
        return []
    if live_basis(person.id, Purpose.CERTIFICATION) is None:
        return []
    result = match_person(person, limit=TOP_JOBS, today=today)
    rows = result["vacancies"]
    return [{"rank": rank, "score": m.score, "caring_first": m.caring_first,
             "distance_km": m.distance_km, "reasons": m.reasons, "cautions": m.cautions,
             "vacancy": rows[m.vacancy.id]} for rank, m in enumerate(result["matches"], 1)]


def state_columns(on):
    """overview_state's columns, for a caller's own query."""
    return (Person.id.label("person_id"), Person.revision, *catalog_in_force_columns(on))


def overview_state(account, on):
    """(person id, data revision, catalog in force: id, checksum, end) for the account, in
    one query: what a cached overview is keyed by, and the catalog a build evaluates. None
    when the account has no person yet."""
    return db.session.execute(select(*state_columns(on))
                              .where(Person.person_account_id == account.id)).first()


def with_overview_state(on):
    """For access.person_reading: the sign-in check's own statement reads overview_state's
    columns too (person_id None when the account has no person yet), so a view served from
    the cache costs one statement."""
    built = {}  # (sign-in statement, day) -> the statement extended, built once per day

    def extend(query):
        key = (id(query), on())
        statement = built.get(key)
        if statement is None:
            if len(built) > 8:
                built.clear()
            statement = built[key] = (
                query.outerjoin(Person, Person.person_account_id == PersonAccount.id)
                .add_columns(*state_columns(key[1])))
        return statement
    return extend


def _application_view(application, today):
    if application is None:
        return None
    return {"id": application.id, "status": application.status,
            "submitted_at": application.submitted_at,
            "current_step": current_step(application, today)}


def build_overview(account, today=None, known=None):
    """State, next steps, policies (eligible / would be eligible if), benefits with their
    clocks, service steps (own station first) and top jobs, for the account's own person.
    `known`: overview_state's row when the caller has read it."""
    today = today or local_today()
    person = db.session.execute(select(Person).options(*FACTS_LOADS)
                                .where(Person.person_account_id == account.id)
                                ).unique().scalar_one_or_none()
    if person is None:
        return {"today": today, "state": "no_profile", "application": None,
                "certification": None, "next_steps": [Text(N_("请先在小程序中填写个人信息"))],
                "catalog_version": None, "eligible": [], "would_be_eligible_if": [],
                "benefits": [], "jobs": [], "case": None, "claims": []}
    applications = db.session.scalars(select(Application).where(
        Application.person_id == person.id).order_by(Application.id.desc()).limit(5)).all()
    open_app = next((a for a in applications if a.status in OPEN), None)
    certifications = person.certifications
    live = next((c for c in certifications if c.status == CertificationStatus.ACTIVE), None)
    if live is not None:
        state = "certified"
    elif open_app is not None:
        state = "applying"
    elif certifications:
        state = "exited"
    else:
        state = "not_applied"

    evaluated = person_policies(person, today, known)
    catalog = evaluated["catalog"]
    near = (stations_by_place(stations_serving(person.residence_region_code)) if catalog
            else {})
    eligible, would_be = [], []
    for result in evaluated["results"]:
        if result["status"] == "eligible":
            eligible.append({**result, "steps": _steps(catalog.by_code[result["policy"]], near)})
        elif result["status"] == "would_be_eligible_if":
            would_be.append(result)
    benefits = [clock for result in evaluated["results"] for clock in result["clocks"]
                if clock["active"]]

    next_steps = []
    if state == "applying":
        step = current_step(open_app, today)
        if step:
            next_steps.append(Text(N_("您的认定申请正在由{holder}办理，办理期限{deadline}，可拨打{phone}咨询"),
                                   holder=step["holder"], deadline=step["deadline"] or "-",
                                   phone=step["phone"] or "-"))
    elif state in ("not_applied", "exited"):
        next_steps.append(Text(N_("如有就业困难，可在小程序或到服务站申请就业困难人员认定")))
    for result in eligible:
        if not result["enjoying"]:
            next_steps.append(Text(CLAIM_STEPS[result["beneficiary"]], policy=result["name"]))
    for clock in evaluated["expiring"]:
        next_steps.append(Text(N_("您享受的政策将于{end}到期，请及时到服务站咨询后续帮扶"),
                               end=clock["end"]))
    if would_be:
        next_steps.append(Text(N_("补充个人信息后，可能还有{count}项政策可以享受"), count=len(would_be)))

    return {"today": today, "state": state,
            "application": _application_view(open_app or (applications[0] if applications
                                                          else None), today),
            "certification": live or (certifications[-1] if certifications else None),
            "next_steps": next_steps, "catalog_version": evaluated["catalog_version"],
            "eligible": eligible, "would_be_eligible_if": would_be,
            "benefits": benefits, "jobs": _jobs(person, evaluated["facts"], today),
            "case": case_view_of(person.id),
            "claims": claims_in_progress(person.id)}
