"""People: the job seeker's own profile and relatives, and staff views within their region."""
from flask import current_app, g
from flask_smorest import Blueprint

from app.accounts.access import (access, current_person_account, current_staff,
                                 reveals_personal_data)
from app.core.concurrency import retrying
from app.core.timing import no_sooner_than
from app.core.models import get_in_scope
from app.extensions import db, limiter

from . import proxies, services
from .models import Person
from .schemas import (ConsentSchema, FactsSchema, HouseholdInSchema, HouseholdOutSchema,
                      IdentitySchema, IncomingProxyLinkSchema, LookupSchema, PersonSchema,
                      ProxyConfirmSchema, ProxyLinkSchema, ProxyVerifySchema,
                      RelativeCreateSchema, ResidenceSchema, RevealResultSchema, RevealSchema,
                      StaffPersonCreateSchema, StaffProxyLinkSchema, household_view)

bp = Blueprint("people", __name__, url_prefix="/api/v1/people", description="Persons, households and consent records.")


def _create_limit():
    return current_app.config["RATELIMIT_PERSON_CREATE"]


def _staff_key():
    staff = g.get("staff")
    return f"staff:{staff.id}" if staff is not None else "staff:?"


# ------------------------------------------------------------------ the job seeker

@bp.route("/me", methods=["GET"])
@access.person
@bp.response(200, PersonSchema)
def show_me():
    """本人信息（脱敏）"""
    return services.own_person(current_person_account())


@bp.route("/me", methods=["PUT"])
@access.person
@bp.arguments(IdentitySchema)
@bp.response(200, PersonSchema)
def register_me(body):
    """登记或更新本人信息（首次登记须同意个人信息保护告知书）"""
    person, _ = services.register_self(current_person_account(), **body)
    db.session.commit()
    return person


@bp.route("/me/household", methods=["GET"])
@access.person
@bp.response(200, HouseholdOutSchema)
def show_my_household():
    """本人家庭成员及就业状况"""
    return household_view(services.own_person(current_person_account()))


@bp.route("/me/household", methods=["PUT"])
@access.person
@bp.arguments(HouseholdInSchema)
@bp.response(200, HouseholdOutSchema)
def set_my_household(body):
    """登记家庭成员（14周岁以下须记录监护人同意）"""
    account = current_person_account()
    person = services.own_person(account)
    services.set_household(account, person, **body)
    db.session.commit()
    return household_view(person)


@bp.route("/me/consent", methods=["DELETE"])
@access.person
@bp.response(204)
def withdraw_my_consent():
    """撤回本人同意（此后不再保存新的个人信息）"""
    account = current_person_account()
    services.withdraw_consent(account, services.own_person(account))
    db.session.commit()
    return "", 204


@bp.route("/me/relatives", methods=["GET"])
@access.person
@bp.response(200, PersonSchema(many=True))
def list_my_relatives():
    """我代办的亲属（亲情服务）"""
    return services.relatives_of(current_person_account())


@bp.route("/me/relatives", methods=["POST"])
@access.person
@no_sooner_than("IDENTITY_ANSWER_FLOOR")
@bp.arguments(RelativeCreateSchema)
@bp.response(202, ProxyLinkSchema)
def add_relative(body):
    """申请为亲属代办（亲情服务）：亲属本人在小程序确认或到服务站核验后生效"""
    link = proxies.request_link(current_person_account(), **body)
    db.session.commit()
    return link


@bp.route("/me/relatives/requests", methods=["GET"])
@access.person
@bp.response(200, ProxyLinkSchema(many=True))
def list_my_relative_requests():
    """我提出的亲情服务申请及其状态"""
    return proxies.outgoing_requests(current_person_account())


@bp.route("/me/proxy-requests", methods=["GET"])
@access.person
@bp.response(200, IncomingProxyLinkSchema(many=True))
def list_proxy_requests():
    """家人申请为我代办、等待我确认的请求"""
    return proxies.incoming_requests(current_person_account())


@bp.route("/me/proxy-requests/<bigid:link_id>/confirm", methods=["POST"])
@access.person
@bp.arguments(ProxyConfirmSchema)
@bp.response(200, IncomingProxyLinkSchema)
def confirm_proxy_request(body, link_id):
    """确认家人可以为我代办（亲情服务）"""
    link = proxies.confirm_link(current_person_account(), link_id, body)
    db.session.commit()
    return link


@bp.route("/me/proxy-requests/<bigid:link_id>/decline", methods=["POST"])
@access.person
@bp.response(200, IncomingProxyLinkSchema)
def decline_proxy_request(link_id):
    """拒绝家人的代办申请"""
    link = proxies.decline_link(current_person_account(), link_id)
    db.session.commit()
    return link


@bp.route("/me/relatives/<bigid:person_id>", methods=["PATCH"])
@access.person
@bp.arguments(FactsSchema)
@bp.response(200, PersonSchema)
def update_relative(body, person_id):
    """更新亲属的就业等情况"""
    account = current_person_account()
    person = services.person_for_account(account, person_id)
    services.update_facts(account, person, body)
    db.session.commit()
    return person


@bp.route("/me/relatives/<bigid:person_id>/household", methods=["PUT"])
@access.person
@bp.arguments(HouseholdInSchema)
@bp.response(200, HouseholdOutSchema)
def set_relative_household(body, person_id):
    """登记亲属的家庭成员"""
    account = current_person_account()
    person = services.person_for_account(account, person_id)
    services.set_household(account, person, **body)
    db.session.commit()
    return household_view(person)


# ------------------------------------------------------------------ staff

@bp.route("", methods=["POST"])
@access.staff("application.enter")
@limiter.limit(_create_limit, key_func=_staff_key)
@no_sooner_than("IDENTITY_ANSWER_FLOOR")
@bp.arguments(StaffPersonCreateSchema)
@bp.response(201, PersonSchema)
def create_person(body):
    """服务站登记人员（须记录本人签字同意）"""
    person = services.create_person(current_staff(), **body)
    db.session.commit()
    return person


@bp.route("/lookup", methods=["POST"])
@access.staff("person.read")
@bp.arguments(LookupSchema)
@bp.response(200, PersonSchema)
def lookup_person(body):
    """按身份证号查找本辖区人员（号码放在请求体中，不进日志）"""
    person = services.find_by_id_number(current_staff(), body["id_number"])
    db.session.commit()
    return person


@bp.route("/<bigid:person_id>", methods=["GET"])
@access.staff("person.read")
@bp.response(200, PersonSchema)
def show_person(person_id):
    """本辖区人员详情（脱敏，查看留痕）"""
    person = services.view_person(current_staff(), person_id)
    db.session.commit()
    return person


@bp.route("/<bigid:person_id>", methods=["PATCH"])
@access.staff("application.enter")
@bp.arguments(FactsSchema)
@bp.response(200, PersonSchema)
def update_person(body, person_id):
    """更新人员就业、技能、需求等情况"""
    staff = current_staff()
    person = get_in_scope(Person, staff, person_id)
    services.update_facts(staff, person, body)
    db.session.commit()
    return person


@bp.route("/<bigid:person_id>/residence", methods=["POST"])
@access.staff("person.move")
@retrying
@bp.arguments(ResidenceSchema)
@bp.response(200, PersonSchema)
def change_residence(body, person_id):
    """登记迁居：变更常住地（帮扶档案随之转到新常住地的服务站）"""
    staff = current_staff()
    person = get_in_scope(Person, staff, person_id)
    services.change_residence(staff, person, body["residence_region_code"],
                              body["residence_since"])
    db.session.commit()
    return person


@bp.route("/<bigid:person_id>/consents", methods=["POST"])
@access.staff("application.enter")
@bp.arguments(ConsentSchema)
@bp.response(204)
def record_person_consent(body, person_id):
    """记录本人在服务站签署的同意书"""
    staff = current_staff()
    services.record_consent(staff, get_in_scope(Person, staff, person_id), body)
    db.session.commit()
    return "", 204


@bp.route("/<bigid:person_id>/household", methods=["GET"])
@access.staff("person.read")
@bp.response(200, HouseholdOutSchema)
def show_household(person_id):
    """家庭成员及就业状况（识别零就业家庭）"""
    person = services.view_person(current_staff(), person_id, "person.household_viewed")
    db.session.commit()
    return household_view(person)


@bp.route("/<bigid:person_id>/household", methods=["PUT"])
@access.staff("application.enter")
@bp.arguments(HouseholdInSchema)
@bp.response(200, HouseholdOutSchema)
def set_household(body, person_id):
    """登记家庭成员"""
    staff = current_staff()
    person = get_in_scope(Person, staff, person_id)
    services.set_household(staff, person, **body)
    db.session.commit()
    return household_view(person)


@bp.route("/<bigid:person_id>/reveal", methods=["POST"])
@access.staff("person.reveal")
@bp.arguments(RevealSchema)
@bp.response(200, RevealResultSchema)
@reveals_personal_data
def reveal_person(body, person_id):
    """查看完整身份证号、手机号或姓名（须说明用途，留痕）"""
    staff = current_staff()
    person = get_in_scope(Person, staff, person_id)
    value = services.reveal_field(staff, person, body["field"], body["purpose"])
    db.session.commit()
    return {"field": body["field"], "value": value}


@bp.route("/<bigid:person_id>/proxy-links", methods=["GET"])
@access.staff("person.read")
@bp.response(200, StaffProxyLinkSchema(many=True))
def list_proxy_links(person_id):
    """该人员的亲情服务申请（本辖区）"""
    return proxies.links_of_person(current_staff(), person_id)


@bp.route("/<bigid:person_id>/proxy-links/<bigid:link_id>/verify", methods=["POST"])
@access.staff("application.enter")
@bp.arguments(ProxyVerifySchema)
@bp.response(200, StaffProxyLinkSchema)
def verify_proxy_link(body, person_id, link_id):
    """服务站核验本人身份证和签字同意后，使亲情服务授权生效（留痕）"""
    link = proxies.verify_link(current_staff(), person_id, link_id, body)
    db.session.commit()
    return link
