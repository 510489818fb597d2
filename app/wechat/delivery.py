"""What to do after one delivery attempt: the retry policy, per WeChat error code.

Pure (no Flask, no database); the worker applies the Decision. See WECHAT.md "Error codes":

| answer | action | WeChat quota we keep |
| --- | --- | --- |
| ok | sent | the reservation is used |
| 43101 (no subscription left) | SMS fallback, never retried on WeChat | zeroed |
| 40003 (openid unknown to this app) | SMS fallback, like "no openid" | returned |
| 47003, 40037, 41030 (our data/config) | failed, never retried; fix and requeue | returned |
| -1, 45009, 45011, token still bad, HTTP 5xx, timeout, unknown code | retry with backoff | kept for the retry |
| ... the same after max attempts | SMS fallback | returned |

The gateway has already refreshed the token and retried once on 40001/42001 before an
error reaches this module.
"""
import random
from dataclasses import dataclass

WECHAT = "wechat"
SMS = "sms"

SENT = "sent"
RETRY = "retry"
FALLBACK = "fallback"
FAILED = "failed"

NO_RETRY_FAIL = frozenset({47003, 40037, 41030})
NO_RETRY_FALLBACK = {43101: "zero", 40003: "refund"}

# Seconds before the first retry, doubled each time (capped), with "equal jitter".
BASE_DELAY = {-1: 5.0, 45011: 60.0, 45009: 1800.0}
DEFAULT_BASE_DELAY = 10.0
MAX_DELAY = 3600.0


@dataclass(frozen=True)
class Decision:
    action: str  # sent | retry | fallback | failed
    reason: str | None = None  # stable word kept on the message (last_error/fallback_reason)
    delay: float = 0.0  # seconds until the retry
    quota: str = "keep"  # what happens to a held WeChat quota: use | refund | zero | keep


def backoff(attempt, base=DEFAULT_BASE_DELAY, rng=random):
    """Delay before retry number `attempt` (1-based): half fixed, half random (equal jitter),
    so that workers that failed together do not come back together."""
    delay = min(MAX_DELAY, base * 2 ** max(0, attempt - 1))
    return delay / 2 + rng.uniform(0, delay / 2)


def decide_wechat(errcode, failed, attempts, max_attempts, rng=random):
    """Decision after WeChat attempt number `attempts` on this message.

    `failed` False means WeChat accepted the message; errcode None with failed True means no
    answer (timeout, connection error, HTTP 5xx).
    """
    if not failed:
        return Decision(SENT, quota="use")
    if errcode in NO_RETRY_FALLBACK:
        return Decision(FALLBACK, f"wechat_{errcode}", quota=NO_RETRY_FALLBACK[errcode])
    if errcode in NO_RETRY_FAIL:
        return Decision(FAILED, f"wechat_{errcode}", quota="refund")
    if attempts >= max_attempts:
        return Decision(FALLBACK, "wechat_retries_exhausted", quota="refund")
    reason = "wechat_unavailable" if errcode is None else f"wechat_{errcode}"
    return Decision(RETRY, reason, backoff(attempts, BASE_DELAY.get(errcode, DEFAULT_BASE_DELAY),
                                           rng))


def decide_sms(code, failed, retryable, attempts, max_attempts, rng=random):
    """Decision after SMS attempt number `attempts`; `code` is the provider's error code."""
    if not failed:
        return Decision(SENT)
    reason = f"sms_{code}"[:64] if code else "sms_unavailable"
    if not retryable:
        return Decision(FAILED, reason)
    if attempts >= max_attempts:
        return Decision(FAILED, "sms_retries_exhausted")
    return Decision(RETRY, reason, backoff(attempts, rng=rng))


def route(channel, openid, has_quota, has_phone):
    """The channel for the next attempt: (channel, fallback reason) or (None, failure reason).

    WeChat needs an openid and a quota for the template; otherwise SMS, which needs a phone.
    """
    if channel == WECHAT:
        if not openid:
            channel, reason = SMS, "no_openid"
        elif not has_quota:
            channel, reason = SMS, "no_quota"
        else:
            return WECHAT, None
    else:
        reason = None
    if not has_phone:
        return None, f"{reason}_no_phone" if reason else "no_phone"
    return SMS, reason
