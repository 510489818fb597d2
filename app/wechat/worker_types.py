"""What the push worker passes between claiming, sending and recording."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkerSettings:
    batch_size: int = 50
    lease_seconds: int = 60
    max_attempts: int = 6
    poll_seconds: float = 1.0
    miniprogram_state: str = "formal"
    async_commit: bool = True

    @classmethod
    def from_config(cls, config, batch_size=None):
        return cls(batch_size=batch_size or config["PUSH_BATCH_SIZE"],
                   lease_seconds=config["PUSH_LEASE_SECONDS"],
                   max_attempts=config["PUSH_MAX_ATTEMPTS"],
                   poll_seconds=config["PUSH_POLL_SECONDS"],
                   miniprogram_state=config["WECHAT_MINIPROGRAM_STATE"],
                   async_commit=config["PUSH_ASYNC_COMMIT"])


@dataclass
class Claimed:
    """A claimed row as read at claim time (ours alone while the claim holds)."""
    id: int
    token: str
    kind: str
    template_id: str
    page: str | None
    payload: dict
    channel: str
    channel_attempts: int
    attempt_count: int
    quota_held: bool
    fallback_reason: str | None
    account_id: int
    openid: str | None
    active: bool
    expires_at: object = None


@dataclass
class Plan:
    item: Claimed
    channel: str
    attempt_no: int
    channel_attempt: int
    started_at: object
    phone: str | None = field(default=None, repr=False)


@dataclass
class Result:
    ok: bool
    code: object = None  # WeChat errcode (int) or SMS provider code (str); None: no answer
    errmsg: str | None = None
    retryable: bool = True
    provider_id: str | None = None
