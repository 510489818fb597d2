"""Rate limits hold as configured across gunicorn workers (issue 12).

The real app runs under gunicorn with two worker processes on the test database (SQLite,
or PostgreSQL with TEST_DATABASE_URL), exactly as `make run` starts it, and a burst of
parallel requests larger than the limit goes at login and at the staff scan. Exactly the
configured number get through. The same burst against the per-process memory storage lets
more through: that proves the burst reaches both workers, so the test can fail.
"""
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from app.core.ratelimit import DatabaseStorage, RateLimitCounter
from app.extensions import db, limiter
from tests.builders.http import staff_token
from tests.accounts.test_rate_limit_redis import REDIS_URL, _redis_up
from tests.support.race import run_app_server

LOGIN_LIMIT = 8
SCAN_LIMIT = 12
BURST = 30


def gunicorn(app, **settings):
    """`gunicorn --workers 2 wsgi:app` on the suite's database, as `make run` starts it, with
    only the limiter storage the test asks for. --preload: both workers are forked from a
    loaded app and serve at once (else one may still be importing when the burst comes).
    Each worker still has its own limiter storage object, as under `make run`."""
    return run_app_server(
        app, workers=2, threads=1, preload=True, RATELIMIT_LOGIN=f"{LOGIN_LIMIT}/minute",
        RATELIMIT_CODE_RESOLVE_STAFF=f"{SCAN_LIMIT}/minute",
        RATELIMIT_CODE_RESOLVE_IP="1000/minute",
        **{"REDIS_URL": None, "RATELIMIT_STORAGE_URI": None, **settings})


def burst(url, bodies, headers=None):
    """POST every body in parallel; the status codes, in any order."""
    def one(body):
        return requests.post(url, json=body, headers=headers or {}, timeout=30).status_code
    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(one, bodies))


def login_burst(base_url):
    bodies = [{"username": f"nobody{i}", "password": "wrong-password"} for i in range(BURST)]
    return burst(f"{base_url}/api/v1/auth/staff/login", bodies)


def scan_burst(base_url, token):
    bodies = [{"content": f"P-not-a-code-{i}", "purpose": "employment_service"} for i in range(BURST)]
    return burst(f"{base_url}/api/v1/codes/resolve", bodies,
                 {"Authorization": f"Bearer {token}"})


def accepted(codes):
    """Requests the limiter let through (whatever the view then answered)."""
    return sum(code != 429 for code in codes)


def _clear_counters(app):
    with app.app_context():
        limiter.reset()


@pytest.fixture()
def scan_token(client, fresh_app):
    token = staff_token(client, "station_xc")
    _clear_counters(fresh_app)  # that login counted too
    return token


def test_login_limit_holds_across_two_workers(fresh_app):
    with gunicorn(fresh_app) as base_url:
        codes = login_burst(base_url)
    assert accepted(codes) == LOGIN_LIMIT, codes
    assert codes.count(429) == BURST - LOGIN_LIMIT


def test_staff_scan_limit_holds_across_two_workers(fresh_app, scan_token):
    with gunicorn(fresh_app) as base_url:
        codes = scan_burst(base_url, scan_token)
    assert accepted(codes) == SCAN_LIMIT, codes
    with fresh_app.app_context():  # counted in the database, one row per limit and caller
        keys = db.session.scalars(db.select(RateLimitCounter.key)).all()
    assert any("staff:" in key for key in keys), keys


def test_per_process_memory_storage_would_let_more_through(fresh_app):
    """The control: counted per worker, bursts pass more than the limit. (A burst may now
    and then land on one worker only; a later one reaches the other, so up to 3 bursts.)"""
    with gunicorn(fresh_app, RATELIMIT_STORAGE_URI="memory://") as base_url:
        total = 0
        for _ in range(3):
            total += accepted(login_burst(base_url))
            if total > LOGIN_LIMIT:
                break
    assert total > LOGIN_LIMIT


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on this machine")
def test_limits_hold_across_workers_with_redis(fresh_app, scan_token):
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        with gunicorn(fresh_app, REDIS_URL=REDIS_URL) as base_url:
            logins = login_burst(base_url)
            scans = scan_burst(base_url, scan_token)
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()
    assert accepted(logins) == LOGIN_LIMIT, logins
    assert accepted(scans) == SCAN_LIMIT, scans


def test_database_storage_counts_atomically_per_key_and_window(fresh_app):
    """The storage itself: counts per key, a new window after expiry, clear and reset."""
    storage = DatabaseStorage("sqldb://")
    with fresh_app.app_context():
        assert [storage.incr("k1", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.incr("k2", 60, amount=5) == 5
        assert storage.get("k1") == 3 and storage.get("missing") == 0
        assert storage.get_expiry("k1") > storage.get_expiry("missing")
        assert storage.incr("k3", 0) == 1  # a window that has already ended ...
        assert storage.incr("k3", 60) == 1  # ... starts again at the next hit
        storage.clear("k1")
        assert storage.get("k1") == 0 and storage.get("k2") == 5
        long_key = "x" * 500
        assert storage.incr(long_key, 60) == 1 and storage.incr(long_key, 60) == 2
        assert storage.check() is True
        storage.reset()
        assert storage.get("k2") == 0


def test_the_headers_come_from_the_requests_own_hit(fresh_app):
    """Within a request, get/get_expiry after a hit answer from the row the hit returned
    (the X-RateLimit headers): no second statement, and the count this request made."""
    from sqlalchemy import event
    storage = DatabaseStorage("sqldb://")
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)
    with fresh_app.test_request_context("/"):
        assert storage.incr("k", 60) == 1
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert storage.get("k") == 1 and storage.get_expiry("k") > 0
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert seen == []
        storage.clear("k")  # forgotten with the row
        assert storage.get("k") == 0
    with fresh_app.test_request_context("/"):
        assert storage.incr("k", 60) == 1 and storage.incr("k", 60) == 2
    with fresh_app.test_request_context("/"):  # another request reads the table
        assert storage.get("k") == 2
