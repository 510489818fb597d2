"""Campaigns (专项推送) for region admins: the campaigns of their subtree with their send
counts, and a new one for a segment in a send window. The API's campaign service checks
and creates it (app.campaigns.services.create_campaign); the background job expands and
sends it as it does for the API's. The form shows the chosen message kind's fields, so it
works without JavaScript: choosing another kind reloads the form."""
from datetime import datetime

from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.campaigns import services as campaigns
from app.campaigns.models import PersonStatus
from app.certification.settings import current_rules
from app.core.clock import DISPLAY_TZ, utcnow
from app.core.errors import AppError, ValidationFailed
from app.extensions import db
from app.wechat.services import catalog

from .base import bp, page
from .formkeys import once
from .session import signed_in

STATUS_LABELS = {"certified": _l("已认定人员"), "applied": _l("认定申请办理中的人员"),
                 "exited": _l("已退出认定的人员"), "any": _l("全部已注册人员")}
WANTS_LABELS = {"job": _l("求职"), "startup": _l("创业"), "training": _l("培训")}
HOLIDAYS = {"new_year": _l("元旦"), "spring_festival": _l("春节"),
            "helping_disabled_day": _l("全国助残日")}
RUN_LABELS = {"scheduled": _l("待发送"), "expanding": _l("发送中"), "queued": _l("已全部排队"),
              "expired": _l("已过期")}
DEFAULT_KIND = "campaign_invitation"


def _kind(name):
    kinds = catalog().kinds
    return kinds.get(name) or kinds.get(DEFAULT_KIND) or next(iter(kinds.values()))


def _choice(name, choices, code, message):
    value = request.form.get(name, "")
    if value and value not in choices:
        raise ValidationFailed(code, message, {"field": name})
    return value or None


def _moment(name, label):
    """A Beijing date and time from a datetime-local field."""
    try:
        moment = datetime.fromisoformat(request.form.get(name, "").strip()[:16])
    except ValueError:
        raise ValidationFailed("console.campaign_time",
                               _l("请填写%(label)s（年-月-日 时:分）", label=label),
                               {"field": name}) from None
    return moment.replace(tzinfo=DISPLAY_TZ)


def campaign_form():
    """The form as create_campaign's arguments (the service checks the rest)."""
    form = request.form
    kind = _kind(form.get("kind", ""))
    title = form.get("title", "").strip()
    if not 1 <= len(title) <= 64:
        raise ValidationFailed("console.campaign_title", _l("请填写活动名称（最多64字）"),
                               {"field": "title"})
    status = _choice("person_status", STATUS_LABELS, "console.campaign_status",
                     _l("请选择推送对象")) or PersonStatus.CERTIFIED.value
    return {"title": title, "kind": kind.name,
            "values": {f.name: form.get(f"value_{f.name}", "").strip()[:200]
                       for f in kind.fields if form.get(f"value_{f.name}", "").strip()},
            "region_code": form.get("region_code", "").strip()[:12],
            "person_status": PersonStatus(status),
            "category": _choice("category", _categories(), "console.campaign_category",
                                _l("请选择人员类别")),
            "wants": _choice("wants", WANTS_LABELS, "console.campaign_wants", _l("请选择需求")),
            "holiday": _choice("holiday", HOLIDAYS, "console.campaign_holiday", _l("请选择节日节点")),
            "not_before": _moment("not_before", _l("开始发送时间")),
            "not_after": _moment("not_after", _l("停止发送时间"))}


def _categories():
    labels = {c["code"]: c["label"] for c in current_rules().categories}
    return {code: labels.get(code, code) for code in campaigns.CATEGORIES}


def campaigns_page(code=200, **context):
    typed = context.pop("typed", None) or {}
    kind = _kind(typed.get("kind") or request.args.get("kind", ""))
    now = utcnow().astimezone(DISPLAY_TZ).replace(second=0, microsecond=0, tzinfo=None)
    return page("campaigns.html", code=code,
                listing=campaigns.list_campaigns(g.staff, page=1, per_page=50),
                kinds=catalog().kinds, kind=kind, typed=typed, statuses=STATUS_LABELS,
                categories=_categories(), wants=WANTS_LABELS, holidays=HOLIDAYS,
                runs=RUN_LABELS, done=request.args.get("done", ""),
                default_start=now.isoformat(timespec="minutes"), **context)


@bp.route("/campaigns", methods=["GET"])
@signed_in("campaign.manage")
def campaign_list():
    """The campaigns of the subtree with their counts, and the new-campaign form."""
    return campaigns_page()


@bp.route("/campaigns", methods=["POST"])
@signed_in("campaign.manage")
@once
def campaign_create():
    """Create a campaign; the background job sends it within its window."""
    try:
        campaign = campaigns.create_campaign(g.staff, **campaign_form())
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (404, 409, 422):
            raise
        return campaigns_page(code=exc.status, error=exc, typed=request.form.to_dict())
    db.session.commit()
    return redirect(url_for("console.campaign_list", done=campaign.id), 303)
