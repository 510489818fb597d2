"""The one JSON error shape: {"error": {"code", "message", "details"}}."""
import logging

from flask import jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .errors import AppError

log = logging.getLogger(__name__)

# Stable codes and Chinese messages for errors raised by the framework itself.
HTTP_ERRORS = {
    400: ("request.malformed", _l("请求格式不正确")),
    401: ("auth.required", _l("请先登录")),
    403: ("auth.forbidden", _l("没有权限执行此操作")),
    404: ("not_found", _l("请求的资源不存在")),
    405: ("request.method_not_allowed", _l("不支持该请求方法")),
    409: ("conflict", _l("操作冲突，请刷新后重试")),
    413: ("request.too_large", _l("请求内容过大")),
    415: ("request.unsupported_media_type", _l("不支持的内容类型")),
    422: ("request.invalid", _l("提交的内容有误，请检查后重试")),
    429: ("rate_limited", _l("操作过于频繁，请稍后再试")),
}
SERVER_ERROR = ("server.error", _l("服务暂时出现问题，请稍后再试"))


def error_response(status, code, message, details=None):
    body = {"error": {"code": code, "message": str(message), "details": details or {}}}
    return jsonify(body), status


def _details_of(exc):
    """Validation messages from webargs/flask-smorest, keyed by location and field."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    return {"fields": messages} if messages else {}


def handle_app_error(exc):
    return error_response(exc.status, exc.code, exc.message, exc.details)


def handle_http_exception(exc):
    code, message = HTTP_ERRORS.get(exc.code, SERVER_ERROR)
    details = _details_of(exc)
    # webargs reports an unparsable body as a list under "json" rather than per field.
    if exc.code == 400 and isinstance(details.get("fields", {}).get("json"), list):
        code, message, details = "request.malformed_json", _l("请求体不是有效的 JSON"), {}
    return error_response(exc.code or 500, code, message, details)


def handle_unexpected(exc):
    log.exception("unhandled error")
    code, message = SERVER_ERROR
    return error_response(500, code, message)


def register_error_handlers(app):
    from sqlalchemy.exc import IntegrityError

    from .conflicts import handle_integrity_error
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
