"""Certifications, public notices, overdue steps, deadlines and holiday schedules."""
from flask_smorest import Blueprint

from app.accounts.access import access, current_person_account, current_staff
from app.core.clock import local_today
from app.core.concurrency import retrying
from app.core.models import get_in_scope
from app.core.regions import get_region
from app.extensions import db, limiter
from app.people import services as people

from . import certs, review, services
from .models import Certification
from .schemas import (ApplicationPageSchema, ApplicationListArgs, CalendarOutSchema,
                      CalendarSchema, CertificationListArgs, CertificationPageSchema,
                      CertificationSchema, EscalationResultSchema, ExitSchema, NoteSchema,
                      NoticeArgs, NoticeEntrySchema, RulesSchema, SettingsOutSchema,
                      SettingsSchema)
from .settings import (calendar_view, current_rules, load_calendar_year, settings_in_scope,
                       update_settings)

bp = Blueprint("certification_records", __name__, url_prefix="/api/v1/certification",
               description="Certifications, public notices, deadlines and holiday schedules.")


@bp.route("/rules", methods=["GET"])
@access.public
@bp.response(200, RulesSchema)
def show_rules():
    """现行认定规则：类别、各类别所需材料、退出原因"""
    rules = current_rules()
    return {"version": rules.version,
            "categories": [{"code": c["code"], "label": c["label"],
                            "evidence": list(rules.common_evidence + c["evidence"])}
                           for c in rules.categories],
            "evidence_kinds": rules.evidence_kinds, "exit_reasons": rules.exit_reasons,
            "reject_reasons": rules.reject_reasons}


@bp.route("/notices", methods=["GET"])
@access.public
@limiter.limit("60/minute")
@bp.arguments(NoticeArgs, location="query")
@bp.response(200, NoticeEntrySchema(many=True))
def list_notices(args):
    """正在公示的认定（仅显示脱敏姓名、性别、年龄、类别、公示期、服务站及电话）"""
    get_region(args["region_code"])
    return review.public_notices(args["region_code"])


@bp.route("/my/certifications", methods=["GET"])
@access.person
@bp.response(200, CertificationSchema(many=True))
def my_certifications():
    """本人及所代办亲属的认定记录（含已退出的历史）"""
    return services.certifications_for_account(current_person_account())


@bp.route("/certifications", methods=["GET"])
@access.staff("application.read")
@bp.arguments(CertificationListArgs, location="query")
@bp.response(200, CertificationPageSchema)
def list_certifications(args):
    """本辖区认定记录（可筛选待复核）"""
    items, total = certs.list_certifications(current_staff(), **args)
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@bp.route("/certifications/<bigid:certification_id>", methods=["GET"])
@access.staff("application.read")
@bp.response(200, CertificationSchema)
def show_certification(certification_id):
    """认定记录详情"""
    return get_in_scope(Certification, current_staff(), certification_id)


@bp.route("/certifications/<bigid:certification_id>/exit", methods=["POST"])
@access.staff("certification.exit")
@retrying
@bp.arguments(ExitSchema)
@bp.response(200, CertificationSchema)
def exit_certification(body, certification_id):
    """退出认定（就业、退休、迁出、连续3次拒绝服务、失联3个月等）"""
    staff = current_staff()
    certification = get_in_scope(Certification, staff, certification_id)
    certs.exit_certification(staff, certification, **body)
    db.session.commit()
    return certification


@bp.route("/certifications/<bigid:certification_id>/recheck", methods=["POST"])
@access.staff("certification.recheck")
@bp.arguments(NoteSchema)
@bp.response(200, CertificationSchema)
def recheck_certification(body, certification_id):
    """年度复核：仍符合条件，顺延下次复核日期"""
    staff = current_staff()
    certification = get_in_scope(Certification, staff, certification_id)
    certs.recheck_certification(staff, certification, body["note"])
    db.session.commit()
    return certification


@bp.route("/overdue", methods=["GET"])
@access.staff("application.read")
@bp.arguments(ApplicationListArgs, location="query")
@bp.response(200, ApplicationPageSchema)
def list_overdue(args):
    """本辖区超过办理时限的申请"""
    args["overdue"] = True
    items, total = services.list_applications(current_staff(), **args)
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@bp.route("/overdue/escalate", methods=["POST"])
@access.staff("application.escalate")
@bp.response(200, EscalationResultSchema)
def escalate():
    """将本辖区超时未办的环节提级督办（也由定时任务执行）"""
    staff = current_staff()
    count = review.escalate_overdue(local_today(), staff.region_code, people.who(staff))
    db.session.commit()
    return {"escalated": count}


@bp.route("/settings/<region_code>", methods=["GET"])
@access.staff("application.read")
@bp.response(200, SettingsOutSchema)
def show_settings(region_code):
    """某区划适用的办理时限（工作日）与公示设置"""
    get_region(region_code)
    return settings_in_scope(current_staff(), region_code)


@bp.route("/settings/<region_code>", methods=["PUT"])
@access.staff("certification.configure")
@bp.arguments(SettingsSchema)
@bp.response(200, SettingsOutSchema)
def put_settings(body, region_code):
    """设置本辖区的办理时限与公示（下级未单独设置的沿用）"""
    get_region(region_code)
    result = update_settings(current_staff(), region_code, body)
    db.session.commit()
    return result


@bp.route("/calendar/<int(min=1900, max=2200):year>", methods=["GET"])
@access.staff()
@bp.response(200, CalendarOutSchema)
def show_calendar(year):
    """某年节假日安排来源（已载入 / 日历库 / 仅按周末推算）"""
    return calendar_view(year)


@bp.route("/calendar/<int(min=1900, max=2200):year>", methods=["PUT"])
@access.staff("calendar.manage")
@bp.arguments(CalendarSchema)
@bp.response(200, CalendarOutSchema)
def put_calendar(body, year):
    """载入国务院办公厅公布的某年节假日安排（优先于日历库）"""
    load_calendar_year(year, set(body["holidays"]), set(body["workdays"]), body["source"],
                       people.who(current_staff()))
    db.session.commit()
    return calendar_view(year)
