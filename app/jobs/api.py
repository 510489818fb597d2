"""HTTP views for employers, vacancies, fill rates and trying the matching engine.

Thin: parse, call one service, commit, serialise. Station staff act on employers' behalf
(`jobs.manage`); trying a match reads facts about a person, so it needs `person.read`.
"""
from flask_babel import gettext
from flask_smorest import Blueprint

from app.accounts.access import access, current_staff, reveals_personal_data
from app.extensions import db

from . import services
from .occupations import OCCUPATIONS
from .schemas import (EmployerContactSchema, EmployerCreateSchema, EmployerListArgs,
                      EmployerPageSchema, EmployerSchema, EmployerUpdateSchema, FillRateArgs,
                      FillRateSchema, HiresSchema, MatchRequestSchema, MatchResultSchema,
                      OccupationSchema, VacancyCreateSchema, VacancyListArgs, VacancyPageSchema,
                      VacancySchema, VacancyUpdateSchema)

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs",
               description="Employers, vacancies (caring jobs, public-welfare posts) and matching.")


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
    return services.get_employer_in_scope(employer_id, current_staff())


@bp.route("/employers/<bigid:employer_id>", methods=["PATCH"])
@access.staff("jobs.manage")
@bp.arguments(EmployerUpdateSchema)
@bp.response(200, EmployerSchema)
def update_employer(body, employer_id):
    """修改用人单位名称、类型、地址或联系人"""
    caller = current_staff()
    employer = services.update_employer(
        caller, services.get_employer_in_scope(employer_id, caller), **body)
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
        caller, services.get_employer_in_scope(employer_id, caller))
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
    return services.get_vacancy_in_scope(vacancy_id, current_staff())


@bp.route("/vacancies/<bigid:vacancy_id>", methods=["PATCH"])
@access.staff("jobs.manage")
@bp.arguments(VacancyUpdateSchema)
@bp.response(200, VacancySchema)
def update_vacancy(body, vacancy_id):
    """修改岗位信息"""
    caller = current_staff()
    vacancy = services.update_vacancy(
        caller, services.get_vacancy_in_scope(vacancy_id, caller), **body)
    db.session.commit()
    return vacancy


@bp.route("/vacancies/<bigid:vacancy_id>/close", methods=["POST"])
@access.staff("jobs.manage")
@bp.response(200, VacancySchema)
def close_vacancy(vacancy_id):
    """关闭岗位（立即停止推荐）"""
    caller = current_staff()
    vacancy = services.close_vacancy(caller, services.get_vacancy_in_scope(vacancy_id, caller))
    db.session.commit()
    return vacancy


@bp.route("/vacancies/<bigid:vacancy_id>/reopen", methods=["POST"])
@access.staff("jobs.manage")
@bp.response(200, VacancySchema)
def reopen_vacancy(vacancy_id):
    """重新开放已关闭的岗位"""
    caller = current_staff()
    vacancy = services.reopen_vacancy(caller, services.get_vacancy_in_scope(vacancy_id, caller))
    db.session.commit()
    return vacancy


@bp.route("/vacancies/<bigid:vacancy_id>/hires", methods=["POST"])
@access.staff("jobs.manage")
@bp.arguments(HiresSchema)
@bp.response(200, VacancySchema)
def record_hires(body, vacancy_id):
    """登记录用人数（招满后岗位自动停止推荐）"""
    caller = current_staff()
    vacancy = services.record_hires(caller, services.get_vacancy_in_scope(vacancy_id, caller),
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
    rows = result["vacancies"]
    return {"today": result["today"], "considered": result["considered"],
            "matches": [{"rank": rank, "score": m.score, "caring_first": m.caring_first,
                         "distance_km": m.distance_km,
                         "reasons": [r.render(gettext) for r in m.reasons],
                         "cautions": [r.render(gettext) for r in m.cautions],
                         "vacancy": rows[m.vacancy.id]}
                        for rank, m in enumerate(result["matches"], start=1)]}
