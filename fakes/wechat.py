"""Protocol-exact fake of the WeChat mini-program server API (tests and the demo).

The real API cannot be reached from our machines, so this Flask app answers on loopback with
the same paths, query/JSON field names, JSON shapes and error codes as api.weixin.qq.com
(see shared/design/WECHAT.md). Everything lives in memory behind one lock; `/_control/*`
lets tests register codes, templates and subscription quota, inject faults and read back
what was sent.

Run: python -m fakes.wechat --host 127.0.0.1 --port 8801 --appid X --secret Y [--no-demo]
"""
import argparse
import base64
import hashlib
import io
import itertools
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import qrcode
from flask import Flask, Response, jsonify, request
from PIL import Image, PngImagePlugin
from werkzeug.serving import WSGIRequestHandler, run_simple

log = logging.getLogger("fakes.wechat")

TOKEN_TTL = 7200  # seconds, as real access tokens
TOKEN_OVERLAP = 300  # a cgi-bin/token fetch keeps the previous token alive this long
CODE_TTL = 300  # wx.login and phone codes live 5 minutes

SCENE_RE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
DEMO_LOGIN_RE = re.compile(r"^demo-([A-Za-z0-9_-]{1,32})$")
DEMO_PHONE_RE = re.compile(r"^demo-phone-(\d{11})$")
# Real openids are 28 url-safe chars; control endpoints accept any sane id so tests can pick
# readable ones, and subscribe/send answers 40003 for anything else.
OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MINIPROGRAM_STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
ENV_VERSIONS = ("release", "trial", "develop")

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "invalid user, user is in high risk",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}

# Paths that need ?access_token=; the others authenticate with appid/secret.
TOKEN_PROTECTED = {
    "/wxa/business/getuserphonenumber",
    "/wxa/getwxacodeunlimit",
    "/cgi-bin/message/subscribe/send",
}


def wechat_error(errcode, errmsg=None):
    """A WeChat error answer: HTTP 200 with errcode/errmsg, as the real server does."""
    return jsonify({"errcode": errcode, "errmsg": errmsg or ERRMSGS.get(errcode, "error")})


def demo_openid(appid, name):
    """Stable 28-char openid for a demo login name, distinct per appid like real openids."""
    digest = hashlib.sha256(f"{appid}:{name}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def new_session_key():
    # Real session keys are base64 of 16 random bytes.
    return base64.b64encode(secrets.token_bytes(16)).decode()


# ---------------------------------------------------------------- subscribe field rules

CJK_RE = re.compile(r"[\u3400-\u9fff]")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日 %H:%M:%S",
                "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
DATE_FORMATS = ("%Y年%m月%d日", "%Y-%m-%d") + TIME_FORMATS[2:]


def _parses(value, formats):
    """True when value (or each side of a `a~b` range) parses with one of the formats."""
    parts = value.split("~")
    if len(parts) > 2:
        return False
    return all(_parses_one(part.strip(), formats) for part in parts)


def _parses_one(value, formats):
    for fmt in formats:
        try:
            datetime.strptime(value, fmt)
            return True
        except ValueError:
            continue
    return False


def _valid_name(value):
    # Mixed Chinese and letters counts as a Chinese name (10 chars); pure letters allow 20.
    if CJK_RE.search(value):
        return len(value) <= 10 and not re.search(r"\d", value)
    return bool(re.fullmatch(r"[A-Za-z .'·-]{1,20}", value))


FIELD_RULES = {
    "thing": lambda v: len(v) <= 20,
    "phrase": lambda v: bool(re.fullmatch(r"[\u3400-\u9fff]{1,5}", v)),
    "name": _valid_name,
    "number": lambda v: len(v) <= 32 and bool(re.fullmatch(r"[+-]?\d+(\.\d+)?", v)),
    "letter": lambda v: bool(re.fullmatch(r"[A-Za-z]{1,32}", v)),
    "character_string": lambda v: bool(re.fullmatch(r"[\x20-\x7e]{1,32}", v)),
    "phone_number": lambda v: bool(re.fullmatch(r"[0-9+\-() ]{1,17}", v)) and any(
        c.isdigit() for c in v),
    "amount": lambda v: bool(re.fullmatch(r"[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?", v)),
    "time": lambda v: _parses(v, TIME_FORMATS),
    "date": lambda v: _parses(v, DATE_FORMATS),
}


def field_type_from_key(key):
    """Real template keys are `<type><n>` (thing1, time2): infer the rule when not registered."""
    match = re.fullmatch(r"([a-z_]+?)(\d+)", key)
    if match and match.group(1) in FIELD_RULES:
        return match.group(1)
    return None


def check_template_data(data, fields):
    """Return None when data satisfies the field rules, else a 47003 errmsg."""
    if not isinstance(data, dict) or not data:
        return "argument invalid! data is empty"
    types = dict(fields) if fields else {
        key: field_type_from_key(key) for key in data if field_type_from_key(key)}
    for key, ftype in types.items():
        entry = data.get(key)
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not value.strip():
            return f"argument invalid! data.{key}.value is empty"
        if not FIELD_RULES[ftype](value):
            return f"argument invalid! data.{key}.value invalid"
    return None


# ---------------------------------------------------------------- state


@dataclass
class AccessToken:
    value: str
    source: str  # "token" (cgi-bin/token) or "stable_token"
    expires_at: float
    invalid_after: float = None  # set when superseded: "not latest" from then on
    expired: bool = False  # forced by /_control/expire_tokens
    fetched: int = 1


@dataclass
class OneTimeCode:
    payload: dict
    registered_at: float
    used: bool = False


@dataclass
class FakeState:
    """All fake WeChat data. Callers hold `lock` around every read or write."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    clock_offset: float = 0.0
    tokens: dict = field(default_factory=dict)  # value -> AccessToken
    stable: AccessToken = None
    login_codes: dict = field(default_factory=dict)  # code -> OneTimeCode
    phone_codes: dict = field(default_factory=dict)
    known_openids: set = field(default_factory=set)
    templates: dict = field(default_factory=dict)  # template_id -> {key: type}
    quota: dict = field(default_factory=dict)  # (openid, template_id) -> int
    messages: list = field(default_factory=list)
    faults: dict = field(default_factory=dict)  # path -> [fault, remaining]
    calls: dict = field(default_factory=dict)  # path -> count
    msgids: itertools.count = field(default_factory=lambda: itertools.count(2_000_000_001))

    def now(self):
        # The offset lets tests age codes and tokens without sleeping.
        return time.time() + self.clock_offset


def _reset(state):
    fresh = FakeState()
    for name in fresh.__dataclass_fields__:
        if name != "lock":
            setattr(state, name, getattr(fresh, name))


# ---------------------------------------------------------------- access tokens


def _new_token(state, source):
    token = AccessToken(
        value=secrets.token_urlsafe(96)[:128],
        source=source,
        expires_at=state.now() + TOKEN_TTL,
    )
    state.tokens[token.value] = token
    return token


def _token_usable(state, token):
    now = state.now()
    if token.expired or now >= token.expires_at:
        return False
    return token.invalid_after is None or now < token.invalid_after


def issue_plain_token(state):
    """cgi-bin/token: always a new token; older ones stay valid for the 5-minute overlap."""
    deadline = state.now() + TOKEN_OVERLAP
    for token in state.tokens.values():
        if token.source == "token" and token.invalid_after is None:
            token.invalid_after = deadline
    return _new_token(state, "token")


def issue_stable_token(state, force_refresh):
    """cgi-bin/stable_token: the same token until it nearly expires, unless force_refresh.

    Like WeChat, normal mode hands out a new token in the last 5 minutes of the old one's
    life (the old one still works until it expires). A forced refresh invalidates the
    previous stable token at once; stable and plain tokens never affect each other.
    """
    current = state.stable
    if current is not None and _token_usable(state, current):
        if not force_refresh and current.expires_at - state.now() > TOKEN_OVERLAP:
            current.fetched += 1
            return current
        if force_refresh:
            current.invalid_after = state.now()
    state.stable = _new_token(state, "stable_token")
    return state.stable


def token_errcode(state, value):
    """0 for a usable token, else the errcode WeChat answers for it."""
    token = state.tokens.get(value or "")
    if token is None:
        return 40001
    now = state.now()
    if token.invalid_after is not None and now >= token.invalid_after:
        return 40001
    if token.expired or now >= token.expires_at:
        return 42001
    return 0


def credentials_errcode(appid, secret, expected_appid, expected_secret):
    if appid != expected_appid:
        return 40013
    if secret != expected_secret:
        return 40125
    return 0


def token_answer(state, token):
    expires_in = max(0, round(token.expires_at - state.now()))
    return jsonify({"access_token": token.value, "expires_in": expires_in})


# ---------------------------------------------------------------- codes


def take_code(state, codes, code):
    """Consume a registered one-time code: (payload, 0) or (None, errcode)."""
    entry = codes.get(code)
    if entry is None:
        return None, 40029
    if entry.used:
        return None, 40163
    if state.now() - entry.registered_at >= CODE_TTL:
        return None, 40029
    entry.used = True
    return entry.payload, 0


def login_payload(state, appid, demo, code):
    """jscode2session result for a code: (dict, 0) or (None, errcode)."""
    if code in state.login_codes or not demo:
        payload, errcode = take_code(state, state.login_codes, code)
    else:
        match = DEMO_LOGIN_RE.match(code)
        # Demo codes are reusable so a person can try the flow with curl many times.
        payload = {"openid": demo_openid(appid, match.group(1))} if match else None
        errcode = 0 if match else 40029
    if payload is None:
        return None, errcode
    state.known_openids.add(payload["openid"])
    answer = {"session_key": new_session_key(), "openid": payload["openid"]}
    if payload.get("unionid"):
        answer["unionid"] = payload["unionid"]
    return answer, 0


def phone_payload(state, appid, demo, code):
    """phone_info for a phone code: (dict, 0) or (None, errcode)."""
    if code in state.phone_codes or not demo:
        payload, errcode = take_code(state, state.phone_codes, code)
        if payload is None:
            # A used phone code is simply invalid for WeChat (no 40163 here).
            return None, 40029
    else:
        match = DEMO_PHONE_RE.match(code or "")
        if not match:
            return None, 40029
        payload = {"phone": match.group(1), "country_code": "86"}
    pure, country = payload["phone"], payload["country_code"]
    return {
        "phoneNumber": pure if country == "86" else f"+{country}{pure}",
        "purePhoneNumber": pure,
        "countryCode": country,
        "watermark": {"timestamp": int(state.now()), "appid": appid},
    }, 0


# ---------------------------------------------------------------- faults and stats


def parse_fault(value):
    """Validate a fault spec: an errcode int, "http_500" or "delay:<seconds>"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if value == "http_500":
        return value
    if isinstance(value, str) and value.startswith("delay:"):
        try:
            seconds = float(value.split(":", 1)[1])
        except ValueError:
            return None
        return value if 0 <= seconds <= 60 else None
    return None


def normalize_path(path):
    return "/" + path.lstrip("/")


def take_fault(state, path):
    entry = state.faults.get(path)
    if not entry:
        return None
    fault, remaining = entry
    if remaining <= 1:
        del state.faults[path]
    else:
        entry[1] = remaining - 1
    return fault


def fault_response(fault):
    if fault == "http_500":
        return Response("Internal Server Error", status=500, mimetype="text/plain")
    return wechat_error(fault)


def stats_snapshot(state):
    tokens = sorted(state.tokens.values(), key=lambda t: t.expires_at)
    return {
        "calls": dict(state.calls),
        "token_fetches": {
            "total": sum(t.fetched for t in tokens),
            "token": sum(t.fetched for t in tokens if t.source == "token"),
            "stable_token": sum(t.fetched for t in tokens if t.source == "stable_token"),
        },
        "tokens": [
            {"access_token": t.value, "source": t.source, "fetched": t.fetched,
             "usable": _token_usable(state, t)}
            for t in tokens
        ],
    }


# ---------------------------------------------------------------- request helpers


def json_body():
    """wechatpy posts JSON without a Content-Type, so parse whatever body arrives."""
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else None


def check_token(state):
    """None when ?access_token= is usable, else the error response."""
    with state.lock:
        errcode = token_errcode(state, request.args.get("access_token"))
    return wechat_error(errcode) if errcode else None


# ---------------------------------------------------------------- routes: WeChat API


def register_token_routes(app, state, appid, secret):
    @app.get("/cgi-bin/token")
    def cgi_token():
        args = request.args
        if args.get("grant_type") != "client_credential":
            return wechat_error(40002)
        errcode = credentials_errcode(args.get("appid"), args.get("secret"), appid, secret)
        if errcode:
            return wechat_error(errcode)
        with state.lock:
            return token_answer(state, issue_plain_token(state))

    @app.post("/cgi-bin/stable_token")
    def stable_token():
        body = json_body()
        if body is None:
            return wechat_error(47001)
        if body.get("grant_type") != "client_credential":
            return wechat_error(40002)
        errcode = credentials_errcode(body.get("appid"), body.get("secret"), appid, secret)
        if errcode:
            return wechat_error(errcode)
        with state.lock:
            token = issue_stable_token(state, bool(body.get("force_refresh")))
            return token_answer(state, token)


def register_login_routes(app, state, appid, secret, demo):
    @app.get("/sns/jscode2session")
    def jscode2session():
        args = request.args
        errcode = credentials_errcode(args.get("appid"), args.get("secret"), appid, secret)
        if errcode:
            return wechat_error(errcode)
        if args.get("grant_type") != "authorization_code":
            return wechat_error(40002)
        code = args.get("js_code")
        if not code:
            return wechat_error(41008)
        with state.lock:
            answer, errcode = login_payload(state, appid, demo, code)
        return wechat_error(errcode) if errcode else jsonify(answer)

    @app.post("/wxa/business/getuserphonenumber")
    def get_user_phone_number():
        body = json_body()
        if body is None:
            return wechat_error(47001)
        with state.lock:
            info, errcode = phone_payload(state, appid, demo, str(body.get("code") or ""))
        if errcode:
            return wechat_error(errcode)
        return jsonify({"errcode": 0, "errmsg": "ok", "phone_info": info})


def wxacode_errcode(body):
    """0 when a getwxacodeunlimit body is acceptable, else its errcode."""
    scene = body.get("scene")
    if not isinstance(scene, str) or not SCENE_RE.match(scene):
        return 40097
    width = body.get("width", 430)
    if isinstance(width, bool) or not isinstance(width, int) or not 280 <= width <= 1280:
        return 40097
    if body.get("env_version", "release") not in ENV_VERSIONS:
        return 40097
    page = body.get("page")
    if page is not None and (not isinstance(page, str) or page.startswith("/") or "?" in page):
        return 41030
    return 0


def qr_png(scene, width):
    """A real QR code of the scene, `width` px square; the scene is also a PNG text chunk."""
    image = qrcode.make(scene, border=2).get_image().convert("L")
    image = image.resize((width, width), Image.NEAREST)
    meta = PngImagePlugin.PngInfo()
    meta.add_text("scene", scene)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=meta)
    return out.getvalue()


def subscribe_errcode(state, body):
    """(0, None) when a subscribe/send may be delivered, else (errcode, errmsg)."""
    openid = body.get("touser")
    if not isinstance(openid, str) or not OPENID_RE.match(openid):
        return 40003, None
    if openid not in state.known_openids:
        return 40003, None
    template_id = body.get("template_id")
    if template_id not in state.templates:
        return 40037, None
    if body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
        return 47003, "argument invalid! miniprogram_state invalid"
    if body.get("lang", "zh_CN") not in LANGS:
        return 47003, "argument invalid! lang invalid"
    errmsg = check_template_data(body.get("data"), state.templates[template_id])
    if errmsg:
        return 47003, errmsg
    # Quota last: a rejected message must not use up the user's one-time grant.
    if state.quota.get((openid, template_id), 0) <= 0:
        return 43101, None
    return 0, None


def deliver(state, body):
    key = (body["touser"], body["template_id"])
    state.quota[key] -= 1
    msgid = next(state.msgids)
    state.messages.append({
        "msgid": msgid,
        "touser": body["touser"],
        "template_id": body["template_id"],
        "page": body.get("page"),
        "data": body["data"],
        "miniprogram_state": body.get("miniprogram_state", "formal"),
        "lang": body.get("lang", "zh_CN"),
        "sent_at": int(state.now()),
    })
    return msgid


def register_wxa_routes(app, state):
    @app.post("/wxa/getwxacodeunlimit")
    def get_wxa_code_unlimit():
        body = json_body()
        if body is None:
            return wechat_error(47001)
        errcode = wxacode_errcode(body)
        if errcode:
            return wechat_error(errcode)
        png = qr_png(body["scene"], body.get("width", 430))
        return Response(png, mimetype="image/png")

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        body = json_body()
        if body is None:
            return wechat_error(47001)
        with state.lock:
            errcode, errmsg = subscribe_errcode(state, body)
            if errcode:
                return wechat_error(errcode, errmsg)
            msgid = deliver(state, body)
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})


# ---------------------------------------------------------------- routes: control


def control_error(message):
    return jsonify({"error": message}), 400


def _register_code(state, codes, code, payload):
    codes[code] = OneTimeCode(payload=payload, registered_at=state.now())


def register_code_controls(app, state):
    @app.post("/_control/codes")
    def control_codes():
        body = json_body() or {}
        code, openid = body.get("code"), body.get("openid")
        if not isinstance(code, str) or not code or not OPENID_RE.match(openid or ""):
            return control_error("code and a valid openid are required")
        with state.lock:
            _register_code(state, state.login_codes, code,
                           {"openid": openid, "unionid": body.get("unionid")})
            state.known_openids.add(openid)
        return jsonify({"ok": True})

    @app.post("/_control/phone_codes")
    def control_phone_codes():
        body = json_body() or {}
        code, phone = body.get("code"), str(body.get("phone") or "")
        country = str(body.get("country_code") or "86")
        if not isinstance(code, str) or not code or not re.fullmatch(r"\d{5,15}", phone):
            return control_error("code and phone (digits only) are required")
        with state.lock:
            _register_code(state, state.phone_codes, code,
                           {"phone": phone, "country_code": country})
        return jsonify({"ok": True})


def register_template_controls(app, state):
    @app.post("/_control/templates")
    def control_templates():
        body = json_body() or {}
        template_id, fields = body.get("template_id"), body.get("fields") or {}
        if not isinstance(template_id, str) or not template_id or not isinstance(fields, dict):
            return control_error("template_id and fields {key: type} are required")
        unknown = sorted(t for t in fields.values() if t not in FIELD_RULES)
        if unknown:
            return control_error(f"unknown field types: {unknown}")
        with state.lock:
            state.templates[template_id] = dict(fields)
        return jsonify({"ok": True})

    @app.post("/_control/subscriptions")
    def control_subscriptions():
        body = json_body() or {}
        openid, template_id, count = body.get("openid"), body.get("template_id"), body.get(
            "count", 1)
        if not OPENID_RE.match(openid or "") or not isinstance(template_id, str) \
                or not isinstance(count, int) or count < 0:
            return control_error("openid, template_id and count >= 0 are required")
        with state.lock:
            key = (openid, template_id)
            state.quota[key] = state.quota.get(key, 0) + count
            state.known_openids.add(openid)
            remaining = state.quota[key]
        return jsonify({"ok": True, "remaining": remaining})

    @app.get("/_control/messages")
    def control_messages():
        touser = request.args.get("touser")
        with state.lock:
            found = [m for m in state.messages if touser in (None, m["touser"])]
        return jsonify({"total": len(found), "messages": found})


def register_state_controls(app, state):
    @app.post("/_control/reset")
    def control_reset():
        with state.lock:
            _reset(state)
        return jsonify({"ok": True})

    @app.post("/_control/faults")
    def control_faults():
        body = json_body() or {}
        path, count = body.get("path"), body.get("count", 1)
        fault = parse_fault(body.get("errcode"))
        if not isinstance(path, str) or fault is None or not isinstance(count, int) or count < 1:
            return control_error("path, errcode (int, 'http_500', 'delay:<s>'), count >= 1")
        with state.lock:
            state.faults[normalize_path(path)] = [fault, count]
        return jsonify({"ok": True})

    @app.post("/_control/expire_tokens")
    def control_expire_tokens():
        with state.lock:
            for token in state.tokens.values():
                token.expired = True
        return jsonify({"ok": True})

    @app.post("/_control/advance_clock")
    def control_advance_clock():
        seconds = (json_body() or {}).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            return control_error("seconds >= 0 is required")
        with state.lock:
            state.clock_offset += seconds
        return jsonify({"ok": True})

    @app.get("/_control/stats")
    def control_stats():
        with state.lock:
            return jsonify(stats_snapshot(state))


# ---------------------------------------------------------------- app


def install_fault_hook(app, state):
    """Count every WeChat API call and answer the injected faults before any handler."""

    @app.before_request
    def apply_faults():
        path = request.path
        if path.startswith("/_control/") or path == "/healthz":
            return None
        with state.lock:
            state.calls[path] = state.calls.get(path, 0) + 1
            fault = take_fault(state, path)
        if isinstance(fault, str) and fault.startswith("delay:"):
            # Sleep outside the lock so other requests keep being served.
            time.sleep(float(fault.split(":", 1)[1]))
            fault = None
        if fault is not None:
            return fault_response(fault)
        if path in TOKEN_PROTECTED:
            return check_token(state)
        return None


def create_app(appid: str, secret: str, demo: bool = True) -> Flask:
    """A fresh fake WeChat server for one mini-program (appid/secret)."""
    app = Flask(__name__)
    state = FakeState()
    app.extensions["fake_wechat_state"] = state
    install_fault_hook(app, state)
    register_token_routes(app, state, appid, secret)
    register_login_routes(app, state, appid, secret, demo)
    register_wxa_routes(app, state)
    register_code_controls(app, state)
    register_template_controls(app, state)
    register_state_controls(app, state)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    return app


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Log method, path and status only: query strings carry secrets, codes and tokens."""

    def log_request(self, code="-", size="-"):
        code = getattr(code, "value", code)
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, code)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake WeChat mini-program API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8801)
    parser.add_argument("--appid", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--no-demo", dest="demo", action="store_false",
                        help="accept only codes registered via /_control")
    parser.add_argument("--server", choices=("werkzeug", "keepalive"), default="werkzeug",
                        help="werkzeug: the dev server, logs paths (default); keepalive: "
                             "fakes.keepalive, cheaper per request and quiet (benchmarks)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log.info("fake WeChat on http://%s:%s/ (demo=%s, %s)", args.host, args.port, args.demo,
             args.server)
    app = create_app(args.appid, args.secret, demo=args.demo)
    if args.server == "keepalive":
        from fakes.keepalive import serve
        serve(app, args.host, args.port)
        return
    run_simple(args.host, args.port, app, threaded=True,
               request_handler=PathOnlyRequestHandler)


if __name__ == "__main__":
    main()
