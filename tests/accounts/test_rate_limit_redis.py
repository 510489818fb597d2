"""Login rate limits kept in Redis when REDIS_URL is configured (shared by all workers).

Runs in a child process: Flask-Limiter keeps its storage on the extension object, so a
second app in this process would re-point the suite's limiter at Redis.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHILD = """
import json
from app import create_app
app = create_app("testing", SQLALCHEMY_DATABASE_URI={db!r}, RATELIMIT_STORAGE_URI={redis!r},
                 RATELIMIT_LOGIN="3/minute")
client = app.test_client()
print(json.dumps([client.post("/api/v1/auth/staff/login",
                              json={{"username": "nobody%d" % i, "password": "x"}}).status_code
                  for i in range(4)]))
"""


def _redis_up():
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on this machine")
def test_login_limit_is_enforced_through_redis(app):
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    script = CHILD.format(db=app.config["SQLALCHEMY_DATABASE_URI"], redis=REDIS_URL)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=60, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [401, 401, 401, 429]
    assert any(b"LIMITER" in key for key in store.keys())
    store.flushdb()
