"""The review workflow as a pure state machine: no Flask, no database.

    submitted ─accept─▶ station_check ─station_pass─▶ township_review ─township_pass─▶
    county_decision ─certify─▶ certified | public_notice ─clear─▶ certified
                    ─reject──▶ rejected              ─uphold─▶ rejected
    station/township/county ─return─▶ returned ─resubmit─▶ submitted
    any open step before the notice ─withdraw─▶ withdrawn

Each transition is one service operation (app.certification.services). Who may act is
decided here too: the step's level (or the next level up once the step is escalated),
and never the staff member who entered the application (maker-checker, SECURITY.md 11).
"""
from enum import StrEnum

from app.people.facts import LIVE_CERTIFICATION_STATUS


class Status(StrEnum):
    SUBMITTED = "submitted"
    STATION_CHECK = "station_check"
    TOWNSHIP_REVIEW = "township_review"
    COUNTY_DECISION = "county_decision"
    PUBLIC_NOTICE = "public_notice"
    CERTIFIED = "certified"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class CertificationStatus(StrEnum):
    """A certification is live until it is exited (有进有出); history keeps both."""
    ACTIVE = LIVE_CERTIFICATION_STATUS
    EXITED = "exited"


class ObjectionStatus(StrEnum):
    """An objection raised in the public notice waits for the county's decision."""
    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Action(StrEnum):
    ACCEPT = "accept"
    STATION_PASS = "station_pass"
    STATION_RETURN = "station_return"
    TOWNSHIP_PASS = "township_pass"
    TOWNSHIP_RETURN = "township_return"
    COUNTY_CERTIFY = "county_certify"
    COUNTY_REJECT = "county_reject"
    COUNTY_RETURN = "county_return"
    NOTICE_CLEAR = "notice_clear"
    NOTICE_UPHOLD = "notice_uphold"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"


OPEN = frozenset({Status.SUBMITTED, Status.STATION_CHECK, Status.TOWNSHIP_REVIEW,
                  Status.COUNTY_DECISION, Status.PUBLIC_NOTICE, Status.RETURNED})
CLOSED = frozenset(Status) - OPEN

S = Status
TRANSITIONS = {
    Action.ACCEPT: ({S.SUBMITTED}, S.STATION_CHECK),
    Action.STATION_PASS: ({S.SUBMITTED, S.STATION_CHECK}, S.TOWNSHIP_REVIEW),
    Action.STATION_RETURN: ({S.SUBMITTED, S.STATION_CHECK}, S.RETURNED),
    Action.TOWNSHIP_PASS: ({S.TOWNSHIP_REVIEW}, S.COUNTY_DECISION),
    Action.TOWNSHIP_RETURN: ({S.TOWNSHIP_REVIEW}, S.RETURNED),
    Action.COUNTY_CERTIFY: ({S.COUNTY_DECISION}, S.CERTIFIED),  # or PUBLIC_NOTICE
    Action.COUNTY_REJECT: ({S.COUNTY_DECISION}, S.REJECTED),
    Action.COUNTY_RETURN: ({S.COUNTY_DECISION}, S.RETURNED),
    Action.NOTICE_CLEAR: ({S.PUBLIC_NOTICE}, S.CERTIFIED),
    Action.NOTICE_UPHOLD: ({S.PUBLIC_NOTICE}, S.REJECTED),
    Action.RESUBMIT: ({S.RETURNED}, S.SUBMITTED),
    Action.WITHDRAW: ({S.SUBMITTED, S.STATION_CHECK, S.TOWNSHIP_REVIEW, S.COUNTY_DECISION,
                       S.RETURNED}, S.WITHDRAWN),
}

# Which level holds an application in each open status.
STEP_OF = {S.SUBMITTED: "station", S.STATION_CHECK: "station", S.TOWNSHIP_REVIEW: "township",
           S.COUNTY_DECISION: "county", S.PUBLIC_NOTICE: "notice", S.RETURNED: "applicant"}
STAFF_LEVELS = ("station", "township", "county")
# Statuses in which staff hold the application against a working-day deadline.
STAFF_STEPS = frozenset(status for status, level in STEP_OF.items() if level in STAFF_LEVELS)
NEXT_LEVEL = {"station": "township", "township": "county", "county": "city"}

ACTION_LEVEL = {
    Action.ACCEPT: "station", Action.STATION_PASS: "station", Action.STATION_RETURN: "station",
    Action.TOWNSHIP_PASS: "township", Action.TOWNSHIP_RETURN: "township",
    Action.COUNTY_CERTIFY: "county", Action.COUNTY_REJECT: "county",
    Action.COUNTY_RETURN: "county", Action.NOTICE_CLEAR: "county",
    Action.NOTICE_UPHOLD: "county",
    Action.RESUBMIT: "applicant", Action.WITHDRAW: "applicant",
}
LEVEL_PERMISSION = {"station": "application.station_check",
                    "township": "application.township_review",
                    "county": "application.county_decide",
                    "city": "application.supervise"}


class TransitionError(Exception):
    """`code` is stable: invalid_transition, maker_checker, not_permitted, staff_only,
    applicant_only."""

    def __init__(self, code, status=None, action=None):
        super().__init__(code)
        self.code, self.status, self.action = code, status, action


def allowed_actions(status):
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def target(status, action, notice_enabled=False):
    """The status after `action`, or TransitionError("invalid_transition")."""
    sources, result = TRANSITIONS[Action(action)]
    if Status(status) not in sources:
        raise TransitionError("invalid_transition", status, action)
    if action == Action.COUNTY_CERTIFY and notice_enabled:
        return Status.PUBLIC_NOTICE
    return result


def acting_levels(action, escalated_to=None):
    """Levels whose staff may take `action`: its own, plus the next one after escalation."""
    level = ACTION_LEVEL[Action(action)]
    levels = [level]
    if escalated_to and escalated_to == NEXT_LEVEL.get(level):
        levels.append(escalated_to)
    return levels


def check_staff_action(action, status, *, can, actor_id, maker_staff_id, escalated_to=None,
                       notice_enabled=False):
    """Validate a staff transition; return the new status.

    `can(permission) -> bool` answers for the acting staff member's role.
    """
    level = ACTION_LEVEL[Action(action)]
    if level == "applicant":
        raise TransitionError("applicant_only", status, action)
    new_status = target(status, action, notice_enabled)
    if maker_staff_id is not None and actor_id == maker_staff_id:
        raise TransitionError("maker_checker", status, action)
    if not any(can(LEVEL_PERMISSION[lvl]) for lvl in acting_levels(action, escalated_to)):
        raise TransitionError("not_permitted", status, action)
    return new_status


def check_applicant_action(action, status):
    if ACTION_LEVEL[Action(action)] != "applicant":
        raise TransitionError("staff_only", status, action)
    return target(status, action)
