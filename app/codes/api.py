"""HTTP views of personal codes: the person's own code and overview, staff cards and
rotation, and the staff scan. Thin: parse, call one service, commit, serialise."""
from io import BytesIO

from flask import Response, current_app, g, send_file
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.accounts.access import access, current_person_account, current_staff
from app.core.clock import local_today
from app.core.database import commit_keeping_loaded
from app.core.idempotency import idempotent
from app.extensions import db, limiter

from . import services
from .overview import with_overview_state
from .rendered import overview_body
from .schemas import (DeviceQuerySchema, DeviceSchema, DynamicCodeSchema, OverviewSchema,
                      ResolvedSchema, ResolveSchema, RotatedSchema,
                      RotateSchema)

# Built once: a schema builds its nested schemas again on every new instance.
RESOLVED = ResolvedSchema()

bp = Blueprint("codes", __name__, url_prefix="/api/v1",
               description="One person one code: the dynamic code, printed cards, scans.")


def _per_staff_limit():
    return current_app.config["RATELIMIT_CODE_RESOLVE_STAFF"]


def _per_ip_limit():
    return current_app.config["RATELIMIT_CODE_RESOLVE_IP"]


def _staff_key():
    staff = g.get("staff")
    return f"staff:{staff.id}" if staff is not None else get_remote_address()


@bp.route("/me/code", methods=["GET"])
@access.person
@bp.arguments(DeviceQuerySchema, location="query")
@bp.response(200, DynamicCodeSchema)
def my_code(args):
    """我的就业服务码（动态码，约每30秒更新，60秒内失效）"""
    result = services.current_code(current_person_account(), args["device_id"])
    db.session.commit()
    return result


@bp.route("/me/code/devices", methods=["POST"])
@access.person
@bp.response(201, DeviceSchema)
def register_device():
    """登记本机，以便无网络时也能生成动态码（密钥只返回这一次）"""
    result = services.register_device(current_person_account())
    db.session.commit()
    response = DeviceSchema().dump(result)
    return response, 201, {"Cache-Control": "no-store"}


def _overview_day():
    g.overview_day = local_today()
    return g.overview_day


@bp.route("/me/overview", methods=["GET"])
@access.person_reading(with_overview_state(_overview_day))
@bp.response(200, OverviewSchema)
def my_overview():
    """我的概览：办理进度、下一步、可享受的政策、办理步骤和推荐岗位"""
    # The sign-in statement read the person's revision and the catalog in force too: a
    # cached overview is one statement.
    return _json(overview_body(current_person_account(), g.subject_extra, g.overview_day))


@bp.route("/codes/resolve", methods=["POST"])
@access.staff("code.resolve")
@limiter.limit(_per_staff_limit, key_func=_staff_key)
@limiter.limit(_per_ip_limit, key_func=get_remote_address)
@bp.arguments(ResolveSchema)
@bp.response(200, ResolvedSchema)
def resolve(body):
    """扫码识别就业服务码（须说明用途；辖区外只显示服务站转介信息；全程留痕）"""
    result = services.resolve(current_staff(), body["content"], body["purpose"])
    # Committed first (the audit chain's head is locked until then), written afterwards
    # from the rows already read: commit_keeping_loaded does not expire them.
    commit_keeping_loaded()
    return _json(current_app.json.dumps(RESOLVED.dump(result)).encode())


def _json(body):
    """A body rendered (or cached) by app.codes.rendered, with the schema documented above."""
    return Response(body, mimetype="application/json")


def _image(data, mimetype, name):
    response = send_file(BytesIO(data), mimetype=mimetype, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/people/<id:person_id>/code/card.png", methods=["GET"])
@access.staff("code.manage")
@bp.response(200, content_type="image/png")
def card_png(person_id):
    """打印就业服务码卡片（二维码PNG，内容为本服务网址，不含个人信息；留痕）"""
    data = services.card_image(current_staff(), person_id, "png")
    db.session.commit()
    return _image(data, "image/png", "code-card.png")


@bp.route("/people/<id:person_id>/code/card.svg", methods=["GET"])
@access.staff("code.manage")
@bp.response(200, content_type="image/svg+xml")
def card_svg(person_id):
    """打印就业服务码卡片（二维码SVG；留痕）"""
    data = services.card_image(current_staff(), person_id, "svg")
    db.session.commit()
    return _image(data, "image/svg+xml", "code-card.svg")


@bp.route("/people/<id:person_id>/code/wxacode.png", methods=["GET"])
@access.staff("code.manage")
@bp.response(200, content_type="image/png")
def card_wxacode(person_id):
    """就业服务码的微信小程序码（每个卡片版本只生成一次并缓存；留痕）"""
    data = services.wxa_image(current_staff(), person_id, current_app.extensions["wechat"])
    db.session.commit()
    return _image(data, "image/png", "code-wxacode.png")


@bp.route("/people/<id:person_id>/code/rotate", methods=["POST"])
@access.staff("code.manage")
@idempotent
@bp.arguments(RotateSchema, required=False)
@bp.response(200, RotatedSchema)
def rotate(body, person_id):
    """补办卡片：生成新版本，旧卡片和所有设备上的动态码立即失效（可注明被替换的版本，防止重复补办）"""
    code = services.rotate_code(current_staff(), person_id, body.get("version"))
    db.session.commit()
    return {"person_id": code.person_id, "status": code.status,
            "printed_version": code.printed_version}
