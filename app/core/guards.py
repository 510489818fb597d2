"""Checks every request passes before any view sees it: input no part of the service can use
is refused at the door with a stable code, never left to fail deep inside (a 500).

- Control characters (NUL above all: PostgreSQL refuses it in text) in the path, the query
  string or form fields. JSON bodies get the same check from StrictSchema, per field.
- JSON nested deeper than any of our schemas: a body of thousands of `[` would otherwise
  exhaust the parser's recursion.
"""
import re

from flask import request
from flask_babel import lazy_gettext as _l

from .errors import BadRequest

MAX_JSON_DEPTH = 32
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _has_control(values):
    return any(_CONTROL.search(value) for value in values)


def refuse_control_characters():
    parts = [request.path]
    sources = [request.args, request.form] if request.mimetype in _FORMS else [request.args]
    for multi in sources:
        for key, values in multi.lists():
            parts.append(key)
            parts.extend(values)
    if _has_control(parts):
        raise BadRequest("request.control_characters", _l("请求中不能包含控制字符"))



def json_depth(body):
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def refuse_deep_json():
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise BadRequest("request.nested_too_deep", _l("请求内容嵌套层数过多"),
                         {"max_depth": MAX_JSON_DEPTH})


def install_request_guards(app):
    app.before_request(refuse_control_characters)
    app.before_request(refuse_deep_json)
