"""Applications over HTTP: the job seeker's side (/my/...) and the staff side. Thin views."""
from functools import wraps

from flask import current_app, request
from flask_smorest import Blueprint

from app.accounts.access import access, current_person_account, current_staff
from app.core.concurrency import retrying
from app.core.idempotency import commit_with_answer, idempotent
from app.core.models import get_in_scope
from app.extensions import db
from app.people import services as people
from app.people.models import Person

from . import evidence as evidence_ops
from . import review, services
from .models import Application, Evidence, Objection
from .schemas import (ApplicationDetailSchema, ApplicationListArgs, ApplicationPageSchema,
                      ApplicationSchema, AssessmentArgs, AssessmentSchema, CountyDecisionSchema,
                      EvidenceFileSchema, EvidenceFormSchema, EvidenceSchema, NoteSchema,
                      ObjectionDecisionSchema, ObjectionOutSchema, ObjectionSchema,
                      PersonApplySchema, StaffApplySchema, StepDecisionSchema)

bp = Blueprint("certification", __name__, url_prefix="/api/v1/certification",
               description="Certification applications and their review.")


def evidence_body(view):
    """Uploads may be larger than the service-wide body limit (checked before parsing)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["EVIDENCE_MAX_BYTES"] + 64 * 1024
        return view(*args, **kwargs)
    return wrapper


def _upload(caller, application, form, files):
    upload = files["file"]
    data = upload.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1)
    return evidence_ops.add_evidence(people.who(caller), application, form["kind"],
                                     upload.filename, data, upload.mimetype)


# ------------------------------------------------------------------ the job seeker

def _my_person(account, person_id, options=()):
    if person_id is None:
        return people.own_person(account, options=options)
    return people.person_for_account(account, person_id, options=options)


@bp.route("/my/assessment", methods=["GET"])
@access.person
@bp.arguments(AssessmentArgs, location="query")
@bp.response(200, AssessmentSchema)
def my_assessment(args):
    """按所填情况，可申请的认定类别及各类别还需的材料"""
    return services.assess(_my_person(current_person_account(), args["person_id"]))


@bp.route("/my/applications", methods=["POST"])
@access.person
@idempotent
@retrying
@bp.arguments(PersonApplySchema)
@bp.response(201, ApplicationSchema)
def apply_myself(body):
    """本人（或代亲属）提交认定申请，并签署承诺书"""
    account = current_person_account()
    person = _my_person(account, body.pop("person_id"), services.applicant_loads())
    application = services.submit_application(account, person, **body)
    # the answer is the application just written: no reads back; committed here, or with
    # the stored answer under an Idempotency-Key (one transaction, one commit)
    commit_with_answer()
    return application


@bp.route("/my/applications", methods=["GET"])
@access.person
@bp.response(200, ApplicationSchema(many=True))
def my_applications():
    """本人及所代办亲属的申请（当前环节、办理单位和时限）"""
    return services.applications_for_account(current_person_account())


@bp.route("/my/applications/<bigid:application_id>", methods=["GET"])
@access.person
@bp.response(200, ApplicationDetailSchema)
def my_application(application_id):
    """申请详情与办理经过"""
    return services.get_application_for_account(current_person_account(), application_id)


@bp.route("/my/applications/<bigid:application_id>/resubmit", methods=["POST"])
@access.person
@idempotent
@retrying
@bp.arguments(NoteSchema)
@bp.response(200, ApplicationSchema)
def resubmit_mine(body, application_id):
    """补充材料后重新提交"""
    account = current_person_account()
    application = services.get_application_for_account(account, application_id)
    services.resubmit_application(account, application, body["note"])
    db.session.commit()
    return application


@bp.route("/my/applications/<bigid:application_id>/withdraw", methods=["POST"])
@access.person
@retrying
@bp.arguments(NoteSchema)
@bp.response(200, ApplicationSchema)
def withdraw_mine(body, application_id):
    """撤回申请"""
    account = current_person_account()
    application = services.get_application_for_account(account, application_id)
    services.withdraw_application(account, application, body["note"])
    db.session.commit()
    return application


@bp.route("/my/applications/<bigid:application_id>/evidence", methods=["POST"])
@access.person
@evidence_body
@bp.arguments(EvidenceFormSchema, location="form")
@bp.arguments(EvidenceFileSchema, location="files")
@bp.response(201, EvidenceSchema)
def upload_mine(form, files, application_id):
    """上传证明材料（JPEG、PNG 或 PDF）"""
    account = current_person_account()
    application = services.get_application_for_account(account, application_id)
    item = _upload(account, application, form, files)
    db.session.commit()
    return item


# ------------------------------------------------------------------ staff

@bp.route("/applications", methods=["POST"])
@access.staff("application.enter")
@idempotent
@retrying
@bp.arguments(StaffApplySchema)
@bp.response(201, ApplicationSchema)
def apply_at_station(body):
    """服务站代为申请（本人到场同意并在纸质承诺书上签字）"""
    staff = current_staff()
    person = get_in_scope(Person, staff, body.pop("person_id"))
    application = services.submit_application(staff, person, **body)
    db.session.commit()
    return application


@bp.route("/applications", methods=["GET"])
@access.staff("application.read")
@bp.arguments(ApplicationListArgs, location="query")
@bp.response(200, ApplicationPageSchema)
def list_applications(args):
    """本辖区申请列表（按状态、区划、渠道、类别、是否超时筛选）"""
    items, total = services.list_applications(current_staff(), **args)
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@bp.route("/applications/<bigid:application_id>", methods=["GET"])
@access.staff("application.read")
@bp.response(200, ApplicationDetailSchema)
def show_application(application_id):
    """申请详情（查看留痕）"""
    application = services.view_application(current_staff(), application_id)
    db.session.commit()
    return application


@bp.route("/applications/<bigid:application_id>/assessment", methods=["GET"])
@access.staff("application.read")
@bp.response(200, AssessmentSchema)
def application_assessment(application_id):
    """按当前人员信息判断各认定类别及材料情况"""
    application = get_in_scope(Application, current_staff(), application_id)
    return services.assess(application.person, application)


@bp.route("/applications/<bigid:application_id>/accept", methods=["POST"])
@access.staff("application.review")
@idempotent
@retrying
@bp.arguments(NoteSchema)
@bp.response(200, ApplicationSchema)
def accept(body, application_id):
    """服务站受理"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    review.accept_application(staff, application, body["note"])
    db.session.commit()
    return application


def _step(staff, application, level, body, passing):
    if body["outcome"] == "pass":
        passing(staff, application, body["note"])
    else:
        review.return_application(staff, application, level, body["note"])


@bp.route("/applications/<bigid:application_id>/station-check", methods=["POST"])
@access.staff("application.review")
@idempotent
@retrying
@bp.arguments(StepDecisionSchema)
@bp.response(200, ApplicationSchema)
def station_check(body, application_id):
    """服务站初审：通过（报街道）或退回补充材料"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    _step(staff, application, "station", body, review.pass_station_check)
    db.session.commit()
    return application


@bp.route("/applications/<bigid:application_id>/township-review", methods=["POST"])
@access.staff("application.review")
@idempotent
@retrying
@bp.arguments(StepDecisionSchema)
@bp.response(200, ApplicationSchema)
def township_review(body, application_id):
    """苏木乡镇（街道）审核：通过（报旗县区）或退回"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    _step(staff, application, "township", body, review.pass_township_review)
    db.session.commit()
    return application


@bp.route("/applications/<bigid:application_id>/county-decision", methods=["POST"])
@access.staff("application.review")
@idempotent
@retrying
@bp.arguments(CountyDecisionSchema)
@bp.response(200, ApplicationSchema)
def county_decision(body, application_id):
    """旗县区人社部门认定：认定（可先公示）、不予认定（说明原因）或退回"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    if body["outcome"] == "certify":
        review.certify_application(staff, application, body["categories"], body["note"])
    elif body["outcome"] == "reject":
        review.reject_application(staff, application, body["reason"], body["note"])
    else:
        review.return_application(staff, application, "county", body["note"])
    db.session.commit()
    return application


@bp.route("/applications/<bigid:application_id>/resubmit", methods=["POST"])
@access.staff("application.enter")
@idempotent
@retrying
@bp.arguments(NoteSchema)
@bp.response(200, ApplicationSchema)
def resubmit_at_station(body, application_id):
    """服务站为本站代办的申请补充材料后重新提交"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    services.resubmit_application(staff, application, body["note"])
    db.session.commit()
    return application


@bp.route("/applications/<bigid:application_id>/withdraw", methods=["POST"])
@access.staff("application.enter")
@retrying
@bp.arguments(NoteSchema)
@bp.response(200, ApplicationSchema)
def withdraw_at_station(body, application_id):
    """按本人意愿撤回服务站代办的申请"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    services.withdraw_application(staff, application, body["note"])
    db.session.commit()
    return application


@bp.route("/applications/<bigid:application_id>/evidence", methods=["POST"])
@access.staff("application.enter")
@evidence_body
@bp.arguments(EvidenceFormSchema, location="form")
@bp.arguments(EvidenceFileSchema, location="files")
@bp.response(201, EvidenceSchema)
def upload_at_station(form, files, application_id):
    """服务站上传证明材料（扫描件或照片）"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    item = _upload(staff, application, form, files)
    db.session.commit()
    return item


@bp.route("/evidence/<bigid:evidence_id>/content", methods=["GET"])
@access.staff("evidence.read")
@bp.response(200, content_type="application/octet-stream")
def evidence_content(evidence_id):
    """下载证明材料（仅辖区内工作人员，查看留痕）"""
    item = get_in_scope(Evidence, current_staff(), evidence_id)
    data = evidence_ops.read_evidence(item)
    db.session.commit()
    return evidence_ops.sealed_download(data, item.content_type, f"evidence-{item.id}")


@bp.route("/applications/<bigid:application_id>/objections", methods=["POST"])
@access.staff("application.review")
@bp.arguments(ObjectionSchema)
@bp.response(201, ObjectionOutSchema)
def add_objection(body, application_id):
    """记录公示期间收到的异议"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    objection = review.record_objection(staff, application, **body)
    db.session.commit()
    return objection


@bp.route("/objections/<bigid:objection_id>/decision", methods=["POST"])
@access.staff("application.review")
@idempotent
@retrying
@bp.arguments(ObjectionDecisionSchema)
@bp.response(200, ObjectionOutSchema)
def decide_objection(body, objection_id):
    """旗县区处理异议：成立（不予认定）或不成立"""
    staff = current_staff()
    objection = get_in_scope(Objection, staff, objection_id)
    review.decide_objection(staff, objection, body["upheld"], body["note"])
    db.session.commit()
    return objection


@bp.route("/applications/<bigid:application_id>/finalize", methods=["POST"])
@access.staff("application.review")
@idempotent
@retrying
@bp.response(200, ApplicationSchema)
def finalize(application_id):
    """公示期满且无待处理异议：认定生效"""
    staff = current_staff()
    application = get_in_scope(Application, staff, application_id)
    review.finalize_notice_by(staff, application)
    db.session.commit()
    return application
