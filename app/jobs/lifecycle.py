"""Recommendation lifecycle and decline reasons. Pure: no Flask, no database.

recommended -> viewed -> applied -> interviewed -> hired
any state before hired -> declined (with a reason code)

The person views, applies and declines; staff record the interview and the hire (and may
record a decline the person told them about). A decline of a suitable offer for a personal
reason counts towards the local rule (RULES.md Tracking): three such refusals flag the
person for staff follow-up.
"""
from enum import StrEnum

from app.core.i18n import N_


class RecStatus(StrEnum):
    RECOMMENDED = "recommended"
    VIEWED = "viewed"
    APPLIED = "applied"
    INTERVIEWED = "interviewed"
    HIRED = "hired"
    DECLINED = "declined"


STATUS_LABELS = {
    RecStatus.RECOMMENDED: N_("已推荐"),
    RecStatus.VIEWED: N_("已查看"),
    RecStatus.APPLIED: N_("已报名"),
    RecStatus.INTERVIEWED: N_("已面试"),
    RecStatus.HIRED: N_("已录用"),
    RecStatus.DECLINED: N_("已婉拒"),
}

# action -> (states it may start from, state it leads to, who may take it)
ACTIONS = {
    "view": ((RecStatus.RECOMMENDED,), RecStatus.VIEWED, "person"),
    "apply": ((RecStatus.RECOMMENDED, RecStatus.VIEWED), RecStatus.APPLIED, "person"),
    "interview": ((RecStatus.APPLIED,), RecStatus.INTERVIEWED, "staff"),
    "hire": ((RecStatus.APPLIED, RecStatus.INTERVIEWED), RecStatus.HIRED, "staff"),
    "decline": ((RecStatus.RECOMMENDED, RecStatus.VIEWED, RecStatus.APPLIED,
                 RecStatus.INTERVIEWED), RecStatus.DECLINED, "either"),
}

# Reasons a person gives for declining. "personal" ones count towards the flag; the others
# say the offer did not fit after all (or the employer said no) and do not.
DECLINE_REASONS = {
    "not_interested": (N_("不感兴趣"), True),
    "family": (N_("家庭原因"), True),
    "salary": (N_("薪资不满意"), True),
    "hours": (N_("工作时间不合适"), True),
    "distance": (N_("路程太远"), True),
    "health": (N_("身体原因不适合"), False),
    "found_other": (N_("已找到其他工作"), False),
    "employer_rejected": (N_("用人单位未录用"), False),
    "other": (N_("其他原因"), True),
}
PERSONAL_REASONS = tuple(code for code, (_, personal) in DECLINE_REASONS.items() if personal)
FLAG_AFTER_DECLINES = 3


def sources_of(action):
    """The states an action may start from (KeyError for an unknown action)."""
    return ACTIONS[action][0]


def target_of(action):
    return ACTIONS[action][1]


def counts_towards_flag(suitable, reason):
    """A decline counts when the offer was suitable and the reason was personal."""
    return bool(suitable) and reason in PERSONAL_REASONS
