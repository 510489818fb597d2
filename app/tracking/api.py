"""The help loop over HTTP: staff cases, tasks, contacts, hires, follow-ups, exits,
zero-employment households, coverage and settings; the person's case and help requests
(/my/...). Thin views: parse, call one service, shape the answer."""
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from app.accounts.access import access, current_person_account, current_staff
from app.core.clock import local_today
from app.core.concurrency import retrying
from app.core.errors import NotFound
from app.core.idempotency import idempotent
from app.core.models import get_in_scope
from app.extensions import db
from app.people.models import Person
from app.people.services import own_person, who

from . import cases, digests, hires, mine, settings, work
from .models import Case, ExitProposal, FollowUp, Hire, ZeroHousehold
from .schemas import (AssignSchema, BalanceSchema, CaseDetailSchema, CaseListArgs,
                      CasePageSchema, CaseSchema, CompleteSchema, ContactOutSchema,
                      ContactSchema, CoverageArgs, CoverageSchema, DecideSchema, DigestLinkCodeSchema,
                      DigestLinkSchema, DigestSchema,
                      FollowUpAnswerSchema, FollowUpOutSchema, HelpRequestSchema, HireEndSchema,
                      HireOutSchema, HireSchema, HouseholdListArgs, HouseholdPageSchema,
                      HouseholdSchema, MyCaseSchema, NeedsSchema, PrioritySchema,
                      ProposalListArgs, ProposalPageSchema, ProposalSchema, ServiceSchema, StaffLinkSchema,
                      StaffTrackingTaskSchema, TrackingSettingsOutSchema,
                      TrackingSettingsSchema, TrackingTaskListArgs, TrackingTaskPageSchema,
                      TrackingTaskSchema)

bp = Blueprint("tracking", __name__, url_prefix="/api/v1/tracking",
               description="The help loop: cases, contacts, help requests, follow-ups.")


def _with_due(items):
    due = cases.next_due([c.id for c in items])
    for case in items:
        case.next_due_on = due.get(case.id)
    return items


def _case_page(args, mine_only):
    items, total = cases.list_cases(current_staff(), mine=mine_only, **args)
    return {"items": _with_due(items), "total": total, "page": args["page"],
            "per_page": args["per_page"]}


# ------------------------------------------------------------------ cases

@bp.route("/cases/mine", methods=["GET"])
@access.staff("tracking.work")
@bp.arguments(CaseListArgs, location="query")
@bp.response(200, CasePageSchema)
def my_cases(args):
    """我包联的帮扶对象（按类别、需求、重点、最近联系、待办到期筛选）"""
    return _case_page(args, True)


@bp.route("/cases", methods=["GET"])
@access.staff("tracking.work")
@bp.arguments(CaseListArgs, location="query")
@bp.response(200, CasePageSchema)
def list_cases(args):
    """本辖区（或某服务站）的帮扶档案"""
    return _case_page(args, False)


@bp.route("/cases/<bigid:case_id>", methods=["GET"])
@access.staff("tracking.work")
@bp.response(200, CaseDetailSchema)
def show_case(case_id):
    """帮扶档案详情：帮扶计划与联系记录（查看留痕）"""
    case = cases.view_case(current_staff(), case_id)
    db.session.commit()
    case.plan, case.contacts = cases.plan_view(case), work.contacts_of(case)
    case.history = cases.history_of(case)
    return _with_due([case])[0]


def _case(case_id):
    return get_in_scope(Case, current_staff(), case_id)


@bp.route("/cases/<bigid:case_id>/assign", methods=["POST"])
@access.staff("tracking.assign")
@retrying
@bp.arguments(AssignSchema)
@bp.response(200, CaseSchema)
def assign(body, case_id):
    """更换包联责任人"""
    case = cases.assign_case(current_staff(), _case(case_id), body["staff_id"])
    db.session.commit()
    return _with_due([case])[0]


@bp.route("/cases/<bigid:case_id>/priority", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.arguments(PrioritySchema)
@bp.response(200, CaseSchema)
def priority(body, case_id):
    """标记（或取消）重点帮扶并说明原因"""
    case = cases.mark_priority(current_staff(), _case(case_id), body["priority"], body["reason"])
    db.session.commit()
    return _with_due([case])[0]


@bp.route("/cases/<bigid:case_id>/needs", methods=["PUT"])
@access.staff("tracking.work")
@retrying
@bp.arguments(NeedsSchema)
@bp.response(200, CaseSchema)
def set_needs(body, case_id):
    """更正帮扶需求（分级分类帮扶）"""
    case = cases.set_needs(current_staff(), _case(case_id), body["needs"])
    db.session.commit()
    return _with_due([case])[0]


@bp.route("/stations/<id:station_id>/balance", methods=["POST"])
@access.staff("tracking.assign")
@retrying
@bp.response(200, BalanceSchema)
def balance(station_id):
    """在服务站在岗人员之间均衡分配帮扶对象（含离岗人员名下的）"""
    result = cases.balance_station(current_staff(), station_id)
    db.session.commit()
    return result


# ------------------------------------------------------------------ contacts and tasks

@bp.route("/cases/<bigid:case_id>/contacts", methods=["POST"])
@access.staff("tracking.work")
@idempotent
@retrying
@bp.arguments(ContactSchema)
@bp.response(201, ContactOutSchema)
def add_contact(body, case_id):
    """登记一次联系对接（走访、电话、微信、到站），下一步安排生成待办"""
    contact = work.record_contact(current_staff(), _case(case_id), **body)
    db.session.commit()
    return contact


@bp.route("/tasks", methods=["GET"])
@access.staff("tracking.work")
@bp.arguments(TrackingTaskListArgs, location="query")
@bp.response(200, TrackingTaskPageSchema)
def list_tasks(args):
    """我的待办（或辖区内已提级督办的事项），按到期日排序"""
    items, total = work.list_tasks(current_staff(), **args)
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@bp.route("/tasks/<bigid:task_id>/complete", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.arguments(CompleteSchema)
@bp.response(200, StaffTrackingTaskSchema)
def complete(body, task_id):
    """办结待办（答复求助、完成评估等），记录结果"""
    staff = current_staff()
    task = work.complete_task(staff, work.get_task(staff, task_id), body["outcome"])
    db.session.commit()
    return task


@bp.route("/digest", methods=["GET"])
@access.staff("tracking.work")
@bp.response(200, DigestSchema)
def digest():
    """今日待办摘要（每日一条）及其推送情况"""
    row = digests.digest_for(current_staff())
    if row is None:
        raise NotFound("tracking.no_digest", _l("今日摘要尚未生成"))
    return row


@bp.route("/digest/link", methods=["GET"])
@access.staff("tracking.work")
@bp.response(200, DigestLinkSchema)
def digest_link():
    """接收每日待办提醒的微信是否已绑定"""
    return digests.link_status_of(current_staff().id)


@bp.route("/digest/link-code", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.response(201, DigestLinkCodeSchema)
def digest_link_code():
    """获取绑定码（10分钟内在小程序中输入一次有效），用于接收每日待办提醒"""
    result = digests.issue_link_code(current_staff())
    db.session.commit()
    return result


@bp.route("/digest/link", methods=["DELETE"])
@access.staff("tracking.work")
@retrying
@bp.response(200, DigestLinkSchema)
def digest_unlink():
    """解除接收每日待办提醒的微信"""
    result = digests.unlink(current_staff())
    db.session.commit()
    return result


@bp.route("/coverage", methods=["GET"])
@access.staff("tracking.work")
@bp.arguments(CoverageArgs, location="query")
@bp.response(200, CoverageSchema)
def coverage(args):
    """一轮联系对接覆盖率：本级及下级区划，附未联系名单"""
    result = work.coverage(current_staff(), args.pop("region_code"), **args)
    _with_due(result["uncontacted"])
    return result


# ------------------------------------------------------------------ hires and follow-ups

@bp.route("/hires", methods=["POST"])
@access.staff("tracking.work")
@idempotent
@retrying
@bp.arguments(HireSchema)
@bp.response(201, HireOutSchema)
def add_hire(body):
    """登记就业（非推荐岗位）：自入职日起安排适应期、稳定期回访"""
    staff = current_staff()
    person = get_in_scope(Person, staff, body.pop("person_id"))
    hire = hires.record_hire(staff, person, **body)
    db.session.commit()
    hire.follow_ups = hires.follow_ups_of(person.id)
    return hire


@bp.route("/hires/<bigid:hire_id>/end", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.arguments(HireEndSchema)
@bp.response(200, HireOutSchema)
def end_hire(body, hire_id):
    """登记离职：重新开展就业帮扶"""
    staff = current_staff()
    hire = hires.end_hire(get_in_scope(Hire, staff, hire_id), body["ended_on"], body["reason"],
                          who(staff))
    db.session.commit()
    hire.follow_ups = hires.follow_ups_of(hire.person_id)
    return hire


@bp.route("/follow-ups/<bigid:follow_up_id>", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.arguments(FollowUpAnswerSchema)
@bp.response(200, FollowUpOutSchema)
def answer_follow_up(body, follow_up_id):
    """记录回访：是否仍在岗、遇到的困难"""
    staff = current_staff()
    follow_up = hires.answer_follow_up(get_in_scope(FollowUp, staff, follow_up_id),
                                       body["still_employed"], body["difficulties"], who(staff))
    db.session.commit()
    return follow_up


@bp.route("/exit-proposals", methods=["GET"])
@access.staff("tracking.work")
@bp.arguments(ProposalListArgs, location="query")
@bp.response(200, ProposalPageSchema)
def proposals(args):
    """稳定就业人员的退出建议"""
    items, total = hires.list_proposals(current_staff(), **args)
    return {"items": items, "total": total}


@bp.route("/exit-proposals/<bigid:proposal_id>/decide", methods=["POST"])
@access.staff("tracking.decide_exit")
@retrying
@bp.arguments(DecideSchema)
@bp.response(200, ProposalSchema)
def decide(body, proposal_id):
    """旗县区决定：同意退出（实现市场就业）或不同意"""
    staff = current_staff()
    proposal = hires.decide_exit(staff, get_in_scope(ExitProposal, staff, proposal_id),
                                 body["accept"], body["note"])
    db.session.commit()
    return proposal


# ------------------------------------------------------------------ zero-employment households

@bp.route("/zero-households", methods=["GET"])
@access.staff("tracking.work")
@bp.arguments(HouseholdListArgs, location="query")
@bp.response(200, HouseholdPageSchema)
def households(args):
    """零就业家庭名单：认定日期、已提供服务和岗位、在册天数、清零日期和方式"""
    return hires.list_households(current_staff(), args.pop("region_code"), **args)


@bp.route("/zero-households/<bigid:listing_id>/services", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.arguments(ServiceSchema)
@bp.response(200, HouseholdSchema)
def serve_household(body, listing_id):
    """登记一次对零就业家庭的服务及提供的岗位数"""
    staff = current_staff()
    listing = hires.record_household_service(
        staff, get_in_scope(ZeroHousehold, staff, listing_id), body["offers"], body["refusals"],
        body["note"])
    db.session.commit()
    return hires.household_view(listing, local_today(), settings.settings_for(listing.region_code))


# ------------------------------------------------------------------ settings

@bp.route("/settings/<region_code>", methods=["GET"])
@access.staff("tracking.work")
@bp.response(200, TrackingSettingsOutSchema)
def get_settings(region_code):
    """本区划的回访、评估、答复时限和零就业家庭服务标准"""
    return settings.settings_in_scope(current_staff(), region_code)


@bp.route("/settings/<region_code>", methods=["PUT"])
@access.staff("tracking.configure")
@retrying
@bp.arguments(TrackingSettingsSchema)
@bp.response(200, TrackingSettingsOutSchema)
def put_settings(body, region_code):
    """设置本区划的回访、评估、答复时限和零就业家庭服务标准"""
    result = settings.update_settings(current_staff(), region_code, body)
    db.session.commit()
    return result


# ------------------------------------------------------------------ the person

@bp.route("/my/case", methods=["GET"])
@access.person
@bp.response(200, MyCaseSchema)
def my_case():
    """我的帮扶档案：包联责任人、服务站电话、求助答复情况、下次回访"""
    view = mine.case_view(own_person(current_person_account()))
    if view is None:
        raise NotFound("tracking.no_case", _l("您还没有帮扶档案，请先到服务站认定或登记"))
    return view


@bp.route("/my/help-requests", methods=["POST"])
@access.person
@idempotent
@retrying
@bp.arguments(HelpRequestSchema)
@bp.response(201, TrackingTaskSchema)
def ask_for_help(body):
    """向包联责任人求助（有求助必回应）"""
    task = work.ask_for_help(current_person_account(), body["topic"], body["detail"])
    db.session.commit()
    return task


@bp.route("/my/help-requests", methods=["GET"])
@access.person
@bp.response(200, TrackingTaskSchema(many=True))
def my_requests():
    """我的求助及答复"""
    return work.my_requests(current_person_account())


@bp.route("/my/staff-link", methods=["POST"])
@access.person
@retrying
@bp.arguments(StaffLinkSchema)
@bp.response(200, DigestLinkSchema)
def link_staff_wechat(body):
    """工作人员在小程序中输入工作台绑定码：本微信接收其每日待办提醒"""
    result = digests.redeem_link_code(current_person_account(), body["code"])
    db.session.commit()
    return result


@bp.route("/my/follow-ups/<bigid:follow_up_id>", methods=["POST"])
@access.person
@retrying
@bp.arguments(FollowUpAnswerSchema)
@bp.response(200, FollowUpOutSchema)
def answer_mine(body, follow_up_id):
    """本人回答回访：是否仍在岗、遇到的困难"""
    account = current_person_account()
    follow_up = mine.own_follow_up(own_person(account), follow_up_id)
    if follow_up is None:
        raise NotFound("tracking.follow_up_not_found", _l("回访记录不存在"))
    hires.answer_follow_up(follow_up, body["still_employed"], body["difficulties"],
                           who(account))
    db.session.commit()
    return follow_up
