"""The wechatpy client behind app.core.wechat.WeChatGateway (see that module's docstring).

Its own module because importing wechatpy (with requests, cryptography and its API groups)
costs a process about 16 MB: the gateway imports this module when it first talks to
WeChat, so a web worker that never does (most requests) does not carry it.
"""
import json
import time

import requests
from wechatpy import WeChatClient
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException

from app.core.wechat import DEFAULT_API_BASE_URL, DEFAULT_TIMEOUT, DEFAULT_TOKEN_TTL


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
