"""HTTP views for employers, vacancies, fill rates and trying the matching engine.

Thin: parse, call one service, commit, serialise. Station staff act on employers' behalf
(`jobs.manage`); trying a match reads facts about a person, so it needs `person.read`.
"""
from flask_babel import gettext
from flask_smorest import Blueprint

from app.accounts.access import (access, current_person_account, current_staff,
                                 reveals_personal_data)
from app.core.models import get_in_scope
from app.extensions import db
from app.people.models import Person

from . import recommendations as recs, services
from .models import Employer, Recommendation, RecruitmentEvent, Vacancy
from .occupations import OCCUPATIONS
from .schemas import (DeclineSchema, EmployerContactSchema, EmployerCreateSchema,
                      EmployerListArgs, EmployerPageSchema, EmployerSchema, EmployerUpdateSchema,
                      FillRateArgs, FillRateSchema, FlaggedPersonSchema, HiresSchema,
                      InvitationResultSchema, LimitArgs, MatchRequestSchema, MatchResultSchema,
                      OccupationSchema, OutcomeSchema, PreferencesOutSchema, PreferencesSchema,
                      RecommendationCreateSchema, RecommendationListArgs,
                      RecommendationPageSchema, RecommendationSchema,
                      RecruitmentEventCreateSchema, RecruitmentEventSchema, RegionArgs,
                      VacancyCreateSchema, VacancyListArgs, VacancyPageSchema, VacancySchema,
                      VacancyUpdateSchema)

NOT_MINE = "no such recommendation of the caller (jobs.recommendation_not_found)"
BAD_STEP = "not allowed in its state (jobs.recommendation_invalid_transition)"
bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs",
               description="Employers, vacancies (caring jobs, public-welfare posts) and matching.")
# A person's matches and job wishes, seen by staff, live under the person's URL.
people_bp = Blueprint("jobs_people", __name__, url_prefix="/api/v1/people",
                      description="A person's job matches and wishes (staff).")


@bp.route("/occupations", methods=["GET"])
@access.public
@bp.response(200, OccupationSchema(many=True))
def list_occupations():
    """职业目录"""
    return list(OCCUPATIONS.values())


@bp.route("/employers", methods=["POST"])
@access.staff("jobs.manage")
@bp.arguments(EmployerCreateSchema)
@bp.response(201, EmployerSchema)
def create_employer(body):
    """登记用人单位（小微企业、个体工商户等）"""
    employer = services.create_employer(current_staff(), **body)
    db.session.commit()
    return employer


@bp.route("/employers", methods=["GET"])
@access.staff("jobs.manage")
@bp.arguments(EmployerListArgs, location="query")
@bp.response(200, EmployerPageSchema)
def list_employers(args):
    """本辖区用人单位列表"""
    return services.list_employers(current_staff(), **args)


@bp.route("/employers/<bigid:employer_id>", methods=["GET"])
@access.staff("jobs.manage")
@bp.response(200, EmployerSchema)
def show_employer(employer_id):
    """用人单位详情（联系人信息已脱敏）"""
    return get_in_scope(Employer, current_staff(), employer_id)


@bp.route("/employers/<bigid:employer_id>", methods=["PATCH"])
@access.staff("jobs.manage")
@bp.arguments(EmployerUpdateSchema)
@bp.response(200, EmployerSchema)
def update_employer(body, employer_id):
    """修改用人单位名称、类型、地址或联系人"""
    caller = current_staff()
    employer = services.update_employer(
        caller, get_in_scope(Employer, caller, employer_id), **body)
    db.session.commit()
    return employer


@bp.route("/employers/<bigid:employer_id>/contact", methods=["GET"])
@access.staff("jobs.manage")
@bp.response(200, EmployerContactSchema)
@reveals_personal_data
def reveal_employer_contact(employer_id):
    """查看用人单位联系人完整电话（留痕）"""
    caller = current_staff()
    contact = services.reveal_employer_contact(
        caller, get_in_scope(Employer, caller, employer_id))
    db.session.commit()
    return contact


@bp.route("/vacancies", methods=["POST"])
@access.staff("jobs.manage")
@bp.arguments(VacancyCreateSchema)
@bp.response(201, VacancySchema)
def create_vacancy(body):
    """代用人单位发布岗位（爱心岗位、公益性岗位）"""
    vacancy = services.create_vacancy(current_staff(), **body)
    db.session.commit()
    return vacancy


@bp.route("/vacancies", methods=["GET"])
@access.staff("jobs.manage")
@bp.arguments(VacancyListArgs, location="query")
@bp.response(200, VacancyPageSchema)
def list_vacancies(args):
    """本辖区岗位列表（可按状态、职业、爱心岗位、公益性岗位筛选）"""
    return services.list_vacancies(current_staff(), **args)


@bp.route("/vacancies/<bigid:vacancy_id>", methods=["GET"])
@access.staff("jobs.manage")
@bp.response(200, VacancySchema)
def show_vacancy(vacancy_id):
    """岗位详情"""
    return get_in_scope(Vacancy, current_staff(), vacancy_id)


@bp.route("/vacancies/<bigid:vacancy_id>", methods=["PATCH"])
@access.staff("jobs.manage")
@bp.arguments(VacancyUpdateSchema)
@bp.response(200, VacancySchema)
def update_vacancy(body, vacancy_id):
    """修改岗位信息"""
    caller = current_staff()
    vacancy = services.update_vacancy(
        caller, get_in_scope(Vacancy, caller, vacancy_id), **body)
    db.session.commit()
    return vacancy


@bp.route("/vacancies/<bigid:vacancy_id>/close", methods=["POST"])
@access.staff("jobs.manage")
@bp.response(200, VacancySchema)
def close_vacancy(vacancy_id):
    """关闭岗位（立即停止推荐）"""
    caller = current_staff()
    vacancy = services.close_vacancy(caller, get_in_scope(Vacancy, caller, vacancy_id))
    db.session.commit()
    return vacancy


@bp.route("/vacancies/<bigid:vacancy_id>/reopen", methods=["POST"])
@access.staff("jobs.manage")
@bp.response(200, VacancySchema)
def reopen_vacancy(vacancy_id):
    """重新开放已关闭的岗位"""
    caller = current_staff()
    vacancy = services.reopen_vacancy(caller, get_in_scope(Vacancy, caller, vacancy_id))
    db.session.commit()
    return vacancy


@bp.route("/vacancies/<bigid:vacancy_id>/hires", methods=["POST"])
@access.staff("jobs.manage")
@bp.arguments(HiresSchema)
@bp.response(200, VacancySchema)
def record_hires(body, vacancy_id):
    """登记录用人数（招满后岗位自动停止推荐）"""
    caller = current_staff()
    vacancy = services.record_hires(caller, get_in_scope(Vacancy, caller, vacancy_id),
                                    body["count"])
    db.session.commit()
    return vacancy


@bp.route("/fill-rates", methods=["GET"])
@access.staff("jobs.manage")
@bp.arguments(FillRateArgs, location="query")
@bp.response(200, FillRateSchema)
def fill_rates(args):
    """本辖区及各下级区划的岗位招满率"""
    return services.fill_rates(current_staff(), args["region_code"])


@bp.route("/match", methods=["POST"])
@access.staff("person.read")
@bp.arguments(MatchRequestSchema)
@bp.response(200, MatchResultSchema)
def match_vacancies(body):
    """按人员情况与求职意愿匹配岗位（前N个，附中文理由）"""
    result = services.match_vacancies(
        current_staff(), body["region_code"], body["facts"], body["preferences"],
        declined=body["declined_vacancy_ids"], limit=body["limit"])
    return _match_result(result)


def _match_result(result):
    rows = result["vacancies"]
    return {"today": result["today"], "considered": result["considered"],
            "matches": [{"rank": rank, "score": m.score, "caring_first": m.caring_first,
                         "distance_km": m.distance_km,
                         "reasons": [r.render(gettext) for r in m.reasons],
                         "cautions": [r.render(gettext) for r in m.cautions],
                         "vacancy": rows[m.vacancy.id]}
                        for rank, m in enumerate(result["matches"], start=1)]}


# --- a person's own matches, wishes and recommendations --------------------------------

@bp.route("/matches/me", methods=["GET"])
@access.person
@bp.arguments(LimitArgs, location="query")
@bp.response(200, MatchResultSchema)
@bp.alt_response(404, description="not registered (jobs.profile_missing)")
@bp.alt_response(409, description="consent withdrawn (jobs.consent_missing)")
def my_matches(args):
    """为我匹配的岗位（前N个，附中文理由）"""
    person, preferences = recs.matching_subject(current_person_account())
    return _match_result(recs.match_person(person, limit=args["limit"],
                                           preferences=preferences))


@bp.route("/preferences/me", methods=["GET"])
@access.person
@bp.response(200, PreferencesOutSchema)
@bp.alt_response(404, description="not registered (jobs.profile_missing)")
@bp.alt_response(409, description="consent withdrawn (jobs.consent_missing)")
def my_preferences():
    """我的求职意愿"""
    return recs.preferences_of(recs.registered_person(current_person_account()).id)


@bp.route("/preferences/me", methods=["PUT"])
@access.person
@bp.arguments(PreferencesSchema)
@bp.response(200, PreferencesOutSchema)
@bp.alt_response(404, description="not registered (jobs.profile_missing)")
@bp.alt_response(409, description="consent withdrawn (jobs.consent_missing)")
def set_my_preferences(body):
    """填写求职意愿（期望职业、工作时间、最低月薪、通勤距离、住址坐标）"""
    account = current_person_account()
    prefs = recs.set_preferences(account, recs.registered_person(account), **body)
    db.session.commit()
    return prefs


@bp.route("/recommendations/mine", methods=["GET"])
@access.person
@bp.response(200, RecommendationSchema(many=True))
@bp.alt_response(404, description="not registered (jobs.profile_missing)")
@bp.alt_response(409, description="consent withdrawn (jobs.consent_missing)")
def my_recommendations():
    """推荐给我的岗位"""
    return recs.list_own_recommendations(current_person_account())


@bp.route("/recommendations/mine/<bigid:rec_id>", methods=["GET"])
@access.person
@bp.response(200, RecommendationSchema)
@bp.alt_response(404, description=NOT_MINE)
@bp.alt_response(409, description="consent withdrawn (jobs.consent_missing)")
def view_my_recommendation(rec_id):
    """查看推荐岗位（首次查看记为已查看）"""
    rec = recs.view_recommendation(current_person_account(), rec_id)
    db.session.commit()
    return rec


@bp.route("/recommendations/mine/<bigid:rec_id>/apply", methods=["POST"])
@access.person
@bp.response(200, RecommendationSchema)
@bp.alt_response(404, description=NOT_MINE)
@bp.alt_response(409, description=BAD_STEP)
def apply_my_recommendation(rec_id):
    """报名推荐岗位"""
    rec = recs.apply_recommendation(current_person_account(), rec_id)
    db.session.commit()
    return rec


@bp.route("/recommendations/mine/<bigid:rec_id>/decline", methods=["POST"])
@access.person
@bp.arguments(DeclineSchema)
@bp.response(200, RecommendationSchema)
@bp.alt_response(404, description=NOT_MINE)
@bp.alt_response(409, description=BAD_STEP)
def decline_my_recommendation(body, rec_id):
    """婉拒推荐岗位（须选择原因）"""
    rec = recs.person_decline(current_person_account(), rec_id, body["reason"])
    db.session.commit()
    return rec


# --- staff: recommendations ------------------------------------------------------------

@bp.route("/recommendations", methods=["POST"])
@access.staff("jobs.recommend")
@bp.arguments(RecommendationCreateSchema)
@bp.response(201, RecommendationSchema)
@bp.alt_response(404, description="person or vacancy not found in the caller's subtree")
@bp.alt_response(409, description="vacancy not open (jobs.vacancy_not_open) or already recommended")
def recommend_vacancy(body):
    """向辖区内人员推荐岗位（通过订阅消息通知本人）"""
    rec = recs.recommend_vacancy(current_staff(), body["person_id"], body["vacancy_id"])
    db.session.commit()
    return rec


@bp.route("/recommendations", methods=["GET"])
@access.staff("jobs.recommend")
@bp.arguments(RecommendationListArgs, location="query")
@bp.response(200, RecommendationPageSchema)
def list_recommendations(args):
    """本辖区岗位推荐记录（可按状态、区划、人员筛选）"""
    return recs.list_recommendations(current_staff(), **args)


@bp.route("/recommendations/outcomes", methods=["GET"])
@access.staff("jobs.recommend")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, OutcomeSchema)
def recommendation_outcomes(args):
    """本辖区及各下级区划岗位推荐结果统计"""
    return recs.outcome_counts(current_staff(), args["region_code"])


@bp.route("/recommendations/flagged", methods=["GET"])
@access.staff("jobs.recommend")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, FlaggedPersonSchema(many=True))
def flagged_people(args):
    """三次婉拒合适岗位的人员（需工作人员跟进）"""
    rows = recs.flagged_people(current_staff(), args["region_code"])
    return rows


@bp.route("/recommendations/<bigid:rec_id>", methods=["GET"])
@access.staff("jobs.recommend")
@bp.response(200, RecommendationSchema)
def show_recommendation(rec_id):
    """推荐记录详情"""
    return get_in_scope(Recommendation, current_staff(), rec_id)


@bp.route("/recommendations/<bigid:rec_id>/interview", methods=["POST"])
@access.staff("jobs.recommend")
@bp.response(200, RecommendationSchema)
@bp.alt_response(409, description=BAD_STEP)
def record_interview(rec_id):
    """登记已面试"""
    rec = recs.record_interview(current_staff(), rec_id)
    db.session.commit()
    return rec


@bp.route("/recommendations/<bigid:rec_id>/hire", methods=["POST"])
@access.staff("jobs.recommend")
@bp.response(200, RecommendationSchema)
@bp.alt_response(409, description="not allowed in its state, or the vacancy is full")
def record_hire(rec_id):
    """登记录用（岗位录用人数加一，人员就业状态改为已就业）"""
    rec = recs.record_hire(current_staff(), rec_id)
    db.session.commit()
    return rec


@bp.route("/recommendations/<bigid:rec_id>/decline", methods=["POST"])
@access.staff("jobs.recommend")
@bp.arguments(DeclineSchema)
@bp.response(200, RecommendationSchema)
@bp.alt_response(409, description=BAD_STEP)
def record_decline(body, rec_id):
    """代为登记婉拒（人员当面或电话告知）"""
    caller = current_staff()
    rec = recs.decline_recommendation(caller, get_in_scope(Recommendation, caller, rec_id),
                                      body["reason"])
    db.session.commit()
    return rec


# --- staff: recruitment events ---------------------------------------------------------

@bp.route("/events", methods=["POST"])
@access.staff("jobs.events")
@bp.arguments(RecruitmentEventCreateSchema)
@bp.response(201, RecruitmentEventSchema)
@bp.alt_response(409, description="a vacancy is not open (jobs.vacancy_not_open)")
def create_event(body):
    """创建专场招聘活动"""
    event = recs.create_event(current_staff(), **body)
    db.session.commit()
    return event


@bp.route("/events", methods=["GET"])
@access.staff("jobs.events")
@bp.response(200, RecruitmentEventSchema(many=True))
def list_events():
    """本辖区专场招聘活动"""
    return recs.list_events(current_staff())


@bp.route("/events/<bigid:event_id>", methods=["GET"])
@access.staff("jobs.events")
@bp.response(200, RecruitmentEventSchema)
def show_event(event_id):
    """专场招聘活动详情"""
    return get_in_scope(RecruitmentEvent, current_staff(), event_id)


@bp.route("/events/<bigid:event_id>/invitations", methods=["POST"])
@access.staff("jobs.events")
@bp.response(200, InvitationResultSchema)
def send_invitations(event_id):
    """向活动区划内目标群体人员发送邀请（每人每场一次）"""
    caller = current_staff()
    result = recs.send_invitations(caller, get_in_scope(RecruitmentEvent, caller, event_id))
    db.session.commit()
    return result


# --- staff: a person's matches and wishes ----------------------------------------------

@people_bp.route("/<bigid:person_id>/matches", methods=["GET"])
@access.staff("person.read")
@people_bp.arguments(LimitArgs, location="query")
@people_bp.response(200, MatchResultSchema)
def person_matches(args, person_id):
    """为辖区内人员匹配岗位（留痕）"""
    result = recs.match_for_staff(current_staff(), person_id, limit=args["limit"])
    db.session.commit()
    return _match_result(result)


@people_bp.route("/<bigid:person_id>/job-preferences", methods=["GET"])
@access.staff("person.read")
@people_bp.response(200, PreferencesOutSchema)
def person_preferences(person_id):
    """人员的求职意愿（留痕）"""
    prefs = recs.view_preferences(current_staff(), person_id)
    db.session.commit()
    return prefs


@people_bp.route("/<bigid:person_id>/job-preferences", methods=["PUT"])
@access.staff("application.enter")
@people_bp.arguments(PreferencesSchema)
@people_bp.response(200, PreferencesOutSchema)
def set_person_preferences(body, person_id):
    """代为填写人员求职意愿"""
    caller = current_staff()
    prefs = recs.set_preferences(caller, get_in_scope(Person, caller, person_id),
                                 **body)
    db.session.commit()
    return prefs
