"""Finding a person in scope (by full ID number through the blind index, sent in a POST body
so it never lands in a URL or a log) and the person's record, masked as the API shows it."""
from flask import g, redirect, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from app.certification.models import Application
from app.certification.services import STATUS_LABELS
from app.certification.settings import current_rules
from app.certification.workflow import CLOSED, CertificationStatus
from app.core.clock import local_today
from app.core.idnumber import age_on
from app.extensions import db
from app.jobs.lifecycle import STATUS_LABELS as REC_LABELS
from app.jobs.recommendations import (list_recommendations, match_for_staff, recommend_vacancy,
                                      record_hire, record_interview)
from app.people.schemas import HouseholdOutSchema, PersonSchema, household_view
from app.people.services import find_by_id_number, view_person

from .base import bp, page
from .contacts import case_context
from .register import apply_choices
from .formkeys import once
from .session import signed_in

CERT_STATUS_LABELS = {CertificationStatus.ACTIVE: _l("认定有效"),
                      CertificationStatus.EXITED: _l("已退出认定")}
FACT_LABELS = {
    "gender": _l("性别"), "age": _l("年龄"), "residence_region_code": _l("居住地区划"),
    "employment_status": _l("就业状态"), "registered_unemployed": _l("已办理失业登记"),
    "unemployment_registered_on": _l("失业登记日期"), "social_insurance_months": _l("社保缴费月数"),
    "dibao": _l("低保"), "disability_certificate": _l("残疾人证"), "disability_level": _l("残疾等级"),
    "land_lost": _l("失地"), "education": _l("学历"), "skills": _l("技能"), "wants": _l("需求"),
}


@bp.route("/people", methods=["GET"])
@signed_in("person.read")
def people():
    """The search form."""
    return page("people.html")


@bp.route("/people/find", methods=["POST"])
@signed_in("person.read")
def people_find():
    """By full ID number (blind index; audited); another region's person answers 404."""
    person = find_by_id_number(g.staff, request.form.get("id_number", "").strip()[:32])
    db.session.commit()
    return redirect(url_for("console.person", person_id=person.id), 303)


@bp.route("/people/<bigid:person_id>", methods=["GET"])
@signed_in("person.read")
def person(person_id):
    """The person's record: facts, household, certifications, applications,
    recommendations; masked, the read audited."""
    return person_page(person_id)


def person_page(person_id, code=200, contact_error=None, contact_form=None, hire_error=None,
                hire_form=None):
    """The record page; after a refused contact form, with the error beside the form and
    what was typed still in it (nothing is lost)."""
    item = view_person(g.staff, person_id)
    facts = PersonSchema().dump(item)
    household = HouseholdOutSchema().dump(household_view(item))
    applications = db.session.scalars(select(Application).where(
        Application.person_id == item.id).order_by(Application.id.desc())).all()
    recommendations = list_recommendations(g.staff, person_id=item.id, per_page=50)["items"]
    open_application = any(a.status not in CLOSED for a in applications)
    certified = any(c.status == CertificationStatus.ACTIVE for c in item.certifications)
    choices = [] if open_application or certified else apply_choices(item)
    case = case_context(g.staff, item)
    db.session.commit()
    return page("person.html", code=code, person=item, facts=facts, household=household,
                fact_labels=FACT_LABELS, applications=applications, statuses=STATUS_LABELS,
                certifications=item.certifications, recommendations=recommendations,
                cert_statuses=CERT_STATUS_LABELS,
                category_labels={c["code"]: c["label"] for c in current_rules().categories},
                age=age_on(item.birth_date, local_today()),
                choices=choices, open_application=open_application, case=case,
                contact_saved=request.args.get("contact") == "1", today=local_today(),
                contact_error=contact_error, contact_form=contact_form or {},
                hire_error=hire_error, hire_form=hire_form or {},
                hired=request.args.get("hired") == "1",
                registered=request.args.get("registered"), rec_labels={str(k): gettext(v) for k, v in REC_LABELS.items()})


@bp.route("/people/<bigid:person_id>/matches", methods=["GET"])
@signed_in("person.read")
def person_matches(person_id):
    """The engine's best vacancies for the person, each with its reasons (audited)."""
    result = match_for_staff(g.staff, person_id, limit=10)
    db.session.commit()
    rows = [{"vacancy": result["vacancies"][m.vacancy.id], "score": m.score,
             "distance_km": m.distance_km, "reasons": m.reasons, "cautions": m.cautions}
            for m in result["matches"]]
    return page("matches.html", "matches_fragment.html", person_id=person_id, rows=rows,
                considered=result["considered"])


@bp.route("/people/<bigid:person_id>/recommend", methods=["POST"])
@signed_in("jobs.recommend")
@once
def person_recommend(person_id):
    """Recommend a vacancy of the caller's subtree to the person (they are notified)."""
    try:
        vacancy_id = int(request.form.get("vacancy_id", ""))
    except ValueError:
        vacancy_id = 0
    recommend_vacancy(g.staff, person_id, vacancy_id)
    db.session.commit()
    return redirect(url_for("console.person", person_id=person_id) + "#h-recs", 303)


OUTCOMES = {"interview": record_interview, "hire": record_hire}


@bp.route("/recommendations/<bigid:rec_id>/<any(interview, hire):outcome>", methods=["POST"])
@signed_in("jobs.recommend")
@once
def recommendation_outcome(rec_id, outcome):
    """Record the interview or the hire (the person becomes employed; the vacancy counts it)."""
    rec = OUTCOMES[outcome](g.staff, rec_id)
    db.session.commit()
    return redirect(url_for("console.person", person_id=rec.person_id) + "#h-recs", 303)
