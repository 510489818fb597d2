"""Claiming and recovery of outbox rows, the first part of the push worker (the design,
leases and the in-flight window are described in app.wechat.worker)."""
import json
import logging
import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import insert, select, update

from app.accounts.models import PersonAccount
from app.extensions import db

from .delivery import WECHAT
from .models import MessageStatus
from .outbox_sql import ATTEMPTS, MESSAGES, REFUND_QUOTA, TAKE_QUOTA, lock_quotas
from .worker_types import Claimed

log = logging.getLogger(__name__)


class Claiming:
    """Mixed into Worker: uses its settings, clock and id."""


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
