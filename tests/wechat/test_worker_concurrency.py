"""Several workers, lost leases and killed workers: nothing lost, nothing sent twice.

The fake WeChat counts what it received; each message carries its number in the page query
so that a duplicate shows as the same number twice.
"""
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.core.clock import utcnow
from app.core.wechat import WeChatGateway
from app.extensions import db
from app.wechat.models import PushAttempt, PushMessage, PushSubscription
from app.wechat.services import enqueue_message, requeue_message
from app.wechat.tokens import build_token_storage
from app.wechat.worker import build_worker
from tests.conftest import APPID, SECRET
from tests.support.database import is_sqlite
from tests.support.servers import REPO_ROOT, child_env
from tests.wechat.conftest import message, quota

SEND = "/cgi-bin/message/subscribe/send"
TMPL = "demo-tmpl-job-recommendation"
VALUES = {"job": "保洁员", "employer": "新城区物业服务中心", "salary": "2500-3000元/月",
          "location": "呼和浩特市新城区"}


def grant(person, count, db_session):
    """`count` one-time grants at WeChat and in our table (beyond the API's per-call cap)."""
    person.wechat.grant_subscription(person.openid, TMPL, count)
    db_session.add(PushSubscription(person_account_id=person.account_id, template_id=TMPL,
                                    quota=count, accepted_total=count, last_result="accept",
                                    updated_at=utcnow()))
    db_session.commit()


def enqueue_many(person, count):
    ids = [enqueue_message("job_recommendation", person.account_id, VALUES,
                           dedupe_key=f"job:{n}", page_query={"n": n}).id
           for n in range(count)]
    db.session.commit()
    return ids


def delivered_numbers(wechat):
    return Counter(parse_qs(urlsplit(m["page"]).query)["n"][0]
                   for m in wechat.messages()["messages"])


def statuses(db_session):
    db_session.expire_all()
    return dict(db_session.execute(select(PushMessage.status, func.count())
                                   .group_by(PushMessage.status)).all())


def own_gateway(app):
    """What a separate worker process has: its own HTTP client and token storage object."""
    return WeChatGateway(APPID, SECRET, app.config["WECHAT_API_BASE"], timeout=2.0,
                         session_storage=build_token_storage(app.config))


def test_two_workers_racing_never_send_twice(fresh_app, person, db_session, wechat):
    if is_sqlite(fresh_app):
        pytest.skip("SQLite has no row locks (SKIP LOCKED): one worker is the supported setup")
    total = 300
    grant(person, total, db_session)
    enqueue_many(person, total)
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        with fresh_app.app_context():
            try:
                built = build_worker(fresh_app, batch_size=5)
                built.gateway = own_gateway(fresh_app)
                built.id = f"racer-{threading.get_ident()}"
                barrier.wait()
                results.append((built.id, built.run(once=True)))
            except Exception as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    numbers = delivered_numbers(wechat)
    assert len(numbers) == total and set(numbers.values()) == {1}
    assert statuses(db_session) == {"sent": total}
    sent_by = [counts["sent"] for _, counts in results]
    assert sum(sent_by) == total and min(sent_by) > 0, sent_by  # both really took part
    assert db_session.scalar(select(func.count()).select_from(PushAttempt)) == total
    assert quota(db_session, person.account_id, TMPL) == 0


def test_a_worker_that_lost_its_lease_sends_nothing(fresh_app, person, db_session, wechat):
    grant(person, 2, db_session)
    [message_id] = enqueue_many(person, 1)
    stalled = build_worker(fresh_app)
    batch = stalled.claim()
    assert [item.id for item in batch] == [message_id]
    # the stalled worker's lease runs out; another worker recovers the row and sends it
    other = build_worker(fresh_app, clock=lambda: utcnow() + timedelta(minutes=5))
    other.gateway = own_gateway(fresh_app)
    assert other.run(once=True)["sent"] == 1
    stalled.deliver(batch)  # wakes up: its claim is gone
    assert delivered_numbers(wechat) == {"0": 1}
    assert message(db_session, message_id).status == "sent"
    assert quota(db_session, person.account_id, TMPL) == 1  # one grant used, by the row


def test_a_late_answer_after_recovery_is_recorded(fresh_app, person, db_session, wechat):
    grant(person, 1, db_session)
    [message_id] = enqueue_many(person, 1)
    slow = build_worker(fresh_app)
    [item] = slow.claim()
    with db.engine.connect() as conn:
        plan = slow._begin(conn, item)  # in flight ...
        recovering = build_worker(fresh_app, clock=lambda: utcnow() + timedelta(minutes=5))
        assert recovering.recover_expired() == (0, 1)
        assert message(db_session, message_id).status == "unknown"
        slow._record_outcome(conn, plan, slow._send(plan))  # ... and its answer arrives
        conn.commit()
    row = message(db_session, message_id)
    assert row.status == "sent"
    results = [a.result for a in db_session.scalars(
        select(PushAttempt).where(PushAttempt.message_id == message_id).order_by(PushAttempt.id))]
    assert results == ["unknown", "sent"]
    assert delivered_numbers(wechat) == {"0": 1}


def test_graceful_stop_gives_back_unstarted_rows(fresh_app, person, db_session):
    grant(person, 3, db_session)
    enqueue_many(person, 3)
    built = build_worker(fresh_app)
    batch = built.claim()
    assert statuses(db_session) == {"sending": 3}
    built.stop()
    built.deliver(batch)  # stopping: sends nothing, releases the claims
    assert statuses(db_session) == {"queued": 3}
    assert quota(db_session, person.account_id, TMPL) == 3


def start_worker_process(app, *args):
    env = child_env(APP_ENV="testing", TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                    WECHAT_API_BASE=app.config["WECHAT_API_BASE"], WECHAT_APPID=APPID,
                    WECHAT_SECRET=SECRET, WECHAT_TIMEOUT="10", PUSH_LEASE_SECONDS="60")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "push", "worker",
                             *args], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(condition, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_in_the_send_window_loses_nothing_and_sends_nothing_twice(
        fresh_app, person, db_session, wechat):
    """The worst moment: WeChat has the request, the worker dies before committing."""
    grant(person, 5, db_session)
    ids = enqueue_many(person, 5)
    wechat.inject_fault(SEND, "delay:2")  # WeChat holds the first send for 2 s, then takes it
    process = start_worker_process(fresh_app, "--once", "--batch", "10")
    try:
        def in_flight():
            db_session.expire_all()
            return db_session.scalar(select(func.count()).select_from(PushMessage).where(
                PushMessage.in_flight_at.is_not(None))) == 1
        wait_for(in_flight, what="a send in flight")
        wait_for(lambda: wechat.stats()["calls"].get(SEND) == 1, what="WeChat to get it")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert statuses(db_session) == {"sending": 5}  # claimed, one in flight, none recorded
    wait_for(lambda: wechat.messages()["total"] == 1, what="the held send to arrive")

    after_lease = build_worker(fresh_app, clock=lambda: utcnow() + timedelta(minutes=2))
    counts = after_lease.run(once=True)
    assert counts["sent"] == 4
    assert statuses(db_session) == {"sent": 4, "unknown": 1}
    numbers = delivered_numbers(wechat)
    assert len(numbers) == 5 and set(numbers.values()) == {1}  # nothing lost, nothing twice
    [unknown] = [i for i in ids if message(db_session, i).status == "unknown"]
    assert message(db_session, unknown).last_error == "worker_lost_in_flight"
    assert quota(db_session, person.account_id, TMPL) == 0


def test_an_operator_may_requeue_an_unknown_message(fresh_app, person, db_session, wechat):
    grant(person, 2, db_session)
    [message_id] = enqueue_many(person, 1)
    slow = build_worker(fresh_app)
    [item] = slow.claim()
    with db.engine.connect() as conn:
        slow._begin(conn, item)  # then the worker dies
    build_worker(fresh_app, clock=lambda: utcnow() + timedelta(minutes=5)).recover_expired()
    requeue_message(message_id)
    db.session.commit()
    assert build_worker(fresh_app).run(once=True)["sent"] == 1
    assert message(db_session, message_id).status == "sent"
    from app.audit.models import AuditEntry
    assert db_session.scalar(select(AuditEntry).where(
        AuditEntry.action == "push.message_requeued")).target_id == str(message_id)


def test_a_slow_batch_renews_the_lease_of_its_waiting_rows(fresh_app, person, db_session):
    """deliver() renews at half the lease; here: what a renewal touches."""
    grant(person, 2, db_session)
    first, second = enqueue_many(person, 2)
    built = build_worker(fresh_app)
    batch = built.claim()
    claimed_until = message(db_session, second).lease_until
    with db.engine.connect() as conn:
        built._begin(conn, batch[0])  # the first is on the wire: its own lease was renewed
        built.clock = lambda: utcnow() + timedelta(seconds=45)
        built._renew_lease(conn, batch[1].token, timedelta(seconds=60))
        conn.commit()
    assert message(db_session, second).lease_until >= claimed_until + timedelta(seconds=40)
    assert message(db_session, first).in_flight_at is not None
    assert message(db_session, first).lease_until < claimed_until + timedelta(seconds=40)
