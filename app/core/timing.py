"""Answers that take the same time whatever the database holds.

A view whose work differs with a secret (is this ID number registered?) would tell it by
its duration. `no_sooner_than(config_key)` holds the answer, success or error, until the
configured floor has passed since the request started; the floor sits well above the
slowest path, so what remains of the difference is noise.
"""
import time
from functools import wraps

from flask import current_app


def no_sooner_than(config_key):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return view(*args, **kwargs)
            finally:
                floor = float(current_app.config[config_key])
                left = floor - (time.perf_counter() - started)
                if left > 0:
                    time.sleep(left)
        return wrapper
    return decorate
