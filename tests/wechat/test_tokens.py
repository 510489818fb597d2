"""The access token is fetched once and shared by every process (database or Redis)."""
from datetime import timedelta

import redis
from sqlalchemy import select, text, update

from app.core.clock import utcnow
from app.core.wechat import WeChatGateway
from app.wechat.models import WeChatToken
from app.wechat.tokens import REFRESH_MARGIN, build_token_storage
from tests.conftest import APPID, SECRET


def gateway(fresh_app, **config):
    """A gateway as another process would build it (its own storage object, own memory)."""
    storage = build_token_storage({**fresh_app.config, **config})
    return WeChatGateway(APPID, SECRET, fresh_app.config["WECHAT_API_BASE"], timeout=2.0,
                         session_storage=storage)


def fetches(wechat):
    return wechat.stats()["token_fetches"]["stable_token"]


def test_processes_share_one_token_through_the_database(fresh_app, db_session, wechat):
    first, second = gateway(fresh_app), gateway(fresh_app)
    first.get_wxa_code_unlimited("scene-a")
    second.get_wxa_code_unlimited("scene-b")
    first.get_wxa_code_unlimited("scene-c")
    assert fetches(wechat) == 1
    assert wechat.stats()["calls"]["/cgi-bin/stable_token"] == 1
    assert wechat.stats()["calls"].get("/cgi-bin/token", 0) == 0  # never the plain token


def test_the_cached_token_expires_before_wechat_expires_it(fresh_app, db_session, wechat):
    gateway(fresh_app).get_wxa_code_unlimited("scene-a")
    row = db_session.scalar(select(WeChatToken))
    remaining = (row.expires_at - utcnow()).total_seconds()
    assert 7200 - REFRESH_MARGIN - 10 < remaining <= 7200 - REFRESH_MARGIN
    token = wechat.stats()["tokens"][0]["access_token"]
    raw = db_session.execute(text("SELECT value FROM wechat_tokens")).scalar()
    assert token not in raw  # encrypted at rest
    # once the cached copy has expired, the next call fetches again
    db_session.execute(update(WeChatToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    gateway(fresh_app).get_wxa_code_unlimited("scene-b")
    assert fetches(wechat) == 2


def test_a_token_wechat_rejects_is_replaced_for_everyone(fresh_app, db_session, wechat):
    first, second = gateway(fresh_app), gateway(fresh_app)
    first.get_wxa_code_unlimited("scene-a")
    wechat.expire_tokens()  # WeChat ends the token early: 42001 on the next call
    first.get_wxa_code_unlimited("scene-b")  # refreshes once and retries
    second.get_wxa_code_unlimited("scene-c")  # finds the new token in the database
    assert fetches(wechat) == 2


def test_processes_share_one_token_through_redis(fresh_app, db_session, wechat, redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    first = gateway(fresh_app, REDIS_URL=redis_url)
    second = gateway(fresh_app, REDIS_URL=redis_url)
    first.get_wxa_code_unlimited("scene-a")
    second.get_wxa_code_unlimited("scene-b")
    assert fetches(wechat) == 1
    ttl = client.ttl(f"wechatpy:{APPID}_access_token")
    assert 7200 - REFRESH_MARGIN - 10 < ttl <= 7200 - REFRESH_MARGIN
    assert db_session.scalar(select(WeChatToken)) is None  # Redis, not the database


def test_the_token_is_read_from_redis_once_then_from_memory(fresh_app, db_session, wechat,
                                                          redis_url):
    """The push worker sends many messages: not one Redis round trip per message."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()

    def reads():
        return client.info("commandstats").get("cmdstat_get", {}).get("calls", 0)
    before = reads()
    worker = gateway(fresh_app, REDIS_URL=redis_url)
    for scene in ("scene-a", "scene-b", "scene-c"):
        worker.get_wxa_code_unlimited(scene)
    assert reads() - before == 1  # the miss before the first fetch
    assert fetches(wechat) == 1
    # another process sees the shared token (one read, no fetch)
    gateway(fresh_app, REDIS_URL=redis_url).get_wxa_code_unlimited("scene-d")
    assert reads() - before == 2 and fetches(wechat) == 1
