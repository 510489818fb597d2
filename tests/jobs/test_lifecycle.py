"""The recommendation lifecycle table (pure)."""
import pytest

from app.jobs.lifecycle import (ACTIONS, DECLINE_REASONS, STATUS_LABELS, RecStatus,
                                counts_towards_flag, sources_of, target_of)


def test_every_state_is_labelled_and_hired_and_declined_are_final():
    assert set(STATUS_LABELS) == set(RecStatus)
    starts = {state for sources, _, _ in ACTIONS.values() for state in sources}
    assert RecStatus.HIRED not in starts and RecStatus.DECLINED not in starts


@pytest.mark.parametrize("action, source, target", [
    ("view", "recommended", "viewed"), ("apply", "viewed", "applied"),
    ("apply", "recommended", "applied"), ("interview", "applied", "interviewed"),
    ("hire", "interviewed", "hired"), ("decline", "applied", "declined")])
def test_allowed_steps(action, source, target):
    assert RecStatus(source) in sources_of(action) and target_of(action) == RecStatus(target)


def test_a_hire_needs_an_application_first():
    assert RecStatus.RECOMMENDED not in sources_of("hire")
    assert RecStatus.VIEWED not in sources_of("interview")


def test_only_personal_declines_of_suitable_offers_count():
    assert counts_towards_flag(True, "family") and counts_towards_flag(True, "salary")
    assert not counts_towards_flag(True, "found_other")
    assert not counts_towards_flag(True, "employer_rejected")
    assert not counts_towards_flag(False, "family")
    assert all(label for label, _ in DECLINE_REASONS.values())
