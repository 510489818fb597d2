"""The only place the app talks to WeChat (wechatpy 1.8.18 underneath).

Standalone on purpose (no Flask, no app modules): settings are passed in, so the same code
runs in web workers, CLI commands and tests, against the real host or the fake server.

Why not plain `wechatpy.WeChatClient`:
- its token URL is hard-coded to the real host and uses cgi-bin/token, where every fetch
  invalidates the previous token; with several workers we want the stable token
  (cgi-bin/stable_token), shared through the session storage (Memory or Redis);
- its auto_retry recurses without bound on 40001; we retry once ourselves.

Never log session_key, phone numbers, openids, codes or tokens: log operation and errcode.
"""
import logging

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/"
DEFAULT_TIMEOUT = 5.0
DEFAULT_TOKEN_TTL = 7200

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
BUSY_ERRCODES = frozenset({-1, 45009, 45011})
KIND_BY_ERRCODE = {40029: "code_invalid", 40163: "code_used", 40226: "user_blocked"}


class WeChatError(Exception):
    """A failed WeChat call. errcode is None when WeChat gave no answer (HTTP, timeout)."""

    def __init__(self, errcode, errmsg):
        # Both in args so the error pickles (task queues) and compares in tests.
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg

    def __str__(self):
        return f"WeChat error {self.errcode}: {self.errmsg}"

    @property
    def kind(self):
        """What the caller should do about it; see WECHAT.md "Error codes to handle"."""
        if self.errcode is None:
            return "unavailable"
        if self.errcode in BUSY_ERRCODES:
            return "busy"
        if self.errcode in TOKEN_ERRCODES:
            return "token"
        return KIND_BY_ERRCODE.get(self.errcode, "rejected")


def translate(exc):
    """WeChatError for a wechatpy or requests exception.

    Only fixed text goes into errmsg: requests' messages can carry the URL, whose query
    holds the secret, js_code or access_token.
    """
    import requests  # loaded with the client (app.core.wechat_client) already
    from wechatpy.exceptions import WeChatClientException

    if isinstance(exc, WeChatClientException):
        if exc.errcode is None:
            status = getattr(exc.response, "status_code", None)
            return WeChatError(None, exc.errmsg or (f"HTTP {status}" if status else "HTTP error"))
        return WeChatError(int(exc.errcode), exc.errmsg)
    if isinstance(exc, requests.Timeout):
        return WeChatError(None, "timeout")
    if isinstance(exc, requests.ConnectionError):
        return WeChatError(None, "connection error")
    return WeChatError(None, type(exc).__name__)


def attempt(call):
    import requests  # loaded with the client (app.core.wechat_client) already
    from wechatpy.exceptions import WeChatClientException

    try:
        return call()
    except (WeChatClientException, requests.RequestException) as exc:
        raise translate(exc) from None  # `from None`: the cause's text may hold secrets


class WeChatGateway:
    """Mini-program calls the app needs, each failing only with WeChatError."""

    def __init__(self, appid, secret, api_base_url=DEFAULT_API_BASE_URL,
                 timeout=DEFAULT_TIMEOUT, session_storage=None):
        self._settings = (appid, secret, api_base_url, timeout, session_storage)
        self._client = None

    @property
    def client(self):
        """The wechatpy client, built (and wechatpy imported) at the first call to WeChat."""
        if self._client is None:
            from app.core.wechat_client import ConfiguredWeChatClient
            appid, secret, api_base_url, timeout, session_storage = self._settings
            self._client = ConfiguredWeChatClient(appid, secret, api_base_url=api_base_url,
                                                  timeout=timeout, session=session_storage)
        return self._client

    def code_to_session(self, js_code):
        """wx.login code -> {"openid", "session_key", "unionid"?}. Keep session_key secret."""
        params = {
            "appid": self.client.appid,
            "secret": self.client.secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
            # jscode2session needs no token; an explicit None stops wechatpy from fetching
            # and appending one (requests drops None values), so login survives a token
            # outage and the token is not sent where it is not needed.
            "access_token": None,
        }
        result = self._call("code_to_session",
                            lambda: self.client.wxa._get("sns/jscode2session", params=params),
                            needs_token=False)
        if not isinstance(result, dict) or not result.get("openid"):
            raise WeChatError(None, "malformed jscode2session answer")
        return {k: result[k] for k in ("openid", "session_key", "unionid") if result.get(k)}

    def get_phone_number(self, code):
        """getPhoneNumber button code -> phone_info {phoneNumber, purePhoneNumber, ...}."""
        result = self._call("get_phone_number", lambda: self.client.post_json(
            "wxa/business/getuserphonenumber", {"code": code}))
        if not isinstance(result, dict) or not isinstance(result.get("phone_info"), dict):
            raise WeChatError(None, "malformed getuserphonenumber answer")
        return result["phone_info"]

    def get_wxa_code_unlimited(self, scene, page=None, width=430, check_path=False,
                               env_version="release"):
        """Mini-program code image bytes. 5000 calls/min: callers generate once and cache."""
        data = {"scene": scene, "width": width, "check_path": check_path,
                "env_version": env_version}
        if page:
            data["page"] = page
        result = self._call("get_wxa_code_unlimited", lambda: self.client.post_json(
            "wxa/getwxacodeunlimit", data))
        import requests  # loaded with the client already

        # wechatpy hands back the Response when the body is not JSON, i.e. the image.
        if isinstance(result, requests.Response):
            return result.content
        raise WeChatError(None, "getwxacodeunlimit answered JSON instead of an image")

    def send_subscribe_message(self, openid, template_id, data, page=None,
                               miniprogram_state="formal"):
        """Send one subscribe message; returns {"errcode": 0, "errmsg": "ok", "msgid"}."""
        body = {"touser": openid, "template_id": template_id, "data": data,
                "miniprogram_state": miniprogram_state}
        if page:
            body["page"] = page
        return self._call("send_subscribe_message", lambda: self.client.post_json(
            "cgi-bin/message/subscribe/send", body))

    def _call(self, operation, call, needs_token=True):
        """Run call; on a token error refresh the token once and retry once, never more."""
        try:
            return attempt(call)
        except WeChatError as error:
            if not (needs_token and error.kind == "token"):
                self._log_failure(operation, error)
                raise
            log.info("wechat %s: access token rejected (errcode %s), refreshing once",
                     operation, error.errcode)
        try:
            attempt(self.client.fetch_access_token)
            return attempt(call)
        except WeChatError as error:
            self._log_failure(operation, error)
            raise

    @staticmethod
    def _log_failure(operation, error):
        log.warning("wechat %s failed: errcode=%s kind=%s", operation, error.errcode,
                    error.kind)


def __getattr__(name):
    # ConfiguredWeChatClient lives in app.core.wechat_client (imported on first use).
    if name == "ConfiguredWeChatClient":
        from app.core.wechat_client import ConfiguredWeChatClient
        return ConfiguredWeChatClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
