"""The console blueprint, its page rendering and its error pages.

Pages are server-rendered Jinja templates over the same service functions the API calls;
htmx (vendored in static/vendor/htmx) swaps parts of a page when JavaScript runs, and every
form also works as a plain POST without it. An htmx request (header HX-Request) gets the
fragment only; any other request the whole page.
"""
import logging

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from flask_babel import gettext, lazy_gettext as _l

from app.core.clock import DISPLAY_TZ, as_utc
from app.core.errors import AppError
from app.core.http import HTTP_ERRORS, SERVER_ERROR
from app.core.i18n import Renderable
from app.core.masking import mask_id_number, mask_name, mask_phone

from .formkeys import form_key
from .session import SignInRequired, csrf_token, may, secret_key_for

log = logging.getLogger(__name__)
bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")

NAV = [("console.today", _l("今日待办"), None),
       ("console.applications", _l("认定申请"), "application.read"),
       ("console.people", _l("人员"), "person.read"),
       ("console.scan", _l("扫码"), "code.resolve"),
       ("console.statistics", _l("统计"), "stats.read"),
       ("console.trail", _l("审计日志"), "audit.read"),
       ("console.region_settings", _l("地区设置"), "certification.configure"),
       ("console.calendar", _l("节假日安排"), "calendar.manage"),
       ("console.lists", _l("部门名单"), "partners.read_imports"),
       ("console.staff_accounts", _l("账号管理"), "staff.manage"),
       ("console.catalog", _l("政策目录"), "policy.publish"),
       ("console.campaign_list", _l("专项推送"), "campaign.manage")]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def is_htmx():
    return request.headers.get("HX-Request") == "true"


def page(template, fragment=None, *, code=200, **context):
    """The whole page, or only `fragment` (a template of the page's swappable part) when
    htmx asked for it."""
    name = fragment if fragment and is_htmx() else template
    return render_template(f"console/{name}", **context), code


@bp.app_context_processor
def _helpers():
    return {"csrf_token": csrf_token, "form_key": form_key, "may": may, "nav": NAV, "staff": g.get("staff")}


def _render_text(value):
    """Rule data's reasons may be `Text` (app.core.i18n): rendered in the caller's locale."""
    return value.render(gettext) if isinstance(value, Renderable) else value


def _beijing(moment):
    return as_utc(moment).astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


EMPLOYMENT_LABELS = {"unemployed": _l("失业"), "employed": _l("就业"), "flexible": _l("灵活就业"),
                     "self_employed": _l("自主创业"), "student": _l("在校学生"),
                     "retired": _l("退休")}

FILTERS = {"employment": lambda code: EMPLOYMENT_LABELS.get(code, code) if code else "—","mask_name": mask_name, "mask_id": mask_id_number, "mask_phone": mask_phone,
           "text": _render_text, "bj": _beijing,
           "reject_page": lambda args: {k: v for k, v in args.items() if k != "page"}}
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


@bp.after_request
def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(SignInRequired)
def _sign_in(exc):
    target = url_for("console.login", next=request.full_path if request.method == "GET"
                     else None)
    if is_htmx():
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


@bp.errorhandler(AppError)
def _error(exc):
    from app.extensions import db
    db.session.rollback()
    return page("error.html", "error_fragment.html", code=exc.status, error=exc)


@bp.errorhandler(HTTPException)
def _http_error(exc):
    """Framework errors (405, 413, a bad id in the path) as a page, in the API's words."""
    code, message = HTTP_ERRORS.get(exc.code, SERVER_ERROR)
    return _error(AppError(code, message, status=exc.code or 500))


@bp.errorhandler(Exception)
def _unexpected(exc):
    log.exception("unhandled error in the console")
    return _error(AppError(*SERVER_ERROR, status=500))


def init_console(app):
    """Bind the console to the app: its cookie's signing key and its views."""
    app.secret_key = secret_key_for(app.config)
    from . import (applications, calendar, campaigns, catalog, contacts, lists,  # noqa: F401
                   pages, people, regionsettings, register, staffadmin, statistics,
                   trail)  # (routes on bp)
    app.register_blueprint(bp)
