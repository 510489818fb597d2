"""Two-person rule for staff grants (issue 12): a grant that reads or decides on persons waits
in staff_grant_requests until a second security admin approves or rejects it, exactly once.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Conflict
from app.core.models import get_in_scope, subtree_codes
from app.extensions import db

from .models import StaffAccount, StaffGrantRequest
from .staff import (add_account, apply_changes, check_grant_scope, check_username_free,
                    grant_changes, refuse)

PENDING = "pending"


def _in_caller_subtree(caller):
    """Requests whose resulting region, and whose account's present region, are the caller's."""
    subtree = subtree_codes(caller.region_code)
    return (StaffGrantRequest.region_code.in_(subtree),
            or_(StaffGrantRequest.staff_id.is_(None), StaffAccount.region_code.in_(subtree)))


def list_pending_grants(caller, page=1, per_page=20):
    query = (select(StaffGrantRequest)
             .outerjoin(StaffAccount, StaffAccount.id == StaffGrantRequest.staff_id)
             .where(StaffGrantRequest.status == PENDING, *_in_caller_subtree(caller))
             .order_by(StaffGrantRequest.id)
             .limit(per_page).offset((page - 1) * per_page))
    return db.session.scalars(query).all()


def _decide(grant, caller, status):
    """Guarded update: only the first decision on a pending request takes effect; a second
    one (or a concurrent one, which waits for the row lock) finds it no longer pending."""
    decided = db.session.execute(
        update(StaffGrantRequest)
        .where(StaffGrantRequest.id == grant.id, StaffGrantRequest.status == PENDING)
        .values(status=status, decided_by=caller.id, decided_at=utcnow(), password_hash=None)
        .execution_options(synchronize_session=False)).rowcount
    if decided != 1:
        raise Conflict("staff.grant_decided", _l("该授权申请已处理"), {"id": grant.id})
    password_hash = grant.password_hash
    db.session.refresh(grant)
    return password_hash


def approve_grant(caller, grant_id):
    """A second security admin approves: the grant takes effect once, checked in their scope."""
    grant = get_in_scope(StaffGrantRequest, caller, grant_id)
    if grant.requested_by == caller.id:
        refuse("staff.grant_approve", "staff_grant_request", grant.id, "staff.grant_own_request",
               _l("不能批准自己提出的授权申请，须由另一名安全管理员批准"))
    if grant.staff_id == caller.id:
        refuse("staff.grant_approve", "staff_grant_request", grant.id, "staff.self_change",
               _l("不能批准对自己账号的授权"))
    password_hash = _decide(grant, caller, "approved")
    if grant.kind == "create":
        check_username_free(grant.username)
        check_grant_scope(caller, grant.region_code, grant.station_id)  # the approver's too
        staff = add_account(grant.username, grant.display_name, password_hash, grant.role,
                            grant.region_code, grant.station_id, grant_id=grant.id)
        grant.staff_id = staff.id
    else:
        staff = get_in_scope(StaffAccount, caller, grant.staff_id)
        changes = grant_changes(caller, staff, grant.role, grant.region_code, grant.station_id,
                                grant.active)
        apply_changes(staff, changes, grant_id=grant.id)
    record("staff.grant_approved", "staff_grant_request", grant.id,
           details={"kind": grant.kind, "staff_id": grant.staff_id,
                    "requested_by": grant.requested_by})
    db.session.flush()
    return grant


def reject_grant(caller, grant_id):
    """Another security admin rejects (or the requester withdraws): nothing takes effect."""
    grant = get_in_scope(StaffGrantRequest, caller, grant_id)
    _decide(grant, caller, "rejected")
    record("staff.grant_rejected", "staff_grant_request", grant.id,
           details={"kind": grant.kind, "staff_id": grant.staff_id,
                    "withdrawn": grant.requested_by == caller.id})
    return grant
