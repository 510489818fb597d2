"""The review state machine (pure), including a Hypothesis walk over random actions."""
import pytest
from hypothesis import given, settings, strategies as st

from app.accounts.roles import has_permission
from app.certification.workflow import (CLOSED, OPEN, STEP_OF, TRANSITIONS, Action, Status,
                                        TransitionError, allowed_actions, check_applicant_action,
                                        check_staff_action, target)


def can(role):
    return lambda permission: has_permission(role, permission)


def staff_step(action, status, role, actor=2, maker=None, escalated=None, notice=False):
    return check_staff_action(action, status, can=can(role), actor_id=actor,
                              maker_staff_id=maker, escalated_to=escalated,
                              notice_enabled=notice)


def test_the_happy_path():
    status = Status.SUBMITTED
    for action, role in [(Action.ACCEPT, "station_staff"), (Action.STATION_PASS, "station_staff"),
                         (Action.TOWNSHIP_PASS, "township_reviewer"),
                         (Action.COUNTY_CERTIFY, "county_officer")]:
        status = staff_step(action, status, role)
    assert status == Status.CERTIFIED


def test_certify_goes_through_the_public_notice_when_configured():
    assert staff_step(Action.COUNTY_CERTIFY, Status.COUNTY_DECISION, "county_officer",
                      notice=True) == Status.PUBLIC_NOTICE
    assert staff_step(Action.NOTICE_CLEAR, Status.PUBLIC_NOTICE, "county_officer") == \
        Status.CERTIFIED


@pytest.mark.parametrize("action,status", [
    (Action.COUNTY_CERTIFY, Status.SUBMITTED), (Action.TOWNSHIP_PASS, Status.STATION_CHECK),
    (Action.STATION_PASS, Status.CERTIFIED), (Action.RESUBMIT, Status.REJECTED),
    (Action.ACCEPT, Status.STATION_CHECK)])
def test_forbidden_transitions(action, status):
    with pytest.raises(TransitionError) as info:
        target(status, action)
    assert info.value.code == "invalid_transition"


def test_maker_cannot_check_their_own_entry():
    with pytest.raises(TransitionError) as info:
        staff_step(Action.STATION_PASS, Status.STATION_CHECK, "station_staff", actor=7, maker=7)
    assert info.value.code == "maker_checker"


def test_wrong_level_is_not_permitted_until_escalated():
    with pytest.raises(TransitionError) as info:
        staff_step(Action.STATION_PASS, Status.STATION_CHECK, "township_reviewer")
    assert info.value.code == "not_permitted"
    assert staff_step(Action.STATION_PASS, Status.STATION_CHECK, "township_reviewer",
                      escalated="township") == Status.TOWNSHIP_REVIEW
    # Escalation reaches one level up, not two.
    with pytest.raises(TransitionError):
        staff_step(Action.STATION_PASS, Status.STATION_CHECK, "county_officer",
                   escalated="township")
    assert staff_step(Action.COUNTY_REJECT, Status.COUNTY_DECISION, "city_admin",
                      escalated="city") == Status.REJECTED


def test_applicant_and_staff_actions_are_separate():
    with pytest.raises(TransitionError) as info:
        staff_step(Action.RESUBMIT, Status.RETURNED, "station_staff")
    assert info.value.code == "applicant_only"
    with pytest.raises(TransitionError) as info:
        check_applicant_action(Action.STATION_PASS, Status.SUBMITTED)
    assert info.value.code == "staff_only"
    assert check_applicant_action(Action.RESUBMIT, Status.RETURNED) == Status.SUBMITTED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), max_size=25), st.booleans())
def test_random_walks_keep_the_invariants(actions, notice):
    status, closed_seen = Status.SUBMITTED, False
    for action in actions:
        try:
            new = target(status, action, notice)
        except TransitionError:
            assert action not in allowed_actions(status)
            continue
        assert action in allowed_actions(status)
        assert not closed_seen, "a closed application moved again"
        status = new
        closed_seen = status in CLOSED
        assert status in OPEN or status in CLOSED
        if status in OPEN:
            assert status in STEP_OF
    for closed in CLOSED:
        assert allowed_actions(closed) == []


def test_every_open_status_has_a_way_out():
    for status in OPEN:
        assert allowed_actions(status), status
    assert {s for _, (sources, _) in TRANSITIONS.items() for s in sources} == set(OPEN)
