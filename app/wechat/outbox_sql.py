"""The outbox statements the push worker runs on its hot path, prebuilt with bound
parameters, and the one order in which subscription rows are locked (see lock_quotas)."""
import re

from sqlalchemy import bindparam, insert, select, tuple_, update

from .models import MessageStatus, PushAttempt, PushMessage, PushSubscription

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
