"""HTTP views of benefit records and of a person's policy view (staff side). Thin."""
from flask_smorest import Blueprint

from app.accounts.access import access, current_staff
from app.core.idempotency import idempotent
from app.extensions import db

from . import benefits
from .schemas import (BenefitCreateSchema, BenefitEndSchema, BenefitSchema, ExpiringArgs,
                      ExpiringPageSchema, PersonPoliciesSchema)

bp = Blueprint("policy_benefits", __name__, url_prefix="/api/v1",
               description="Benefits persons enjoy, their expiry, and a person's policy view.")


@bp.route("/people/<bigid:person_id>/policies", methods=["GET"])
@access.staff("person.read")
@bp.response(200, PersonPoliciesSchema)
def show_person_policies(person_id):
    """本辖区人员可享受的政策：符合、不符合或补充什么即可享受，已享受政策的期限，办理步骤（查看留痕）"""
    view = benefits.view_for_staff(current_staff(), person_id)
    db.session.commit()
    return view


@bp.route("/people/<bigid:person_id>/benefits", methods=["POST"])
@access.staff("benefit.manage")
@idempotent
@bp.arguments(BenefitCreateSchema)
@bp.response(201, BenefitSchema)
def record_benefit(body, person_id):
    """登记人员享受的政策（起止日期，留痕）"""
    row = benefits.record_benefit(current_staff(), person_id, **body)
    db.session.commit()
    return row


@bp.route("/benefits/<bigid:benefit_id>/end", methods=["POST"])
@access.staff("benefit.manage")
@idempotent
@bp.arguments(BenefitEndSchema)
@bp.response(200, BenefitSchema)
def end_benefit(body, benefit_id):
    """终止政策享受（注明终止日期和原因，留痕）"""
    row = benefits.end_benefit(current_staff(), benefit_id, **body)
    db.session.commit()
    return row


@bp.route("/benefits/expiring", methods=["GET"])
@access.staff("benefit.read")
@bp.arguments(ExpiringArgs, location="query")
@bp.response(200, ExpiringPageSchema)
def list_expiring(args):
    """本辖区即将到期的政策享受（默认60天内），用于到期前评估和转介"""
    return benefits.benefits_ending(current_staff(), **args)
