"""Exactly-once console forms: a one-time form key in every rendered form (hidden field
`form_key`), claimed atomically when the POST is processed.

The claim is the API's Idempotency-Key mechanism (app.core.idempotency): one
`INSERT ... ON CONFLICT DO NOTHING` on the unique (actor, key) of idempotency_records,
committed before the view runs. Of any number of submissions of one rendered form (double
click, browser resubmit, a retry after a timeout) exactly one acts; a later one gets the first
one's answer again (its redirect, or its page), one that arrives while the first is still
running a clear message (409). A refused submission (a 4xx page with the form's errors)
releases the key, so the corrected form can be sent again.

A POST without a form key (scripts, clients built before the key) acts as before, like an
API request without the header. Place the decorator under `signed_in` (the staff member and
the CSRF check come first) and above `retrying` (a retried transaction is no resubmission):

    @bp.route(..., methods=["POST"])
    @signed_in("tracking.work")
    @once
    @retrying
    def view(...): ...
"""
import hashlib
import re
import secrets
from functools import wraps

from flask import Response, current_app, g, redirect, request
from flask_babel import lazy_gettext as _l

from app.core.errors import Conflict, ValidationFailed
from app.core.idempotency import claim_key, release_key, store_answer

FIELD = "form_key"
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def form_key():
    """For templates: a fresh key for the form being rendered."""
    return secrets.token_urlsafe(24)


def _replay(record):
    if 300 <= record.status_code < 400:
        response = redirect(record.response_body, 303)
    else:
        response = Response(record.response_body, status=record.status_code,
                            mimetype="text/html")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _answer(response):
    """What a replay needs: the redirect's target, or the page."""
    if response.status_code in (301, 302, 303, 307, 308):
        return response.headers.get("Location", "")
    return response.get_data(as_text=True)


def once(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.form.get(FIELD)
        if not key:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise ValidationFailed("console.form_key", _l("页面已过期，请刷新页面后重新提交"),
                                   {"field": FIELD})
        actor, claim = f"staff:{g.staff.id}", f"form:{key}"
        target = hashlib.sha256(request.path.encode()).hexdigest()  # one key, one form
        existing = claim_key(actor, claim, target)
        if existing is not None:
            if existing.request_hash != target:
                raise ValidationFailed("console.form_key", _l("页面已过期，请刷新页面后重新提交"),
                                       {"field": FIELD})
            if existing.status_code is None:
                raise Conflict("console.form_in_progress",
                               _l("该表单正在提交，请勿重复提交，稍后刷新页面查看结果"))
            return _replay(existing)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            release_key(actor, claim)  # a refused form may be corrected and sent again
            raise
        if not 200 <= response.status_code < 400:
            release_key(actor, claim)
            return response
        store_answer(actor, claim, response.status_code, _answer(response))
        return response
    return wrapper
