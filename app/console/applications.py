"""The applications list and one application's page, where station, township and county
staff take their step through the review services the API calls."""
from io import BytesIO

from flask import current_app, g, redirect, request, send_file, url_for
from flask_babel import lazy_gettext as _l

from app.accounts.roles import has_permission
from app.certification import evidence as evidence_ops
from app.certification import review, services
from app.certification.models import Application, Evidence
from app.certification.settings import rules_for
from app.certification.workflow import (ACTION_LEVEL, LEVEL_PERMISSION, Action, Status,
                                        acting_levels, allowed_actions)
from app.core.clock import local_today
from app.core.concurrency import retrying
from app.core.errors import ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db
from app.people.services import who

from .base import bp, page
from .formkeys import once
from .session import signed_in

PER_PAGE = 30
ACTION_LABELS = {
    Action.ACCEPT: _l("受理"), Action.STATION_PASS: _l("初审通过，报苏木乡镇（街道）"),
    Action.STATION_RETURN: _l("退回补充材料"), Action.TOWNSHIP_PASS: _l("审核通过，报旗县区"),
    Action.TOWNSHIP_RETURN: _l("退回补充材料"), Action.COUNTY_CERTIFY: _l("认定"),
    Action.COUNTY_REJECT: _l("不予认定"), Action.COUNTY_RETURN: _l("退回补充材料"),
    Action.NOTICE_CLEAR: _l("公示期满，认定生效"), Action.NOTICE_UPHOLD: _l("异议成立"),
    Action.RESUBMIT: _l("重新提交"), Action.WITHDRAW: _l("撤回"),
    "submit": _l("提交申请"), "escalate": _l("超时上报上级"),
}
RETURNS = {Action.STATION_RETURN: "station", Action.TOWNSHIP_RETURN: "township",
           Action.COUNTY_RETURN: "county"}
PASSES = {Action.ACCEPT: review.accept_application,
          Action.STATION_PASS: review.pass_station_check,
          Action.TOWNSHIP_PASS: review.pass_township_review}


def _int_arg(name, default=1, low=1, high=10_000):
    try:
        return min(max(int(request.args.get(name, default)), low), high)
    except ValueError:
        return default


@bp.route("/applications", methods=["GET"])
@signed_in("application.read")
def applications():
    """Applications in the caller's subtree, filtered by status and overdue."""
    status = request.args.get("status") or None
    if status not in {s.value for s in Status}:
        status = None
    overdue = request.args.get("overdue") == "1"
    page_no = _int_arg("page")
    items, total = services.list_applications(g.staff, status=status, overdue=overdue or None,
                                              page=page_no, per_page=PER_PAGE)
    today = local_today()
    rows = [(a, services.current_step(a, today)) for a in items]
    return page("applications.html", "applications_table.html", rows=rows, total=total,
                page_no=page_no, pages=max(1, -(-total // PER_PAGE)), status=status,
                overdue=overdue, statuses=services.STATUS_LABELS)


def my_actions(staff, application):
    """The step actions the caller could take now (the service checks again on submit)."""
    if application.entered_by_staff_id == staff.id:
        return []
    actions = []
    for action in allowed_actions(Status(application.status)):
        if ACTION_LEVEL[action] == "applicant" or action == Action.NOTICE_UPHOLD:
            continue
        levels = acting_levels(action, application.escalated_to)
        if any(has_permission(staff.role, LEVEL_PERMISSION[lvl]) for lvl in levels):
            actions.append(action)
    return actions


@bp.route("/applications/<bigid:application_id>", methods=["GET"])
@signed_in("application.read")
def application(application_id):
    """One application: person (masked), step and deadline, assessment, evidence,
    history, and the forms of the caller's step. The read is audited."""
    item = services.view_application(g.staff, application_id)
    assessment = services.assess(item.person, item)
    db.session.commit()
    rules = rules_for(item.rules_version)
    return page("application.html", application=item, person=item.person,
                step=services.current_step(item), assessment=assessment,
                actions=my_actions(g.staff, item), labels=ACTION_LABELS,
                statuses=services.STATUS_LABELS, reject_reasons=rules.reject_reasons,
                category_labels={c["code"]: c["label"] for c in rules.categories},
                evidence_kinds=rules.evidence_kinds,
                done=request.args.get("done"))


def _take_step(staff, item, action, form):
    note = form.get("note", "").strip()[:500] or None
    if action in PASSES:
        PASSES[action](staff, item, note)
    elif action in RETURNS:
        review.return_application(staff, item, RETURNS[action], note)
    elif action == Action.COUNTY_CERTIFY:
        review.certify_application(staff, item, form.getlist("categories") or None, note)
    elif action == Action.COUNTY_REJECT:
        review.reject_application(staff, item, form.get("reason", ""), note)
    elif action == Action.NOTICE_CLEAR:
        review.finalize_notice_by(staff, item)
    else:
        raise ValidationFailed("console.action_unknown", _l("不支持该操作"))


@bp.route("/applications/<bigid:application_id>/step", methods=["POST"])
@signed_in("application.review")
@once
@retrying
def application_step(application_id):
    """Take the caller's step: accept, pass, return, certify, reject (with reasons)."""
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        raise ValidationFailed("console.action_unknown", _l("不支持该操作")) from None
    item = get_in_scope(Application, g.staff, application_id)
    _take_step(g.staff, item, action, request.form)
    db.session.commit()
    return redirect(url_for("console.application", application_id=item.id, done=action.value),
                    303)


@bp.route("/evidence/<bigid:evidence_id>", methods=["GET"])
@signed_in("evidence.read")
def evidence(evidence_id):
    """One evidence file, shown inline (images) or downloaded (PDF); every read audited."""
    item = get_in_scope(Evidence, g.staff, evidence_id)
    data = evidence_ops.read_evidence(item)
    db.session.commit()
    inline = item.content_type in ("image/jpeg", "image/png")
    response = send_file(BytesIO(data), mimetype=item.content_type, as_attachment=not inline,
                         download_name=f"evidence-{item.id}.{item.content_type.rsplit('/')[-1]}")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/applications/<bigid:application_id>/evidence", methods=["POST"])
@signed_in("application.enter", body_limit="EVIDENCE_MAX_BYTES")
@once
def evidence_upload(application_id):
    """Upload a scan or photo of a paper (checked by magic bytes, re-encoded, encrypted)."""
    item = get_in_scope(Application, g.staff, application_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("console.file_required", _l("请选择要上传的文件"))
    data = upload.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1)
    evidence_ops.add_evidence(who(g.staff), item, request.form.get("kind", "")[:32],
                              upload.filename, data, upload.mimetype)
    db.session.commit()
    return redirect(url_for("console.application", application_id=item.id) + "#h-evidence", 303)
