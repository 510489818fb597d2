"""The auditor's view of the audit trail: filter by action, staff member, target, result
and Beijing dates; newest first. The auditor of the whole region sees every entry; an
auditor of a smaller region sees the entries of staff members in that subtree."""
from datetime import date, datetime, timedelta

from flask import g, request
from sqlalchemy import String, cast, func, select

from app.accounts.models import StaffAccount
from app.audit.models import AuditEntry
from app.audit.services import check_audit_chain, record
from app.core.clock import DISPLAY_TZ
from app.core.models import Region, subtree_codes
from app.extensions import db

from .base import bp, page
from .session import signed_in

PER_PAGE = 50


def _date(name):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters():
    args = request.args
    return {"action": args.get("action", "").strip()[:64],
            "username": args.get("username", "").strip()[:64],
            "target_type": args.get("target_type", "").strip()[:32],
            "target_id": args.get("target_id", "").strip()[:64],
            "result": args.get("result", "").strip()[:16],
            "since": _date("since"), "until": _date("until")}


def search_trail(staff, filters, page_no=1):
    """Audit entries in the caller's scope matching `filters`; the search is audited."""
    query = select(AuditEntry)
    root = db.session.scalar(select(Region.parent_code).where(Region.code == staff.region_code))
    if root is not None:  # not the whole region: only what staff of the subtree did
        ids = select(cast(StaffAccount.id, String)).where(
            StaffAccount.region_code.in_(subtree_codes(staff.region_code)))
        query = query.where(AuditEntry.actor_type == "staff", AuditEntry.actor_id.in_(ids))
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"], autoescape=True))
    if filters["username"]:
        actor = db.session.scalar(select(StaffAccount.id).where(
            StaffAccount.username == filters["username"]))
        query = query.where(AuditEntry.actor_type == "staff",
                            AuditEntry.actor_id == str(actor if actor is not None else -1))
    for name in ("target_type", "target_id", "result"):
        if filters[name]:
            query = query.where(getattr(AuditEntry, name) == filters[name])
    if filters["since"]:
        query = query.where(AuditEntry.occurred_at >= datetime.combine(
            filters["since"], datetime.min.time(), DISPLAY_TZ))
    if filters["until"]:
        query = query.where(AuditEntry.occurred_at < datetime.combine(
            filters["until"] + timedelta(days=1), datetime.min.time(), DISPLAY_TZ))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.scalars(query.order_by(AuditEntry.seq.desc()).limit(PER_PAGE)
                                 .offset((page_no - 1) * PER_PAGE)).all()
    names = dict(db.session.execute(select(StaffAccount.id, StaffAccount.username).where(
        StaffAccount.id.in_({int(e.actor_id) for e in entries
                             if e.actor_type == "staff" and (e.actor_id or "").isdigit()}))).all())
    record("audit.searched", "audit", None,
           details={k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in filters.items() if v})
    return entries, total, names


@bp.route("/trail", methods=["GET"])
@signed_in("audit.read")
def trail():
    """The audit trail, filtered (the auditor reads; nothing here writes but the search's
    own audit entry)."""
    filters = _filters()
    try:
        page_no = max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        page_no = 1
    entries, total, names = search_trail(g.staff, filters, page_no)
    db.session.commit()
    return page("trail.html", "trail_table.html", entries=entries, total=total, names=names,
                filters=filters, page_no=page_no, pages=max(1, -(-total // PER_PAGE)))


@bp.route("/trail/verify", methods=["POST"])
@signed_in("audit.read")
def trail_verify():
    """Recompute the whole hash chain against its head and the latest checkpoint (the
    `flask audit verify` check); the first problems are listed. The check is audited."""
    problems = []
    report = check_audit_chain(lambda p: problems.append(p) if len(problems) < 20 else None)
    record("audit.verified", "audit", None,
           details={"rows": report.rows_checked, "problems": report.problem_count})
    db.session.commit()
    return page("trail_verify.html", report=report, problems=problems)
