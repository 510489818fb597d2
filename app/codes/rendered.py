"""The overview as a JSON body, served from the view cache (app.core.cache) when the
person's data has not changed.

Keys: the person's data revision (bumped by database triggers on any change to their data,
see migration 0010), the policy catalog in force, the day in Beijing (clocks, deadlines and
re-check dates move with it) and the caller's language. What the key cannot name (new or
closed vacancies, a renamed station, a new holiday schedule) shows within
VIEW_CACHE_SECONDS. Scans are not cached at all (app.codes.scan reads a scan's whole profile
in one statement): the code check, the live certification check, the scope decision and the
audit entry run on every request.
"""
from flask import current_app
from flask_babel import get_locale

from app.core.cache import cache_key
from app.core.clock import local_today

from .overview import build_overview, overview_state
from .schemas import OverviewSchema


# Built once: a fresh schema per request would build its nested schemas again, field by
# field, on every dump (a tenth of an overview's CPU). Dumping keeps no state in them.
OVERVIEW = OverviewSchema()


def _dumps(data):
    return current_app.json.dumps(data).encode()


def _cached(key, build):
    """The body under `key`, or `build()` dumped and kept for VIEW_CACHE_SECONDS."""
    cache = current_app.extensions["view_cache"]
    body = cache.get(key)
    if body is None:
        body = _dumps(build())
        cache.put(key, body, current_app.config["VIEW_CACHE_SECONDS"])
    return body


def overview_key(state, today, locale):
    """What a cached overview is keyed by: the person, their data revision, the catalog in
    force, the day and the language (a build for an older revision is never served)."""
    return cache_key("overview", state.person_id, state.revision, state.catalog_id, today,
                     locale)


def render_overview(account, today, state):
    """The overview as the JSON bytes served, built from the database now."""
    return _dumps(OVERVIEW.dump(build_overview(account, today, state)))


def overview_body(account, state=None, today=None):
    """`state`: overview_state's columns when the caller read them already (the sign-in
    statement, app.codes.api), for `today`."""
    today = today or local_today()
    if state is None:
        state = overview_state(account, today)
    if state is None or state.person_id is None:  # the short "please register" answer
        return _dumps(OVERVIEW.dump(build_overview(account, today)))
    return _cached(overview_key(state, today, get_locale()),
                   lambda: OVERVIEW.dump(build_overview(account, today, state)))

