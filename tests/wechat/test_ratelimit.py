"""Outgoing send rate: per worker in memory, or shared by all workers through Redis."""
import redis

from app.wechat.ratelimit import LocalRateLimiter, RedisRateLimiter, build_rate_limiter


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_local_bucket_spaces_sends_at_the_rate():
    clock = Clock()
    limiter = LocalRateLimiter(10, clock=clock)  # 10/s, burst of 1
    assert limiter.try_acquire() == 0
    wait = limiter.try_acquire()
    assert 0.09 < wait <= 0.1
    clock.now += 0.1
    assert limiter.try_acquire() == 0
    clock.now += 60  # idle time does not buy more than the burst
    assert limiter.try_acquire() == 0 and limiter.try_acquire() > 0


def test_local_bucket_allows_a_tenth_of_a_second_of_burst():
    limiter = LocalRateLimiter(200, clock=Clock())
    granted = sum(1 for _ in range(50) if limiter.try_acquire() == 0)
    assert granted == 20


def test_redis_limit_is_shared_by_workers(redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    workers = [RedisRateLimiter(3, redis_url), RedisRateLimiter(3, redis_url)]
    results = [workers[i % 2].try_acquire() for i in range(20)]
    granted = sum(1 for wait in results if wait == 0)
    # one-second windows: 3 per window, and the burst cannot span more than two windows
    assert 3 <= granted <= 6
    assert all(0 < wait <= 1 for wait in results if wait)


def test_the_configuration_chooses(redis_url):
    assert isinstance(build_rate_limiter({"PUSH_RATE_PER_SECOND": 5}), LocalRateLimiter)
    assert isinstance(build_rate_limiter({"PUSH_RATE_PER_SECOND": 5, "REDIS_URL": redis_url}),
                      RedisRateLimiter)
