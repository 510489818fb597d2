"""The retry / fallback policy per WeChat error code (pure: no Flask, no database)."""
import random

import pytest

from app.wechat.delivery import (FAILED, FALLBACK, MAX_DELAY, RETRY, SENT, SMS, WECHAT,
                                 backoff, decide_sms, decide_wechat, route)


@pytest.mark.parametrize("errcode, action, quota", [
    (43101, FALLBACK, "zero"),
    (40003, FALLBACK, "refund"),
    (47003, FAILED, "refund"),
    (40037, FAILED, "refund"),
    (41030, FAILED, "refund"),
    (-1, RETRY, "keep"),
    (45009, RETRY, "keep"),
    (45011, RETRY, "keep"),
    (40001, RETRY, "keep"),  # still rejected after the gateway's one refresh
    (None, RETRY, "keep"),  # timeout, connection error, HTTP 5xx
    (48001, RETRY, "keep"),  # unknown codes wait and retry, bounded
])
def test_wechat_decisions(errcode, action, quota):
    decision = decide_wechat(errcode, True, attempts=1, max_attempts=6)
    assert (decision.action, decision.quota) == (action, quota)
    assert decision.reason == ("wechat_unavailable" if errcode is None else f"wechat_{errcode}")


def test_success_uses_the_quota():
    assert decide_wechat(None, False, 1, 6).action == SENT
    assert decide_wechat(None, False, 1, 6).quota == "use"


def test_retries_are_bounded_then_sms():
    decision = decide_wechat(-1, True, attempts=6, max_attempts=6)
    assert (decision.action, decision.reason, decision.quota) == (
        FALLBACK, "wechat_retries_exhausted", "refund")
    assert decide_sms("isv.BUSINESS_LIMIT_CONTROL", True, True, 6, 6).reason == \
        "sms_retries_exhausted"


def test_backoff_grows_with_jitter_and_a_cap():
    rng = random.Random(7)
    first = [backoff(1, 10, rng) for _ in range(200)]
    assert min(first) >= 5 and max(first) <= 10 and len(set(first)) > 100  # jittered
    third = [backoff(3, 10, rng) for _ in range(50)]
    assert min(third) >= 20 and max(third) <= 40
    assert all(MAX_DELAY / 2 <= backoff(30, 10, rng) <= MAX_DELAY for _ in range(20))
    # 45011 is a per-minute limit: the first retry waits at least half a minute
    assert decide_wechat(45011, True, 1, 6, rng).delay >= 30


def test_sms_decisions():
    assert decide_sms(None, False, True, 1, 6).action == SENT
    assert decide_sms("isv.MOBILE_NUMBER_ILLEGAL", True, False, 1, 6).action == FAILED
    assert decide_sms("unavailable", True, True, 1, 6).action == RETRY


@pytest.mark.parametrize("channel, openid, quota, phone, expected", [
    (WECHAT, "o1", True, False, (WECHAT, None)),
    (WECHAT, "o1", False, True, (SMS, "no_quota")),
    (WECHAT, "", True, True, (SMS, "no_openid")),
    (WECHAT, "o1", False, False, (None, "no_quota_no_phone")),
    (WECHAT, None, False, False, (None, "no_openid_no_phone")),
    (SMS, "o1", True, True, (SMS, None)),
    (SMS, "o1", True, False, (None, "no_phone")),
])
def test_routing(channel, openid, quota, phone, expected):
    assert route(channel, openid, quota, phone) == expected
