"""The push worker (`flask push worker`): delivers the outbox through WeChat, or SMS.

Claiming. A worker claims a batch of due rows in one short transaction: one UPDATE over a
materialized `SELECT ... FOR UPDATE SKIP LOCKED` (on PostgreSQL, so concurrent workers take
disjoint rows without waiting) sets them `sending` with a random claim token and a lease.
The same transaction reserves the WeChat quota of every row that will go by WeChat and
does not hold one yet (`quota_held`, as a retry holds it), a few statements per batch
rather than one per message; then it commits. Every later write to a claimed row is
guarded by `claim_token = <ours>`, so a worker that lost its claim (stalled past its lease)
can neither send nor record anything; a quota reserved for a row stays with the row (the
worker that takes it over uses it; a graceful stop returns it). Subscription rows are
locked in (account, template) order wherever several are locked in one transaction (see
lock_quotas), so claims, releases, expiry and the subscription report never deadlock.
SQLite has no row locks: run one worker there (the token guard still keeps a second one
from double-claiming, but writers would queue on the database lock).

The in-flight window, and the choice made. WeChat has no idempotency key and no way to
ask whether a message arrived, so a send whose answer was never recorded cannot be told
apart from one that never left: exactly-once is impossible and we choose AT MOST ONCE for
that one message. Each message goes through two commits:

  1. begin: pick the channel (a quota reserved at claim: WeChat) and set `in_flight_at`
     (commit);
  2. the HTTP call (no transaction open);
  3. outcome: status, attempt row, quota adjustment (committed together with step 1 of
     the next message, so one commit per message).

A worker killed (SIGKILL) at any moment leaves:
- claimed rows not yet begun (`in_flight_at` NULL): nothing was sent; when the lease
  expires any worker puts them back to `queued` and they are sent once. Nothing lost.
- at most ONE row that was begun but whose outcome is not committed: its send may or may
  not have reached WeChat. When the lease expires it becomes `unknown`, with an attempt
  row saying so; it is never resent automatically (a duplicate would burn the person's
  next one-time subscription and repeat e.g. a decision notice). It is not lost either:
  it is visible in the message status, counted by `flask push stats`, and an operator can
  resend it with `flask push requeue --unknown`. The window is kept small: nothing but
  building the request happens between the step-1 commit and the bytes going out, so a
  row marked `unknown` has usually arrived (bench/push_bench.py reports how many did).
If the killed worker's answer still arrives later (it was only stalled), it is recorded.

Timeouts are different: the spec asks to retry them, so a send that timed out is retried
(bounded, with jitter) although WeChat may have received it; the quota reserved for it is
kept for the retry, so our count stays right either way.

Commit latency (PostgreSQL). The worker's bookkeeping commits run with
`synchronous_commit = off` (PUSH_ASYNC_COMMIT, default on): a commit returns without
waiting for the WAL flush, which roughly halves the time between the begin commit and the
request going out (the window where a SIGKILL leaves an `unknown` row that never left) and
takes a sixth off each send. The cost is paid only if PostgreSQL itself crashes: the last
few hundred milliseconds of bookkeeping may be forgotten, which rolls those rows back to
claimed/queued, so they are sent again (possible duplicates) -- never lost. Enqueueing is
not affected: it commits with the caller's transaction, synchronously.

Leases: PUSH_LEASE_SECONDS must exceed the longest delivery (token fetch + send + one
retry, each bounded by WECHAT_TIMEOUT / SMS_TIMEOUT); the worker refuses to start
otherwise. Expired leases are recovered by every worker at start and every lease/2 s.

Rate limit: see app.wechat.ratelimit (per worker, or shared through Redis).

Send windows: a message with `expires_at` (a campaign's not_after) is never claimed at or
after that moment; a row claimed just before is checked again when its send begins, and
every recovery pass marks the queued rows whose window closed `expired` (a quota held for
a retry is given back).
"""
import json
import logging
import os
import random
import re
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, tuple_, update

from app.accounts.models import PersonAccount
from app.core.clock import utcnow
from app.core.wechat import WeChatError
from app.extensions import db

from . import delivery
from .delivery import FAILED, FALLBACK, RETRY, SENT, SMS, WECHAT, Decision
from .models import MessageStatus, PushAttempt, PushMessage, PushSubscription
from .sms import SmsError

log = logging.getLogger(__name__)

MESSAGES = PushMessage.__table__
ATTEMPTS = PushAttempt.__table__
SUBSCRIPTIONS = PushSubscription.__table__
_DIGITS = re.compile(r"\d{7,}")


def _p(name):
    return bindparam(f"p_{name}")


# The hot path runs prebuilt statements with bound parameters on the batch's connection:
# nothing to construct or cache-key per message (a large share of the worker's CPU).
# Run for a batch at claim, on subscription rows locked beforehand (quota >= count).
TAKE_QUOTA = (update(SUBSCRIPTIONS)
              .where(SUBSCRIPTIONS.c.person_account_id == _p("account_id"),
                     SUBSCRIPTIONS.c.template_id == _p("template_id"))
              .values(quota=SUBSCRIPTIONS.c.quota - _p("count"), updated_at=_p("now")))
REFUND_QUOTA = (update(SUBSCRIPTIONS)
                .where(SUBSCRIPTIONS.c.person_account_id == _p("account_id"),
                       SUBSCRIPTIONS.c.template_id == _p("template_id"))
                .values(quota=SUBSCRIPTIONS.c.quota + 1, updated_at=_p("now")))
ZERO_QUOTA = (update(SUBSCRIPTIONS)
              .where(SUBSCRIPTIONS.c.person_account_id == _p("account_id"),
                     SUBSCRIPTIONS.c.template_id == _p("template_id"))
              .values(quota=0, updated_at=_p("now")))
MARK_IN_FLIGHT = (update(MESSAGES)
                  .where(MESSAGES.c.id == _p("id"), MESSAGES.c.claim_token == _p("token"),
                         MESSAGES.c.status == MessageStatus.SENDING,
                         MESSAGES.c.in_flight_at.is_(None))
                  .values(in_flight_at=_p("now"), attempt_count=_p("attempt_count"),
                          channel=_p("channel"), quota_held=_p("quota_held"),
                          channel_attempts=_p("channel_attempts"),
                          fallback_reason=_p("fallback_reason"), lease_until=_p("lease"),
                          updated_at=_p("now")))
# Guarded by the claim token only: a row recovery marked `unknown` still takes the answer.
RECORD_OUTCOME = (update(MESSAGES)
                  .where(MESSAGES.c.id == _p("id"), MESSAGES.c.claim_token == _p("token"))
                  .values(status=_p("status"), channel=_p("channel"),
                          channel_attempts=_p("channel_attempts"),
                          fallback_reason=_p("fallback_reason"), last_error=_p("last_error"),
                          quota_held=_p("quota_held"), next_attempt_at=_p("next_attempt_at"),
                          sent_at=_p("sent_at"), provider_message_id=_p("provider_message_id"),
                          in_flight_at=None, claim_token=None, lease_until=None,
                          updated_at=_p("now")))
INSERT_ATTEMPT = insert(ATTEMPTS).inline()  # inline: no RETURNING of the new id


def lock_quotas(conn, pairs):
    """Lock the subscription rows of these (account id, template id) pairs; {pair: quota}.

    Every transaction that locks several subscription rows takes them in this order,
    (account, template) as the database sorts them (the subscription report too), so two
    of them never wait for each other in a cycle.
    """
    key = tuple_(SUBSCRIPTIONS.c.person_account_id, SUBSCRIPTIONS.c.template_id)
    return {(r.person_account_id, r.template_id): r.quota for r in conn.execute(
        select(SUBSCRIPTIONS.c.person_account_id, SUBSCRIPTIONS.c.template_id,
               SUBSCRIPTIONS.c.quota)
        .where(key.in_(sorted(pairs)))
        .order_by(SUBSCRIPTIONS.c.person_account_id, SUBSCRIPTIONS.c.template_id)
        .with_for_update())}


def safe_errmsg(text):
    """Provider text for an attempt row: one line, no long digit runs (phones, ids), short."""
    if text is None:
        return None
    return _DIGITS.sub("[n]", " ".join(str(text).split()))[:200]


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


class Worker:
    def __init__(self, gateway, sms, catalog, settings, limiter, clock=utcnow, rng=random,
                 worker_id=None):
        self.gateway = gateway
        self.sms = sms
        self.catalog = catalog
        self.settings = settings
        self.limiter = limiter
        self.clock = clock
        self.rng = rng
        self.id = worker_id or f"{socket.gethostname()[:40]}:{os.getpid()}"
        self.stopping = False
        self.counts = {"sent": 0, "retry": 0, "fallback": 0, "failed": 0}
        self._last_recovery = None

    # ------------------------------------------------------------------ loop

    def run(self, once=False):
        """Deliver until stopped (SIGTERM/SIGINT), or with once=True until nothing is due."""
        log.info("push worker %s started (batch %s, lease %ss)", self.id,
                 self.settings.batch_size, self.settings.lease_seconds)
        while not self.stopping:
            self._recover_if_due()
            batch = self.claim()
            if batch:
                self.deliver(batch)
                continue
            if once:
                break
            time.sleep(self.settings.poll_seconds)
        log.info("push worker %s stopped: %s", self.id, self.counts)
        return dict(self.counts)

    def stop(self, *_):
        self.stopping = True

    def _recover_if_due(self):
        now = time.monotonic()
        if self._last_recovery is None or \
                now - self._last_recovery >= self.settings.lease_seconds / 2:
            self._last_recovery = now
            self.recover_expired()
            self.expire_overdue()

    # ------------------------------------------------------------------ claim / recover

    def claim(self, limit=None):
        """Take up to `limit` due messages for this worker under a lease, reserve their
        WeChat quotas; commit."""
        now = self.clock()
        token = uuid.uuid4().hex
        accounts = PersonAccount.__table__
        queued = MESSAGES.c.status == MessageStatus.QUEUED
        due = (select(MESSAGES.c.id)
               .where(queued, MESSAGES.c.next_attempt_at <= now,
                      MESSAGES.c.expires_at.is_(None) | (MESSAGES.c.expires_at > now))
               .order_by(MESSAGES.c.next_attempt_at, MESSAGES.c.id)
               .limit(limit or self.settings.batch_size)
               .with_for_update(skip_locked=True)
               # materialized: the locking subquery runs once, whatever the plan
               .cte("due").prefix_with("MATERIALIZED", dialect="postgresql"))
        with db.engine.begin() as conn:
            claimed = conn.execute(
                update(MESSAGES).where(MESSAGES.c.id == due.c.id, queued)
                .values(status=MessageStatus.SENDING, claim_token=token, claimed_by=self.id,
                        lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                        in_flight_at=None, updated_at=now)).rowcount
            if not claimed:
                return []
            rows = conn.execute(
                select(MESSAGES.c.id, MESSAGES.c.kind, MESSAGES.c.template_id, MESSAGES.c.page,
                       MESSAGES.c.payload, MESSAGES.c.channel, MESSAGES.c.channel_attempts,
                       MESSAGES.c.attempt_count, MESSAGES.c.quota_held,
                       MESSAGES.c.fallback_reason, MESSAGES.c.person_account_id,
                       MESSAGES.c.expires_at, accounts.c.openid, accounts.c.active)
                .join(accounts, accounts.c.id == MESSAGES.c.person_account_id)
                .where(MESSAGES.c.claim_token == token)
                .order_by(MESSAGES.c.next_attempt_at, MESSAGES.c.id)).all()
            batch = [Claimed(id=r.id, token=token, kind=r.kind, template_id=r.template_id,
                             page=r.page, payload=json.loads(r.payload), channel=r.channel,
                             channel_attempts=r.channel_attempts, attempt_count=r.attempt_count,
                             quota_held=r.quota_held, fallback_reason=r.fallback_reason,
                             account_id=r.person_account_id, openid=r.openid, active=r.active,
                             expires_at=r.expires_at)
                     for r in rows]
            self._reserve_quotas(conn, batch, now)
        return batch

    @staticmethod
    def _reserve_quotas(conn, batch, now):
        """Reserve one WeChat quota for each row of the batch that will go by WeChat and
        holds none, in claim order while the person's quota lasts; the others will find
        `quota_held` false at begin and go by SMS (no_quota), as before."""
        wanted = [item for item in batch
                  if item.channel == WECHAT and item.openid and item.active
                  and not item.quota_held
                  and (item.expires_at is None or item.expires_at > now)]
        if not wanted:
            return
        left = lock_quotas(conn, {(item.account_id, item.template_id) for item in wanted})
        taken = Counter()
        for item in wanted:
            pair = (item.account_id, item.template_id)
            if left.get(pair, 0) > taken[pair]:
                taken[pair] += 1
                item.quota_held = True
        if not taken:
            return
        conn.execute(TAKE_QUOTA, [
            {"p_account_id": account_id, "p_template_id": template_id, "p_count": count,
             "p_now": now} for (account_id, template_id), count in sorted(taken.items())])
        conn.execute(update(MESSAGES)
                     .where(MESSAGES.c.id.in_([item.id for item in wanted if item.quota_held]))
                     .values(quota_held=True))

    def recover_expired(self):
        """Rows whose worker vanished: unstarted ones back to queued, in-flight ones unknown."""
        now = self.clock()
        expired = (MESSAGES.c.status == MessageStatus.SENDING) & (MESSAGES.c.lease_until < now)
        with db.engine.begin() as conn:
            requeued, lost = self._recover(conn, expired, now)
        if requeued or lost:
            log.warning("push: recovered expired leases: %s requeued, %s unknown (ids %s)",
                        requeued, len(lost), [row.id for row in lost][:20])
        return requeued, len(lost)

    def expire_overdue(self):
        """Queued rows whose send window closed become `expired` (never sent); returns how many."""
        now = self.clock()
        overdue = (MESSAGES.c.status == MessageStatus.QUEUED) & (MESSAGES.c.expires_at <= now)
        with db.engine.begin() as conn:
            held = conn.execute(
                select(MESSAGES.c.id, MESSAGES.c.person_account_id, MESSAGES.c.template_id)
                .where(overdue, MESSAGES.c.quota_held.is_(True))
                .order_by(MESSAGES.c.person_account_id, MESSAGES.c.template_id)  # see lock_quotas
                .with_for_update(skip_locked=True)).all()
            for row in held:  # a quota held for a retry that will not happen goes back
                if conn.execute(update(MESSAGES).where(MESSAGES.c.id == row.id, overdue)
                                .values(status=MessageStatus.EXPIRED,
                                        last_error="window_closed", quota_held=False,
                                        updated_at=now)).rowcount:
                    conn.execute(REFUND_QUOTA, {"p_account_id": row.person_account_id,
                                                "p_template_id": row.template_id,
                                                "p_now": now})
            count = len(held) + conn.execute(
                update(MESSAGES).where(overdue)
                .values(status=MessageStatus.EXPIRED, last_error="window_closed",
                        updated_at=now)).rowcount
        if count:
            log.info("push: %s message(s) expired unsent (send window closed)", count)
        return count

    @staticmethod
    def _recover(conn, expired, now):
        requeued = conn.execute(
            update(MESSAGES).where(expired, MESSAGES.c.in_flight_at.is_(None))
            .values(status=MessageStatus.QUEUED, claim_token=None, claimed_by=None,
                    lease_until=None, updated_at=now)).rowcount
        lost = conn.execute(
            update(MESSAGES).where(expired, MESSAGES.c.in_flight_at.is_not(None))
            .values(status=MessageStatus.UNKNOWN, last_error="worker_lost_in_flight",
                    quota_held=False, lease_until=None, updated_at=now)
            .returning(MESSAGES.c.id, MESSAGES.c.attempt_count, MESSAGES.c.channel,
                       MESSAGES.c.claimed_by, MESSAGES.c.in_flight_at)).all()
        for row in lost:
            conn.execute(insert(ATTEMPTS).values(
                message_id=row.id, attempt_no=row.attempt_count, channel=row.channel,
                worker=row.claimed_by, started_at=row.in_flight_at, finished_at=None,
                result="unknown", errcode="worker_lost",
                errmsg="worker stopped while the send was in flight; not resent (may have "
                       "arrived); requeue to send again"))
        return requeued, lost

    def release(self, batch):
        """Give back claimed rows this worker will not start (graceful stop), with the
        quotas they hold (the next claim reserves again)."""
        tokens = {item.token for item in batch}
        if not tokens:
            return 0
        now = self.clock()
        unstarted = (MESSAGES.c.claim_token.in_(tokens),
                     MESSAGES.c.status == MessageStatus.SENDING,
                     MESSAGES.c.in_flight_at.is_(None))
        back = {"status": MessageStatus.QUEUED, "claim_token": None, "claimed_by": None,
                "lease_until": None, "updated_at": now}
        with db.engine.begin() as conn:
            held = conn.execute(
                update(MESSAGES).where(*unstarted, MESSAGES.c.quota_held.is_(True))
                .values(quota_held=False, **back)
                .returning(MESSAGES.c.person_account_id, MESSAGES.c.template_id)).all()
            if held:
                lock_quotas(conn, {tuple(row) for row in held})
                conn.execute(REFUND_QUOTA, [
                    {"p_account_id": account_id, "p_template_id": template_id, "p_now": now}
                    for account_id, template_id in held])
            return len(held) + conn.execute(update(MESSAGES).where(*unstarted)
                                            .values(**back)).rowcount

    # ------------------------------------------------------------------ one batch

    def deliver(self, batch):
        """Send each claimed message; one commit per message (see the module docstring).

        One connection for the batch, used in "commit as you go" style: no transaction is
        open while a request is on the wire, and no pool checkout per message.
        """
        lease = timedelta(seconds=self.settings.lease_seconds)
        renew_at = self.clock() + lease / 2
        with db.engine.connect() as conn:
            async_commit = self.settings.async_commit and conn.dialect.name == "postgresql"
            if async_commit:
                conn.exec_driver_sql("SET synchronous_commit TO off")
                conn.commit()
            try:
                pending = None
                for item in batch:
                    if self.stopping:
                        break
                    pending = self._throttle(conn, pending)
                    if pending is not None:
                        self._record_outcome(conn, *pending)
                        pending = None
                    if self.clock() >= renew_at:  # a slow batch keeps its unstarted rows
                        renew_at = self._renew_lease(conn, item.token, lease)
                    plan = self._begin(conn, item)  # commits, with the previous outcome
                    if plan is not None:
                        pending = (plan, self._send(plan))
                if pending is not None:
                    self._record_outcome(conn, *pending)
                    conn.commit()
            finally:
                if async_commit:  # the connection goes back to the pool as it came
                    conn.rollback()
                    conn.exec_driver_sql("RESET synchronous_commit")
                    conn.commit()
        if self.stopping:
            self.release(batch)

    def _renew_lease(self, conn, token, lease):
        """Extend the lease of this batch's rows not yet begun (committed with the next
        begin); returns when to renew again."""
        now = self.clock()
        conn.execute(update(MESSAGES)
                     .where(MESSAGES.c.claim_token == token,
                            MESSAGES.c.status == MessageStatus.SENDING,
                            MESSAGES.c.in_flight_at.is_(None))
                     .values(lease_until=now + lease))
        return now + lease / 2

    def _throttle(self, conn, pending):
        while True:
            wait = self.limiter.try_acquire()
            if wait <= 0:
                return pending
            if pending is not None:  # do not keep an answer uncommitted while we wait
                self._record_outcome(conn, *pending)
                conn.commit()
                pending = None
            time.sleep(min(wait, 1.0))

    # ------------------------------------------------------------------ step 1: begin

    def _begin(self, conn, item):
        """Choose the channel, mark in flight; commit. None: no send."""
        now = self.clock()
        if not item.active:
            self._finish_without_send(conn, item, now, "recipient_inactive")
            return None
        if item.expires_at is not None and now >= item.expires_at:
            self._finish_without_send(conn, item, now, "window_closed",
                                      status=MessageStatus.EXPIRED)
            return None
        has_quota = item.quota_held  # reserved at claim, or held since a retry
        phone = None
        if item.channel == WECHAT and item.openid and has_quota:
            channel, reason = WECHAT, None
        else:
            phone = conn.scalar(select(PersonAccount.__table__.c.phone)
                                .where(PersonAccount.__table__.c.id == item.account_id))
            channel, reason = delivery.route(item.channel, item.openid, has_quota, bool(phone))
        if channel is None:
            self._finish_without_send(conn, item, now, reason)
            return None
        channel_attempt = (item.channel_attempts if channel == item.channel else 0) + 1
        marked = conn.execute(MARK_IN_FLIGHT, {
            "p_id": item.id, "p_token": item.token, "p_now": now,
            "p_attempt_count": item.attempt_count + 1, "p_channel": channel,
            "p_quota_held": has_quota and channel == WECHAT,
            "p_channel_attempts": channel_attempt,
            "p_fallback_reason": reason or item.fallback_reason,
            "p_lease": now + timedelta(seconds=self.settings.lease_seconds)}).rowcount == 1
        if not marked:  # a quota it holds stays with the row, for whoever took it over
            conn.commit()
            log.warning("push message %s: claim lost before sending; skipped", item.id)
            return None
        if item.quota_held and channel != WECHAT:  # held for a retry, now going by SMS
            conn.execute(REFUND_QUOTA, self._quota_key(item, now))
        conn.commit()
        item.fallback_reason = reason or item.fallback_reason
        return Plan(item=item, channel=channel, attempt_no=item.attempt_count + 1,
                    channel_attempt=channel_attempt, started_at=now, phone=phone)

    @staticmethod
    def _quota_key(item, now):
        return {"p_account_id": item.account_id, "p_template_id": item.template_id,
                "p_now": now}

    def _guard(self, item):
        return (MESSAGES.c.id == item.id, MESSAGES.c.claim_token == item.token,
                MESSAGES.c.status == MessageStatus.SENDING)

    def _finish_without_send(self, conn, item, now, reason, status=MessageStatus.FAILED):
        done = conn.execute(
            update(MESSAGES).where(*self._guard(item))
            .values(status=status, last_error=reason, quota_held=False,
                    claim_token=None, lease_until=None, updated_at=now)).rowcount == 1
        if done:
            if item.quota_held:
                conn.execute(REFUND_QUOTA, self._quota_key(item, now))
            conn.execute(INSERT_ATTEMPT, {
                "message_id": item.id, "attempt_no": item.attempt_count, "channel": item.channel,
                "worker": self.id, "started_at": now, "finished_at": now,
                "result": str(status), "errcode": reason, "errmsg": None})
            self.counts["failed"] += 1
            log.info("push message %s %s without a send: %s", item.id, status, reason)
        conn.commit()

    # ------------------------------------------------------------------ step 2: send

    def _send(self, plan):
        """The HTTP call. No transaction is open; nothing here raises."""
        item = plan.item
        try:
            if plan.channel == WECHAT:
                answer = self.gateway.send_subscribe_message(
                    item.openid, item.template_id, item.payload["data"], page=item.page,
                    miniprogram_state=self.settings.miniprogram_state)
                return Result(ok=True, provider_id=str(answer.get("msgid") or ""))
            kind = self.catalog.get(item.kind)
            if kind is None:
                return Result(ok=False, code="unknown_kind", retryable=False)
            sent = self.sms.send(plan.phone, kind.sms_template_code, item.payload["sms"],
                                 out_id=item.id)
            return Result(ok=True, provider_id=sent.message_id)
        except WeChatError as exc:
            return Result(ok=False, code=exc.errcode, errmsg=exc.errmsg)
        except SmsError as exc:
            return Result(ok=False, code=exc.code, errmsg=exc.message, retryable=exc.retryable)
        except Exception as exc:  # noqa: BLE001 - a bug must not strand the message in flight
            log.error("push message %s: unexpected %s while sending", item.id,
                      type(exc).__name__)
            return Result(ok=False, code=None, errmsg=type(exc).__name__)

    # ------------------------------------------------------------------ step 3: outcome

    def decide(self, plan, result):
        if plan.channel == WECHAT:
            return delivery.decide_wechat(result.code, not result.ok, plan.channel_attempt,
                                          self.settings.max_attempts, self.rng)
        return delivery.decide_sms(result.code, not result.ok, result.retryable,
                                   plan.channel_attempt, self.settings.max_attempts, self.rng)

    def _record_outcome(self, conn, plan, result):
        """Apply the decision for one answer (in the open transaction; caller commits)."""
        item, now = plan.item, self.clock()
        decision = self.decide(plan, result)
        values = self._outcome_values(plan, decision, result, now)
        if conn.execute(RECORD_OUTCOME, values).rowcount != 1:
            # an operator requeued it meanwhile: their decision stands
            log.warning("push message %s: outcome arrived after the claim ended", item.id)
            return
        if plan.channel == WECHAT and decision.quota in ("refund", "zero"):
            conn.execute(REFUND_QUOTA if decision.quota == "refund" else ZERO_QUOTA,
                         self._quota_key(item, now))
        conn.execute(INSERT_ATTEMPT, {
            "message_id": item.id, "attempt_no": plan.attempt_no, "channel": plan.channel,
            "worker": self.id, "started_at": plan.started_at, "finished_at": now,
            "result": decision.action, "errcode": None if result.ok else str(result.code),
            "errmsg": None if result.ok else safe_errmsg(result.errmsg)})
        self.counts[decision.action] += 1
        if decision.action != SENT:
            log.info("push message %s via %s: %s (%s)", item.id, plan.channel,
                     decision.action, decision.reason)

    @staticmethod
    def _outcome_values(plan, decision: Decision, result, now):
        """Every column RECORD_OUTCOME sets, for the decision."""
        item = plan.item
        values = {"p_id": item.id, "p_token": item.token, "p_now": now,
                  "p_channel": plan.channel, "p_channel_attempts": plan.channel_attempt,
                  "p_fallback_reason": item.fallback_reason, "p_last_error": decision.reason,
                  "p_quota_held": False, "p_next_attempt_at": now, "p_sent_at": None,
                  "p_provider_message_id": None}
        if decision.action == SENT:
            values.update(p_status=MessageStatus.SENT, p_sent_at=now,
                          p_provider_message_id=result.provider_id or None)
        elif decision.action == RETRY:
            values.update(p_status=MessageStatus.QUEUED, p_quota_held=plan.channel == WECHAT,
                          p_next_attempt_at=now + timedelta(seconds=decision.delay))
        elif decision.action == FALLBACK:
            values.update(p_status=MessageStatus.QUEUED, p_channel=SMS, p_channel_attempts=0,
                          p_fallback_reason=decision.reason)
        else:
            assert decision.action == FAILED
            values.update(p_status=MessageStatus.FAILED)
        return values


def build_worker(app, batch_size=None, clock=utcnow):
    """A worker wired to this app's gateway, SMS provider, catalog and rate limit."""
    from .ratelimit import build_rate_limiter
    from .sms import build_sms_provider
    settings = WorkerSettings.from_config(app.config, batch_size)
    longest = 3 * float(app.config["WECHAT_TIMEOUT"]) + float(app.config["SMS_TIMEOUT"])
    if settings.lease_seconds <= longest + 5:
        raise RuntimeError(f"PUSH_LEASE_SECONDS must exceed {longest + 5:.0f}s (timeouts)")
    return Worker(app.extensions["wechat"], build_sms_provider(app.config),
                  app.extensions["push_catalog"], settings, build_rate_limiter(app.config),
                  clock=clock)
