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
import logging
import os
import random
import socket
import time
from datetime import timedelta

from sqlalchemy import select, update

from app.accounts.models import PersonAccount
from app.core.clock import utcnow
from app.core.wechat import WeChatError
from app.extensions import db

from . import delivery
from .claiming import Claiming
from .delivery import FAILED, FALLBACK, RETRY, SENT, SMS, WECHAT, Decision
from .models import MessageStatus
from .outbox_sql import (INSERT_ATTEMPT, MARK_IN_FLIGHT, MESSAGES, RECORD_OUTCOME, REFUND_QUOTA,
                         ZERO_QUOTA, safe_errmsg)
from .sms import SmsError
from .worker_types import Plan, Result, WorkerSettings

log = logging.getLogger(__name__)


class Worker(Claiming):
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
