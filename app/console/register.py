"""Registering a person at the station (with their signed consent) and applying for them
(with the signed paper commitment): the API's schemas validate, its services act."""
from flask import current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from app.certification.services import assess, submit_application
from app.core.errors import AppError, ValidationFailed
from app.core.models import get_in_scope
from app.core.timing import no_sooner_than
from app.extensions import db, limiter
from app.people.models import Channel, Person
from app.people.schemas import StaffPersonCreateSchema
from app.people.services import create_person

from .base import EMPLOYMENT_LABELS, bp, page
from .formkeys import once
from .session import signed_in

EDUCATION_LABELS = {"none": _l("未上学"), "primary": _l("小学"), "junior": _l("初中"),
                    "senior": _l("高中"), "vocational": _l("中专/技校"), "college": _l("大专"),
                    "bachelor": _l("本科"), "master": _l("硕士"), "doctor": _l("博士")}
TEXT_FACTS = ("employment_status", "unemployment_registered_on", "residence_since",
              "education", "social_insurance_months")
FLAG_FACTS = ("registered_unemployed", "urban_resident")


def _create_limit():
    return current_app.config["RATELIMIT_PERSON_CREATE"]


def _staff_key():
    return f"staff:{g.staff.id}" if g.get("staff") is not None else "staff:?"


def _body(form):
    """The form as the API's body: empty fields left out, checkboxes as booleans."""
    facts = {name: form[name].strip() for name in TEXT_FACTS if form.get(name, "").strip()}
    facts.update({name: True for name in FLAG_FACTS if form.get(name)})
    body = {"name": form.get("name", "")[:64], "id_number": form.get("id_number", "").strip()[:18],
            "residence_region_code": form.get("residence_region_code", "").strip()[:12],
            "facts": facts}
    if form.get("phone", "").strip():
        body["phone"] = form["phone"].strip()[:11]
    if form.get("consent_signed"):
        body["consent"] = {"notice_version": current_app.config["PRIVACY_NOTICE_VERSION"],
                           "channel": Channel.STATION_PAPER.value}
    return body


def _form(code=200, **context):
    return page("register.html", code=code, employment=EMPLOYMENT_LABELS,
                education=EDUCATION_LABELS, form=request.form, **context)


@bp.route("/people/new", methods=["GET"])
@signed_in("application.enter")
def register():
    """The registration form."""
    return _form()


@bp.route("/people/new", methods=["POST"])
@signed_in("application.enter")
@once
@limiter.limit(_create_limit, key_func=_staff_key)
@no_sooner_than("IDENTITY_ANSWER_FLOOR")
def register_submit():
    """Register the person (the same answer whether or not the ID number is known elsewhere)."""
    try:
        body = StaffPersonCreateSchema().load(_body(request.form))
    except ValidationError as exc:
        return _form(422, problems=exc.messages)
    try:
        person = create_person(g.staff, **body)
    except AppError as exc:  # shown on the form, with what was typed kept
        db.session.rollback()
        return _form(exc.status, error=exc)
    db.session.commit()
    return redirect(url_for("console.person", person_id=person.id, registered=1), 303)


@bp.route("/people/<bigid:person_id>/apply", methods=["POST"])
@signed_in("application.enter")
@once
def person_apply(person_id):
    """Apply at the station for the person, who signed the paper commitment."""
    if not request.form.get("commitment_signed"):
        raise ValidationFailed("certification.commitment_required",
                               _l("请阅读并签署承诺书（所填信息真实有效）"))
    person = get_in_scope(Person, g.staff, person_id)
    categories = [c[:40] for c in request.form.getlist("categories")][:6] or None
    application = submit_application(
        g.staff, person, categories=categories,
        commitment={"accepted": True, "version": current_app.config["CERT_COMMITMENT_VERSION"]})
    db.session.commit()
    return redirect(url_for("console.application", application_id=application.id), 303)


def apply_choices(person):
    """The categories the person's facts support or may support, for the apply form."""
    return [r for r in assess(person)["categories"] if r["status"] != "unmet"]
