"""How fast the push worker may send (PUSH_RATE_PER_SECOND).

- Without Redis the limit is PER WORKER: a token bucket in the process (burst of 1/10 s).
  N workers together send up to N x the rate.
- With REDIS_URL the limit is SHARED by all workers: a one-second fixed window in Redis
  (the `limits` library, already used by Flask-Limiter), so the rate holds whatever the
  number of workers; a window boundary may let up to twice the rate through in one second.

`try_acquire()` takes one send and returns 0, or returns how many seconds to wait first.
"""
import threading
import time


class LocalRateLimiter:
    def __init__(self, rate, clock=time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.capacity = max(1.0, self.rate / 10)
        self.tokens = self.capacity
        self.clock = clock
        self.updated = clock()
        self._lock = threading.Lock()

    def try_acquire(self):
        with self._lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1 - 1e-9:  # float sums of refills
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class RedisRateLimiter:
    """A one-second window shared through Redis by every worker."""

    def __init__(self, rate, redis_url, key="push-send"):
        from limits import RateLimitItemPerSecond
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter
        self.item = RateLimitItemPerSecond(max(1, round(rate)))
        self.limiter = FixedWindowRateLimiter(storage_from_string(redis_url))
        self.key = key

    def try_acquire(self):
        if self.limiter.hit(self.item, self.key):
            return 0.0
        stats = self.limiter.get_window_stats(self.item, self.key)
        return max(0.001, stats.reset_time - time.time())


def build_rate_limiter(config):
    rate = float(config["PUSH_RATE_PER_SECOND"])
    if config.get("REDIS_URL"):
        return RedisRateLimiter(rate, config["REDIS_URL"])
    return LocalRateLimiter(rate)
