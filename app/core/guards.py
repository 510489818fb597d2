"""Checks every request passes before any part of the service uses it: input nothing can use
is refused with a stable code, never left to fail deep inside (a 500).

- Control characters (NUL above all: PostgreSQL refuses it in text) in the path or the query
  string, refused before the view. Bodies get the same check from StrictSchema, per field.
- JSON nested deeper than any of our schemas, refused when the body is first read (so a view
  that allows a larger body, like catalog publishing or uploads, still sets its own limit
  first): a body of thousands of `[` would otherwise exhaust the parser's recursion.
"""
import re

from flask import Request, request
from flask_babel import lazy_gettext as _l

from .errors import BadRequest

MAX_JSON_DEPTH = 32
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def refuse_control_characters():
    parts = [request.path]
    for key, values in request.args.lists():
        parts.append(key)
        parts.extend(values)
    if any(_CONTROL.search(part) for part in parts):
        raise BadRequest("request.control_characters", _l("请求中不能包含控制字符"))


def json_depth(body):
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


class GuardedRequest(Request):
    """A JSON body is measured once, the first time anything reads it."""

    _depth_checked = False

    def get_data(self, *args, **kwargs):
        data = super().get_data(*args, **kwargs)
        if self.is_json and not self._depth_checked:
            self._depth_checked = True
            raw = data.encode() if isinstance(data, str) else data
            if json_depth(raw) > MAX_JSON_DEPTH:
                raise BadRequest("request.nested_too_deep", _l("请求内容嵌套层数过多"),
                                 {"max_depth": MAX_JSON_DEPTH})
        return data


def install_request_guards(app):
    app.request_class = GuardedRequest
    app.before_request(refuse_control_characters)
