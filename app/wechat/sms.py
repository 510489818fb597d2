"""SMS fallback: a provider interface and an HTTP provider shaped like Alibaba Cloud SMS.

No Flask, no database: settings are passed in. `build_sms_provider(config)` picks one:

    SMS_PROVIDER=aliyun            (default) HTTP API below; SMS_API_BASE points at
                                   https://dysmsapi.aliyuncs.com/ or the fake (fakes/sms.py)
    SMS_ACCESS_KEY_ID / SMS_ACCESS_KEY_SECRET / SMS_SIGN_NAME / SMS_TIMEOUT
    SMS_TEMPLATE_CODES             JSON {kind: template code} (see templates.py)
    SMS_PROVIDER=disabled          every send fails permanently with `not_configured`

AliyunSmsProvider speaks the dysmsapi "SendSms" RPC call (2017-05-25): form parameters,
HMAC-SHA1 signature version 1.0, JSON answer {"Code": "OK", "BizId": ...}. Other vendors
(Tencent Cloud SMS, ...) fit the same interface: send(phone, template_code, params, out_id).

Phone numbers never reach a log line or an exception message from here.
"""
import base64
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

import requests

from config import DEMO_SMS_SECRET

log = logging.getLogger(__name__)

# Provider codes that no retry can fix: the message or its parameters are wrong.
PERMANENT_CODES = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT", "isv.INVALID_JSON_PARAM", "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.MOBILE_COUNT_OVER_LIMIT", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
})


class SmsError(Exception):
    """A failed send. `code` is the provider's (or ours: unavailable, not_configured)."""

    def __init__(self, code, message, retryable):
        super().__init__(code, message, retryable)
        self.code = code
        self.message = message
        self.retryable = retryable

    def __str__(self):
        return f"SMS error {self.code}: {self.message}"


@dataclass(frozen=True)
class SmsResult:
    message_id: str


class SmsProvider:
    """Interface: send one templated SMS; return SmsResult or raise SmsError."""

    def send(self, phone, template_code, params, out_id=None):
        raise NotImplementedError


class DisabledSmsProvider(SmsProvider):
    def send(self, phone, template_code, params, out_id=None):
        raise SmsError("not_configured", "SMS provider not configured", retryable=False)


def percent_encode(value):
    """RFC 3986 encoding as Alibaba Cloud signs it (space %20, * %2A, ~ kept)."""
    return quote(str(value), safe="~")


def aliyun_signature(params, secret, method="POST"):
    """Signature version 1.0: HMAC-SHA1 over METHOD&%2F&encoded(sorted query)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsProvider(SmsProvider):
    def __init__(self, api_base, access_key_id, access_key_secret, sign_name, timeout=5.0,
                 region_id="cn-hangzhou"):
        self.api_base = api_base
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.timeout = timeout
        self.region_id = region_id
        self._http = requests.Session()
        # One host: resolve the proxy settings once, not on every send (see app.core.wechat).
        self._http.proxies = requests.utils.get_environ_proxies(api_base)
        self._http.trust_env = False

    def _params(self, phone, template_code, params, out_id):
        body = {
            "Action": "SendSms", "Version": "2017-05-25", "Format": "JSON",
            "RegionId": self.region_id, "AccessKeyId": self.access_key_id,
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": phone, "SignName": self.sign_name, "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        }
        if out_id:
            body["OutId"] = str(out_id)
        body["Signature"] = aliyun_signature(body, self.access_key_secret)
        return body

    def send(self, phone, template_code, params, out_id=None):
        body = self._params(phone, template_code, params, out_id)
        try:
            res = self._http.post(self.api_base, data=body, timeout=self.timeout)
        except requests.Timeout:
            raise SmsError("unavailable", "timeout", retryable=True) from None
        except requests.RequestException:
            raise SmsError("unavailable", "connection error", retryable=True) from None
        try:
            answer = res.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "Code" not in answer:
            raise SmsError("unavailable", f"HTTP {res.status_code}", retryable=True)
        code = str(answer["Code"])
        if code == "OK" and res.ok:
            return SmsResult(message_id=str(answer.get("BizId") or ""))
        raise SmsError(code, str(answer.get("Message") or "")[:200],
                       retryable=code not in PERMANENT_CODES)


def build_sms_provider(config):
    """The provider configured for this environment (see the module docstring)."""
    kind = config.get("SMS_PROVIDER", "aliyun")
    if kind == "disabled":
        return DisabledSmsProvider()
    if kind != "aliyun":
        raise RuntimeError(f"unknown SMS_PROVIDER {kind!r} (aliyun, disabled)")
    if not config.get("DEMO") and config["SMS_ACCESS_KEY_SECRET"] == DEMO_SMS_SECRET:
        log.warning("SMS disabled: SMS_ACCESS_KEY_SECRET is the demo value")
        return DisabledSmsProvider()
    return AliyunSmsProvider(config["SMS_API_BASE"], config["SMS_ACCESS_KEY_ID"],
                             config["SMS_ACCESS_KEY_SECRET"], config["SMS_SIGN_NAME"],
                             timeout=float(config["SMS_TIMEOUT"]))
