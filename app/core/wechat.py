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
import json
import logging
import time

import requests
from wechatpy import WeChatClient
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/"
DEFAULT_TIMEOUT = 5.0
DEFAULT_TOKEN_TTL = 7200

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
BUSY_ERRCODES = frozenset({-1, 45009, 45011})
KIND_BY_ERRCODE = {40029: "code_invalid", 40163: "code_used", 40226: "user_blocked"}


class ConfiguredWeChatClient(WeChatClient):
    """WeChatClient pointed at a configurable host, with stable tokens and no auto retry."""

    def __init__(self, appid, secret, api_base_url=DEFAULT_API_BASE_URL,
                 timeout=DEFAULT_TIMEOUT, session=None, access_token=None):
        super().__init__(appid, secret, access_token=access_token, session=session,
                         timeout=timeout, auto_retry=False)
        self.api_base_url = api_base_url.rstrip("/") + "/"
        # One host: resolve HTTP(S)_PROXY/NO_PROXY for it once. With trust_env requests
        # re-reads the whole environment twice per call, the push worker's largest CPU cost.
        self._http.proxies = requests.utils.get_environ_proxies(self.api_base_url)
        self._http.trust_env = False
        # Keep wechatpy's layout: relative client endpoints live under cgi-bin/, while
        # API groups such as wxa carry their own base on the same host.
        self.API_BASE_URL = self.api_base_url + "cgi-bin/"
        self._rebase_api_groups()
        self._prepared = {}  # path -> (access token, PreparedRequest without a body)

    def _rebase_api_groups(self):
        # vars() rather than inspect.getmembers: the latter would evaluate the
        # access_token property and fetch a token while constructing.
        for api in vars(self).values():
            base = getattr(api, "API_BASE_URL", "") if isinstance(api, BaseWeChatAPI) else ""
            if base.startswith(DEFAULT_API_BASE_URL):
                api.API_BASE_URL = self.api_base_url + base[len(DEFAULT_API_BASE_URL):]

    def post_json(self, path, data):
        """POST `data` as JSON to `path` (under the API base) with the access token.

        The request wechatpy's `post` would send (same session and keep-alive pool, URL,
        headers, body bytes and timeout) and the same reading of the answer (wechatpy's
        `_handle_result`: WeChatClientException on a non-zero errcode; the Response itself
        when the body is not JSON, e.g. an image), on a shorter path: requests'
        Session.request merges the session's headers, cookies, hooks and settings into a
        new request on every call, a third of the push worker's CPU per message. Here that
        is done once per path and access token, and each call copies the prepared request
        and sets its body.
        """
        token = self.access_token
        cached = self._prepared.get(path)
        if cached is None or cached[0] != token:
            request = requests.Request("POST", self.api_base_url + path,
                                       params={"access_token": token})
            cached = (token, self._http.prepare_request(request))
            self._prepared[path] = cached
        prepared = cached[1].copy()
        prepared.prepare_body(json.dumps(data, ensure_ascii=False).encode("utf-8"), None)
        res = self._http.send(prepared, timeout=self.timeout)
        try:
            res.raise_for_status()
        except requests.RequestException as reqe:
            raise WeChatClientException(None, None, client=self, request=reqe.request,
                                        response=reqe.response) from None
        return self._handle_result(res, "post", prepared.url)

    def fetch_access_token(self):
        """Fetch the stable token and store it the way wechatpy's _fetch_access_token does."""
        res = self._http.post(
            self.api_base_url + "cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": self.appid,
                  "secret": self.secret, "force_refresh": False},
            timeout=self.timeout,
        )
        result = self._token_result(res)
        expires_in = int(result.get("expires_in") or DEFAULT_TOKEN_TTL)
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result

    def _token_result(self, res):
        """The token answer as a dict, or WeChatClientException like wechatpy raises."""
        try:
            res.raise_for_status()
        except requests.RequestException as reqe:
            raise WeChatClientException(None, None, client=self, request=reqe.request,
                                        response=reqe.response) from None
        result = self._decode_result(res)
        if not isinstance(result, dict) or not (result.get("access_token") or
                                                result.get("errcode")):
            raise WeChatClientException(None, "token answer is not JSON", client=self,
                                        request=res.request, response=res)
        if int(result.get("errcode") or 0) != 0:
            raise WeChatClientException(int(result["errcode"]), result.get("errmsg"),
                                        client=self, request=res.request, response=res)
        return result


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
    try:
        return call()
    except (WeChatClientException, requests.RequestException) as exc:
        raise translate(exc) from None  # `from None`: the cause's text may hold secrets


class WeChatGateway:
    """Mini-program calls the app needs, each failing only with WeChatError."""

    def __init__(self, appid, secret, api_base_url=DEFAULT_API_BASE_URL,
                 timeout=DEFAULT_TIMEOUT, session_storage=None):
        self.client = ConfiguredWeChatClient(appid, secret, api_base_url=api_base_url,
                                             timeout=timeout, session=session_storage)

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
