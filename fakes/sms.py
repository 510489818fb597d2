"""Fake SMS gateway shaped like Alibaba Cloud SMS (dysmsapi SendSms), for tests and the demo.

Flask app on loopback, state in memory. It checks what the real API checks (AccessKeyId,
HMAC-SHA1 signature 1.0, timestamp, nonce reuse, phone number, sign name, template
parameters) and answers with the same JSON shape ({"Code": "OK", "BizId": ...} or an error
Code). `/_control/*` lets tests read what was sent, register template texts (then missing
parameters and unknown templates are refused) and inject faults.

Run: python -m fakes.sms [--host 127.0.0.1] --port 8802 [--access-key-id X --access-key-secret Y]
"""
import argparse
import base64
import hashlib
import hmac
import itertools
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote

from flask import Flask, Response, jsonify, request
from werkzeug.serving import run_simple

from fakes.wechat import PathOnlyRequestHandler

log = logging.getLogger("fakes.sms")

DEMO_ACCESS_KEY_ID = "demo-sms-key-id"
DEMO_ACCESS_KEY_SECRET = "demo-sms-secret"
TIMESTAMP_SKEW = 15 * 60
PARAM_MAX = 35  # characters per template variable, as for notification templates
PHONE_RE = re.compile(r"^1\d{10}$")
VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

MESSAGES = {
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_SIGNATURE_ILLEGAL": "签名不合法",
    "isv.SMS_TEMPLATE_ILLEGAL": "模板不合法",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板缺少变量",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.PARAM_LENGTH_LIMIT": "参数超出长度限制",
    "isv.BUSINESS_LIMIT_CONTROL": "业务限流",
    "isp.SYSTEM_ERROR": "系统错误",
    "InvalidAccessKeyId.NotFound": "Specified access key is not found.",
    "SignatureDoesNotMatch": "Specified signature is not matched with our calculation.",
    "SignatureNonceUsed": "Specified signature nonce was used already.",
    "InvalidTimeStamp.Expired": "Specified time stamp or date value is expired.",
    "MissingParameter": "A required parameter is missing.",
    "InvalidAction.NotFound": "Specified api is not found, please check your url and method.",
}
# Errors of the call itself come with an HTTP error status; business errors with 200.
HTTP_STATUS = {"InvalidAccessKeyId.NotFound": 404, "SignatureDoesNotMatch": 400,
               "SignatureNonceUsed": 400, "InvalidTimeStamp.Expired": 400,
               "MissingParameter": 400, "InvalidAction.NotFound": 404}
REQUIRED = ("Action", "AccessKeyId", "Signature", "SignatureNonce", "Timestamp",
            "PhoneNumbers", "SignName", "TemplateCode")


def percent_encode(value):
    return quote(str(value), safe="~")


def expected_signature(params, secret, method):
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"{method}&%2F&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class SmsState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: list = field(default_factory=list)
    templates: dict = field(default_factory=dict)  # code -> text with ${vars}
    nonces: set = field(default_factory=set)
    faults: list = field(default_factory=list)  # [fault, remaining]
    calls: int = 0
    rejected: dict = field(default_factory=dict)  # code -> count
    ids: itertools.count = field(default_factory=lambda: itertools.count(900619746936498440))


def answer(code, **extra):
    body = {"RequestId": str(uuid.uuid4()).upper(), "Code": code,
            "Message": "OK" if code == "OK" else MESSAGES.get(code, code), **extra}
    return jsonify(body), HTTP_STATUS.get(code, 200)


def _timestamp_ok(value):
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    return abs(time.time() - moment.timestamp()) <= TIMESTAMP_SKEW


def check_call(state, params, key_id, secret, method):
    """The error Code for the call itself (credentials, signature, replay), or None."""
    if any(not params.get(name) for name in REQUIRED):
        return "MissingParameter"
    if params["Action"] != "SendSms":
        return "InvalidAction.NotFound"
    if params["AccessKeyId"] != key_id:
        return "InvalidAccessKeyId.NotFound"
    if not hmac.compare_digest(params["Signature"], expected_signature(params, secret, method)):
        return "SignatureDoesNotMatch"
    if not _timestamp_ok(params["Timestamp"]):
        return "InvalidTimeStamp.Expired"
    if params["SignatureNonce"] in state.nonces:
        return "SignatureNonceUsed"
    state.nonces.add(params["SignatureNonce"])
    return None


def check_message(state, params):
    """(error Code or None, decoded template params)."""
    if not PHONE_RE.match(params["PhoneNumbers"]):
        return "isv.MOBILE_NUMBER_ILLEGAL", None
    if not 2 <= len(params["SignName"]) <= 12:
        return "isv.SMS_SIGNATURE_ILLEGAL", None
    try:
        values = json.loads(params.get("TemplateParam") or "{}")
    except ValueError:
        return "isv.INVALID_JSON_PARAM", None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        return "isv.INVALID_JSON_PARAM", None
    if any(len(v) > PARAM_MAX for v in values.values()):
        return "isv.PARAM_LENGTH_LIMIT", None
    code = params["TemplateCode"]
    if state.templates:
        text = state.templates.get(code)
        if text is None:
            return "isv.SMS_TEMPLATE_ILLEGAL", None
        if set(VAR_RE.findall(text)) - set(values):
            return "isv.TEMPLATE_MISSING_PARAMETERS", None
    elif not code.startswith("SMS_"):
        return "isv.SMS_TEMPLATE_ILLEGAL", None
    return None, values


def take_fault(state):
    if not state.faults:
        return None
    fault, remaining = state.faults
    if remaining <= 1:
        state.faults = []
    else:
        state.faults[1] = remaining - 1
    return fault


def register_api(app, state, key_id, secret):
    @app.route("/", methods=["GET", "POST"])
    def rpc():
        params = dict(request.form.items()) if request.method == "POST" else dict(
            request.args.items())
        with state.lock:
            state.calls += 1
            fault = take_fault(state)
        if isinstance(fault, str) and fault.startswith("delay:"):
            time.sleep(float(fault.split(":", 1)[1]))
            fault = None
        if fault == "http_500":
            return Response("Internal Server Error", status=500, mimetype="text/plain")
        with state.lock:
            code = fault or check_call(state, params, key_id, secret, request.method)
            values = None
            if code is None:
                code, values = check_message(state, params)
            if code is not None:
                state.rejected[code] = state.rejected.get(code, 0) + 1
                return answer(code)
            biz_id = f"{next(state.ids)}^0"
            text = state.templates.get(params["TemplateCode"])
            state.messages.append({
                "biz_id": biz_id, "phone": params["PhoneNumbers"],
                "sign_name": params["SignName"], "template_code": params["TemplateCode"],
                "params": values, "out_id": params.get("OutId"),
                "content": VAR_RE.sub(lambda m: values.get(m.group(1), ""), text) if text
                else None,
                "sent_at": int(time.time()),
            })
        return answer("OK", BizId=biz_id)


def register_controls(app, state):
    def bad(message):
        return jsonify({"error": message}), 400

    @app.get("/_control/messages")
    def control_messages():
        phone = request.args.get("phone")
        with state.lock:
            found = [m for m in state.messages if phone in (None, m["phone"])]
        return jsonify({"total": len(found), "messages": found})

    @app.get("/_control/stats")
    def control_stats():
        with state.lock:
            return jsonify({"calls": state.calls, "sent": len(state.messages),
                            "rejected": dict(state.rejected)})

    @app.post("/_control/reset")
    def control_reset():
        with state.lock:
            fresh = SmsState()
            for name in fresh.__dataclass_fields__:
                if name != "lock":
                    setattr(state, name, getattr(fresh, name))
        return jsonify({"ok": True})

    @app.post("/_control/templates")
    def control_templates():
        body = request.get_json(force=True, silent=True) or {}
        code, text = body.get("template_code"), body.get("text")
        if not isinstance(code, str) or not code or not isinstance(text, str) or not text:
            return bad("template_code and text are required")
        with state.lock:
            state.templates[code] = text
        return jsonify({"ok": True})

    @app.post("/_control/faults")
    def control_faults():
        body = request.get_json(force=True, silent=True) or {}
        fault, count = body.get("code"), body.get("count", 1)
        valid = isinstance(fault, str) and fault and (
            fault == "http_500" or not fault.startswith("delay:")
            or re.fullmatch(r"delay:\d+(\.\d+)?", fault))
        if not valid or not isinstance(count, int) or isinstance(count, bool) or count < 1:
            return bad("code (provider code, 'http_500' or 'delay:<s>') and count >= 1")
        with state.lock:
            state.faults = [fault, count]
        return jsonify({"ok": True})


def create_app(access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=DEMO_ACCESS_KEY_SECRET):
    app = Flask(__name__)
    app.json.ensure_ascii = False  # readable Chinese on the control endpoints
    state = SmsState()
    app.extensions["fake_sms_state"] = state
    register_api(app, state, access_key_id, access_key_secret)
    register_controls(app, state)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake SMS gateway (Alibaba Cloud SendSms shape)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8802)
    parser.add_argument("--access-key-id", default=DEMO_ACCESS_KEY_ID)
    parser.add_argument("--access-key-secret", default=DEMO_ACCESS_KEY_SECRET)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log.info("fake SMS gateway on http://%s:%s/", args.host, args.port)
    run_simple(args.host, args.port, create_app(args.access_key_id, args.access_key_secret),
               threaded=True, request_handler=PathOnlyRequestHandler)


if __name__ == "__main__":
    main()
