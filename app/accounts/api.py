"""HTTP views for sign-in, tokens and staff account management. Thin: parse, call, serialise."""
from flask import current_app, g, jsonify
from flask_smorest import Blueprint

from app.core.models import get_in_scope
from app.extensions import db, limiter

from . import grants, persons, sessions, staff as staff_ops
from .access import access, current_person_account, current_staff
from .models import StaffAccount, StaffGrantRequest
from .schemas import (PasswordChangeSchema, PersonLoginResultSchema, PersonAccountSchema,
                      PhoneBindSchema, RefreshSchema, StaffCreateSchema, StaffGrantListArgs,
                      StaffGrantSchema, StaffListArgs, StaffLoginResultSchema, StaffLoginSchema,
                      StaffSchema, StaffUpdateSchema, TokenPairSchema, TotpCodeSchema,
                      TotpSetupSchema, WeChatLoginSchema)

bp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in, tokens and staff accounts.")


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/auth/wechat/login", methods=["POST"])
@access.public
@limiter.limit(_login_limit)
@bp.arguments(WeChatLoginSchema)
@bp.response(200, PersonLoginResultSchema)
def wechat_login(body):
    """求职者通过微信小程序登录（code2Session）"""
    tokens, account, created = persons.login_person(body["code"])
    db.session.commit()
    return {**tokens, "account": account, "new_account": created}


@bp.route("/auth/wechat/phone", methods=["POST"])
@access.person
@limiter.limit(_login_limit)
@bp.arguments(PhoneBindSchema)
@bp.response(200, PersonAccountSchema)
def bind_phone(body):
    """绑定微信手机号（一次性手机号授权码）"""
    account = persons.bind_phone(current_person_account(), body["code"],
                                 body["privacy_notice_version"])
    db.session.commit()
    return account


@bp.route("/auth/staff/login", methods=["POST"])
@access.public
@limiter.limit(_login_limit)
@bp.arguments(StaffLoginSchema)
@bp.response(200, StaffLoginResultSchema)
def staff_login(body):
    """工作人员用户名密码登录（可选动态验证码）"""
    tokens, account = staff_ops.login_staff(body["username"], body["password"], body["totp_code"])
    db.session.commit()
    return {**tokens, "staff": account}


@bp.route("/auth/refresh", methods=["POST"])
@access.public
@limiter.limit(_login_limit)
@bp.arguments(RefreshSchema)
@bp.response(200, TokenPairSchema)
def refresh(body):
    """用刷新令牌换取新的令牌（刷新令牌只能使用一次）"""
    tokens = sessions.refresh_session(body["refresh_token"])
    db.session.commit()
    return tokens


def _logout():
    sessions.revoke_session(g.auth_session, "logout")
    db.session.commit()
    return "", 204


@bp.route("/auth/staff/logout", methods=["POST"])
@access.staff()
@bp.response(204)
def staff_logout():
    """工作人员退出登录（服务端失效）"""
    return _logout()


@bp.route("/auth/wechat/logout", methods=["POST"])
@access.person
@bp.response(204)
def person_logout():
    """求职者退出登录（服务端失效）"""
    return _logout()


@bp.route("/auth/staff/me", methods=["GET"])
@access.staff()
@bp.response(200, StaffSchema)
def staff_me():
    """当前工作人员"""
    return current_staff()


@bp.route("/auth/wechat/me", methods=["GET"])
@access.person
@bp.response(200, PersonAccountSchema)
def person_me():
    """当前求职者账号"""
    return current_person_account()


@bp.route("/auth/staff/password", methods=["POST"])
@access.staff()
@bp.arguments(PasswordChangeSchema)
@bp.response(204)
def change_password(body):
    """修改密码（所有设备需重新登录）"""
    staff_ops.change_password(current_staff(), body["old_password"], body["new_password"])
    db.session.commit()
    return "", 204


@bp.route("/auth/staff/totp/setup", methods=["POST"])
@access.staff()
@bp.response(200, TotpSetupSchema)
def totp_setup():
    """开始设置动态验证码（TOTP）"""
    result = staff_ops.begin_totp_setup(current_staff())
    db.session.commit()
    return result


@bp.route("/auth/staff/totp/enable", methods=["POST"])
@access.staff()
@bp.arguments(TotpCodeSchema)
@bp.response(204)
def totp_enable(body):
    """输入动态验证码以启用双因素登录"""
    staff_ops.enable_totp(current_staff(), body["code"])
    db.session.commit()
    return "", 204


@bp.route("/staff", methods=["GET"])
@access.staff("staff.manage")
@bp.arguments(StaffListArgs, location="query")
@bp.response(200, StaffSchema(many=True))
def list_staff(args):
    """本辖区工作人员列表"""
    return staff_ops.list_staff(current_staff(), args["page"], args["per_page"])


def _pending(result):
    """A grant that waits for a second security admin answers 202 with the request."""
    return jsonify(StaffGrantSchema().dump(result)), 202


@bp.route("/staff", methods=["POST"])
@access.staff("staff.manage")
@bp.arguments(StaffCreateSchema)
@bp.response(201, StaffSchema)
@bp.alt_response(202, schema=StaffGrantSchema,
                 description="a role that reads or decides on persons: waiting for approval")
def create_staff(body):
    """在本辖区内创建工作人员账号（可查看或办理人员信息的角色须另一名安全管理员批准）"""
    result = staff_ops.create_staff(current_staff(), **body)
    db.session.commit()
    return _pending(result) if isinstance(result, StaffGrantRequest) else result


@bp.route("/staff/<id:staff_id>", methods=["PATCH"])
@access.staff("staff.manage")
@bp.arguments(StaffUpdateSchema)
@bp.response(200, StaffSchema)
@bp.alt_response(202, schema=StaffGrantSchema,
                 description="a grant that widens power: waiting for approval")
def update_staff(body, staff_id):
    """修改工作人员的角色、辖区、服务站或停用（原有登录全部失效；不能修改自己的；
    扩大权限的须另一名安全管理员批准）"""
    caller = current_staff()
    account = get_in_scope(StaffAccount, caller, staff_id)
    result = staff_ops.update_staff(caller, account, **body)
    db.session.commit()
    return _pending(result) if isinstance(result, StaffGrantRequest) else result


@bp.route("/staff/grants", methods=["GET"])
@access.staff("staff.manage")
@bp.arguments(StaffGrantListArgs, location="query")
@bp.response(200, StaffGrantSchema(many=True))
def list_grants(args):
    """本辖区待批准的授权申请"""
    return grants.list_pending_grants(current_staff(), args["page"], args["per_page"])


@bp.route("/staff/grants/<id:grant_id>/approve", methods=["POST"])
@access.staff("staff.manage")
@bp.response(200, StaffGrantSchema)
def approve_grant(grant_id):
    """批准授权申请（须为申请人以外的安全管理员；只生效一次）"""
    grant = grants.approve_grant(current_staff(), grant_id)
    db.session.commit()
    return grant


@bp.route("/staff/grants/<id:grant_id>/reject", methods=["POST"])
@access.staff("staff.manage")
@bp.response(200, StaffGrantSchema)
def reject_grant(grant_id):
    """驳回授权申请（申请人也可撤回）"""
    grant = grants.reject_grant(current_staff(), grant_id)
    db.session.commit()
    return grant
