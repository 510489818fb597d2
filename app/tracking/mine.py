"""What a person sees of their own case: the responsible staff member with the station's
phone, their open help requests and the next follow-up (mini-program, me/overview)."""
from sqlalchemy import select

from app.extensions import db

from .cases import open_case_of
from .models import FollowUp, Task
from .plans import load_plans, plan_of


def case_view(person):
    """None when the person has no open case."""
    return case_view_of(person.id)


def case_view_of(person_id):
    """The view by person id (the code views know only the id)."""
    case = open_case_of(person_id)
    if case is None:
        return None
    requests = db.session.scalars(select(Task).where(
        Task.case_id == case.id, Task.kind == "help_request", Task.status == "open")
        .order_by(Task.id)).all()
    follow_up = db.session.scalar(select(FollowUp).where(
        FollowUp.person_id == person_id, FollowUp.status.in_(["scheduled", "due"]))
        .order_by(FollowUp.due_on, FollowUp.id).limit(1))
    return {"id": case.id, "staff_name": case.staff.display_name if case.staff else None,
            "station": case.station, "needs": plan_of(load_plans(), case.needs or []),
            "open_requests": requests, "next_follow_up": follow_up}


def own_follow_up(person, follow_up_id):
    """The person's own follow-up, or None (another person's answers like a missing one)."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    return follow_up if follow_up is not None and follow_up.person_id == person.id else None
