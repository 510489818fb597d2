"""Region settings (地区设置): certification deadlines, the help loop's numbers and the
subsidy review deadlines of a region of the admin's subtree. The API's schemas give the
allowed ranges and its settings services read, store and audit; the console only turns the
form into the API's body and says in Chinese which field is out of range."""
from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from app.certification import settings as cert_settings
from app.certification.schemas import SettingsSchema
from app.core.errors import AppError, ValidationFailed
from app.core.regions import get_region, list_children, requested_region
from app.extensions import db
from app.money import settings as money_settings
from app.money.schemas import MoneySettingsSchema
from app.tracking import settings as tracking_settings
from app.tracking.schemas import TrackingSettingsSchema

from .base import bp, page
from .formkeys import once
from .session import signed_in

# area: (service module, API input schema, permission, title, field labels)
AREAS = {
    "certification": (cert_settings, SettingsSchema, "certification.configure", _l("认定办理时限"), {
        "station_days": _l("服务站初审（工作日）"), "township_days": _l("苏木乡镇（街道）审核（工作日）"),
        "county_days": _l("旗县区审批（工作日）"), "notice_enabled": _l("认定结果须公示"),
        "notice_days": _l("公示期（工作日）"), "recheck_months": _l("认定复核周期（月）")}),
    "tracking": (tracking_settings, TrackingSettingsSchema, "tracking.configure", _l("跟踪帮扶标准"), {
        "adaptation_months": _l("适应期回访（就业后第几个月）"),
        "stability_months": _l("稳定期回访（就业后第几个月）"),
        "expiry_days": _l("政策到期前评估（天）"), "response_days": _l("求助答复时限（工作日）"),
        "services_required": _l("零就业家庭服务次数"), "offers_per_service": _l("每次服务推荐岗位数"),
        "refusals_as_no_wish": _l("因个人原因拒绝岗位次数（可视为无就业意愿）")}),
    "money": (money_settings, MoneySettingsSchema, "money.configure", _l("补贴审核时限"), {
        "station_check_days": _l("服务站核查（工作日）"), "county_approve_days": _l("旗县区审批（工作日）"),
        "finance_confirm_days": _l("财政确认（工作日）"), "finance_confirm": _l("须财政部门确认")}),
}


def _range(field):
    """(min, max) of the API schema's Range on an integer field (settings are small counts)."""
    bounds = next((v for v in field.validators if isinstance(v, validate.Range)), None)
    return (bounds.min, bounds.max) if bounds else (0, 999)


def form_body(area):
    """The form as the API's PUT body; a number out of the API's range is refused here with
    its Chinese label (marshmallow's own messages are English)."""
    _, schema, _, _, labels = AREAS[area]
    body = {}
    for name, field in schema().fields.items():
        if isinstance(field, fields.Boolean):
            body[name] = bool(request.form.get(name))
            continue
        raw = request.form.get(name, "").strip()[:6]
        low, high = _range(field)
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValidationFailed("console.settings_range",
                                   _l("「%(label)s」须为%(min)s至%(max)s之间的整数",
                                      label=labels[name], min=low, max=high),
                                   {"field": name})
        body[name] = value
    try:
        return schema().load(body)
    except ValidationError as exc:  # the API's own check, should the two ever differ
        raise ValidationFailed("request.invalid", _l("提交的内容有误，请检查后重试"),
                               {"fields": sorted(exc.messages)}) from None


def _region_code():
    code = request.args.get("region", "").strip()[:12] or None
    return requested_region(g.staff, code)


def settings_page(region_code, code=200, **context):
    """The three forms for one region, each with the values that apply there now."""
    region = get_region(region_code)
    current = {area: AREAS[area][0].settings_in_scope(g.staff, region_code) for area in AREAS}
    return page("settings.html", code=code, region=region, areas=AREAS, current=current,
                children=list_children(region_code), **context)


@bp.route("/settings", methods=["GET"])
@signed_in("certification.configure")
def region_settings():
    """A region's settings (the admin's own region unless another of the subtree is named)."""
    return settings_page(_region_code(), saved=request.args.get("saved", ""))


def save_settings(area, region_code):
    """Save one area's settings for a region of the subtree (the API's service, audited)."""
    region_code = requested_region(g.staff, region_code[:12])
    try:
        AREAS[area][0].update_settings(g.staff, region_code, form_body(area))
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (409, 422):
            raise
        return settings_page(region_code, code=exc.status, failed=area, error=exc,
                             typed=request.form)
    db.session.commit()
    return redirect(url_for("console.region_settings", region=region_code, saved=area) +
                    f"#h-{area}", 303)


def _submit_view(area):
    """One POST route per area, each declaring the API's permission for that PUT."""
    def view(region_code):
        return save_settings(area, region_code)
    view.__name__ = f"settings_{area}_submit"
    view.__doc__ = f"Save the {area} settings of a region."
    bp.add_url_rule(f"/settings/{area}/<region_code>", view.__name__,
                    signed_in(AREAS[area][2])(once(view)), methods=["POST"])


for _area in AREAS:
    _submit_view(_area)
