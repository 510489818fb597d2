"""Claims over HTTP: the person's side (/my/...) and the staff steps. Thin views."""
from functools import wraps

from flask import current_app, request
from flask_smorest import Blueprint

from app.accounts.access import access, current_person_account, current_staff
from app.certification.evidence import sealed_download
from app.core.concurrency import retrying
from app.core.idempotency import idempotent
from app.core.models import get_in_scope
from app.extensions import db
from app.people.services import own_person, who

from . import approval, claims, evidence, payments, settings
from .models import ClaimEvidence
from .schemas import (ClaimEvidenceSchema, ClaimListArgs, ClaimNoteSchema, ClaimPageSchema,
                      ClaimSchema, ClaimEvidenceFileSchema, ClaimEvidenceFormSchema, FiguresArgs,
                      FiguresSchema, MoneySettingsOutSchema, MoneySettingsSchema, MyClaimSchema,
                      MyMoneySchema, ReasonSchema, ResubmitSchema, StaffClaimSchema)

bp = Blueprint("money", __name__, url_prefix="/api/v1/money",
               description="Subsidy claims, their approval, funds and payment batches.")


# ------------------------------------------------------------------ the person


@bp.route("/my/claims", methods=["POST"])
@access.person
@idempotent
@retrying
@bp.arguments(MyClaimSchema)
@bp.response(201, ClaimSchema)
def claim_myself(body):
    """本人申请补贴（按月补贴写明起止月份）"""
    account = current_person_account()
    claim = claims.submit_claim(account, own_person(account), **body)
    db.session.commit()
    return claim


@bp.route("/my", methods=["GET"])
@access.person
@bp.response(200, MyMoneySchema)
def my_money():
    """本人的补贴申请和发放记录"""
    return payments.money_of_account(current_person_account())


@bp.route("/my/claims/<bigid:claim_id>/resubmit", methods=["POST"])
@access.person
@idempotent
@retrying
@bp.arguments(ResubmitSchema)
@bp.response(200, ClaimSchema)
def resubmit_mine(body, claim_id):
    """退回修改后重新提交"""
    account = current_person_account()
    claim = claims.resubmit_claim(account, claims.own_claim(account, claim_id), **body)
    db.session.commit()
    return claim


# ------------------------------------------------------------------ staff


@bp.route("/claims", methods=["POST"])
@access.staff("claim.enter")
@idempotent
@retrying
@bp.arguments(StaffClaimSchema)
@bp.response(201, ClaimSchema)
def enter_claim(body):
    """服务站经申请人签字同意后代为录入补贴申请"""
    claim = claims.enter_claim(current_staff(), body.pop("person_id"), **body)
    db.session.commit()
    return claim


@bp.route("/claims", methods=["GET"])
@access.staff("claim.read")
@bp.arguments(ClaimListArgs, location="query")
@bp.response(200, ClaimPageSchema)
def list_claims(args):
    """本辖区的补贴申请（按办理时限排序）"""
    return claims.list_claims(current_staff(), **args)


@bp.route("/claims/<bigid:claim_id>", methods=["GET"])
@access.staff("claim.read")
@bp.response(200, ClaimSchema)
def show_claim(claim_id):
    """补贴申请详情、明细和办理经过"""
    return claims.staff_claim(current_staff(), claim_id)


def _step(operation, claim_id, note):
    claim = operation(current_staff(), claim_id, note)
    db.session.commit()
    return claim


@bp.route("/claims/<bigid:claim_id>/check", methods=["POST"])
@access.staff("claim.check")
@idempotent
@retrying
@bp.arguments(ClaimNoteSchema)
@bp.response(200, ClaimSchema)
def check_claim(body, claim_id):
    """服务站初审通过，报旗县区审批"""
    return _step(approval.check_claim, claim_id, body["note"])


@bp.route("/claims/<bigid:claim_id>/approve", methods=["POST"])
@access.staff("claim.approve")
@idempotent
@retrying
@bp.arguments(ClaimNoteSchema)
@bp.response(200, ClaimSchema)
def approve_claim(body, claim_id):
    """旗县区审批通过（录入或初审人员不能审批）"""
    return _step(approval.approve_claim, claim_id, body["note"])


@bp.route("/claims/<bigid:claim_id>/confirm", methods=["POST"])
@access.staff("claim.confirm")
@idempotent
@retrying
@bp.arguments(ClaimNoteSchema)
@bp.response(200, ClaimSchema)
def confirm_claim(body, claim_id):
    """财政部门确认（本地区要求时）"""
    return _step(approval.confirm_claim, claim_id, body["note"])


@bp.route("/claims/<bigid:claim_id>/return", methods=["POST"])
@access.staff("claim.read")
@idempotent
@retrying
@bp.arguments(ReasonSchema)
@bp.response(200, ClaimSchema)
def return_claim(body, claim_id):
    """退回申请人修改（须说明原因）"""
    return _step(approval.return_claim, claim_id, body["note"])


@bp.route("/claims/<bigid:claim_id>/refuse", methods=["POST"])
@access.staff("claim.read")
@idempotent
@retrying
@bp.arguments(ReasonSchema)
@bp.response(200, ClaimSchema)
def refuse_claim(body, claim_id):
    """不予批准（须说明原因）"""
    return _step(approval.refuse_claim, claim_id, body["note"])


@bp.route("/claims/<bigid:claim_id>/resubmit", methods=["POST"])
@access.staff("claim.enter")
@idempotent
@retrying
@bp.arguments(ResubmitSchema)
@bp.response(200, ClaimSchema)
def resubmit_claim(body, claim_id):
    """服务站代申请人修改后重新提交"""
    staff = current_staff()
    claim = claims.resubmit_claim(staff, claims.staff_claim(staff, claim_id), **body)
    db.session.commit()
    return claim


@bp.route("/figures", methods=["GET"])
@access.staff("claim.read")
@bp.arguments(FiguresArgs, location="query")
@bp.response(200, FiguresSchema)
def monthly_figures(args):
    """本辖区某月各项补贴的申请数、批准和已发放明细及金额（统计用）"""
    return claims.monthly_figures(current_staff(), args["month"])


# ------------------------------------------------------------------ materials


def evidence_body(view):
    """Uploads may be larger than the service-wide body limit (checked before parsing)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["EVIDENCE_MAX_BYTES"] + 64 * 1024
        return view(*args, **kwargs)
    return wrapper


def _upload(caller, claim, form, files):
    upload = files["file"]
    data = upload.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1)
    item = evidence.add_claim_evidence(who(caller), claim, form["kind"], upload.filename, data,
                                       upload.mimetype)
    db.session.commit()
    return item


@bp.route("/my/claims/<bigid:claim_id>/evidence", methods=["POST"])
@access.person
@evidence_body
@bp.arguments(ClaimEvidenceFormSchema, location="form")
@bp.arguments(ClaimEvidenceFileSchema, location="files")
@bp.response(201, ClaimEvidenceSchema)
def upload_mine(form, files, claim_id):
    """上传补贴申请材料（JPEG、PNG 或 PDF）"""
    account = current_person_account()
    return _upload(account, claims.own_claim(account, claim_id), form, files)


@bp.route("/claims/<bigid:claim_id>/evidence", methods=["POST"])
@access.staff("claim.enter")
@evidence_body
@bp.arguments(ClaimEvidenceFormSchema, location="form")
@bp.arguments(ClaimEvidenceFileSchema, location="files")
@bp.response(201, ClaimEvidenceSchema)
def upload_at_station(form, files, claim_id):
    """服务站上传补贴申请材料（扫描件或照片）"""
    staff = current_staff()
    return _upload(staff, claims.staff_claim(staff, claim_id), form, files)


@bp.route("/evidence/<bigid:evidence_id>/content", methods=["GET"])
@access.staff("claim.read")
@bp.response(200, content_type="application/octet-stream")
def evidence_content(evidence_id):
    """下载补贴申请材料（仅辖区内工作人员，查看留痕）"""
    item = get_in_scope(ClaimEvidence, current_staff(), evidence_id)
    data = evidence.read_claim_evidence(item)
    db.session.commit()
    return sealed_download(data, item.content_type, f"claim-evidence-{item.id}")


# ------------------------------------------------------------------ settings


@bp.route("/settings/<region_code>", methods=["GET"])
@access.staff("claim.read")
@bp.response(200, MoneySettingsOutSchema)
def get_settings(region_code):
    """本区划补贴申请各审核环节的办理时限（工作日）和是否需财政确认"""
    return settings.settings_in_scope(current_staff(), region_code)


@bp.route("/settings/<region_code>", methods=["PUT"])
@access.staff("money.configure")
@retrying
@bp.arguments(MoneySettingsSchema)
@bp.response(200, MoneySettingsOutSchema)
def put_settings(body, region_code):
    """设置本区划补贴申请各审核环节的办理时限和财政确认"""
    result = settings.update_settings(current_staff(), region_code, body)
    db.session.commit()
    return result
