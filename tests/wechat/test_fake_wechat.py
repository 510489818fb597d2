"""The fake WeChat server, driven through the real WeChatGateway / wechatpy client.

One fake process per module (real HTTP on loopback); state is reset before each test.
"""
import io
import pickle

import pytest
from PIL import Image
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from app.core.wechat import ConfiguredWeChatClient, WeChatError, WeChatGateway
from tests.support.servers import (FakeWeChatControl, fake_wechat_server, free_port,
                                   run_fake_wechat)

APPID = "wx-test-appid"
SECRET = "test-secret"
OPENID = "oTestUser000000000000000001"
TEMPLATE = "tmpl-visit-reminder"
PHONE_PATH = "/wxa/business/getuserphonenumber"
SEND_PATH = "/cgi-bin/message/subscribe/send"
LOGIN_PATH = "/sns/jscode2session"

base_url = pytest.fixture(scope="module")(fake_wechat_server)


@pytest.fixture
def control(base_url):
    control = FakeWeChatControl(base_url)
    control.reset()
    return control


@pytest.fixture
def gateway(base_url, control):
    return WeChatGateway(APPID, SECRET, api_base_url=base_url, timeout=2.0)


def token_fetches(control):
    return control.stats()["token_fetches"]["stable_token"]


def calls(control, path):
    return control.stats()["calls"].get(path, 0)


def valid_data():
    return {"thing1": {"value": "体检预约提醒"}, "time2": {"value": "2019年10月1日 15:01"}}


def setup_subscription(control, count=1):
    control.register_template(TEMPLATE, {"thing1": "thing", "time2": "time"})
    control.grant_subscription(OPENID, TEMPLATE, count)


# ------------------------------------------------------------------ login


def test_demo_login_gives_a_stable_openid_and_fresh_session_keys(gateway):
    first = gateway.code_to_session("demo-alice")
    second = gateway.code_to_session("demo-alice")
    assert first["openid"] == second["openid"]
    assert first["openid"].startswith("o") and len(first["openid"]) == 28
    assert first["session_key"] != second["session_key"]
    assert "unionid" not in first
    assert gateway.code_to_session("demo-bob")["openid"] != first["openid"]


def test_login_needs_no_access_token(gateway, control):
    gateway.code_to_session("demo-alice")
    assert control.stats()["token_fetches"]["total"] == 0


def test_registered_code_works_once(gateway, control):
    control.register_code("code-1", OPENID, unionid="union-1")
    result = gateway.code_to_session("code-1")
    assert result["openid"] == OPENID and result["unionid"] == "union-1"
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("code-1")
    assert err.value.errcode == 40163 and err.value.kind == "code_used"


def test_unknown_code_is_invalid(gateway):
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("no-such-code")
    assert err.value.errcode == 40029 and err.value.kind == "code_invalid"


def test_registered_code_expires_after_five_minutes(gateway, control):
    control.register_code("code-old", OPENID)
    control.advance_clock(301)
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("code-old")
    assert err.value.kind == "code_invalid"


def test_wrong_appid_is_rejected(base_url, control):
    gateway = WeChatGateway("wx-other", SECRET, api_base_url=base_url)
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("demo-alice")
    assert err.value.errcode == 40013 and err.value.kind == "rejected"


# ------------------------------------------------------------------ faults


@pytest.mark.parametrize("errcode, kind", [
    (-1, "busy"), (45011, "busy"), (45009, "busy"), (40226, "user_blocked"),
])
def test_injected_errors_are_classified(gateway, control, errcode, kind):
    control.inject_fault(LOGIN_PATH, errcode)
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("demo-alice")
    assert err.value.errcode == errcode and err.value.kind == kind
    assert gateway.code_to_session("demo-alice")["openid"]  # the fault was used up


def test_delay_beyond_the_timeout_is_unavailable(base_url, control):
    gateway = WeChatGateway(APPID, SECRET, api_base_url=base_url, timeout=0.3)
    control.inject_fault(LOGIN_PATH, "delay:1.5")
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("demo-alice")
    assert err.value.errcode is None and err.value.kind == "unavailable"
    assert "demo-alice" not in str(err.value) and SECRET not in str(err.value)


def test_http_500_is_unavailable(gateway, control):
    control.inject_fault(LOGIN_PATH, "http_500")
    with pytest.raises(WeChatError) as err:
        gateway.code_to_session("demo-alice")
    assert err.value.errcode is None and err.value.kind == "unavailable"


def test_connection_refused_is_unavailable(control):
    gateway = WeChatGateway(APPID, SECRET, api_base_url=f"http://127.0.0.1:{free_port()}/",
                            timeout=1.0)
    with pytest.raises(WeChatError) as err:
        gateway.get_phone_number("demo-phone-13800138000")
    assert err.value.kind == "unavailable"
    assert SECRET not in str(err.value)


# ------------------------------------------------------------------ access tokens


def test_expired_token_is_refreshed_once(gateway, control):
    gateway.get_phone_number("demo-phone-13800138000")
    control.expire_tokens()
    info = gateway.get_phone_number("demo-phone-13800138000")
    assert info["purePhoneNumber"] == "13800138000"
    assert token_fetches(control) == 2
    assert calls(control, PHONE_PATH) == 3  # ok, 42001, retried ok


def test_unknown_cached_token_is_replaced(gateway, control):
    gateway.client.session.set(gateway.client.access_token_key, "not-a-token")
    gateway.get_phone_number("demo-phone-13800138000")
    assert token_fetches(control) == 1


def test_persistent_40001_fails_after_exactly_one_retry(gateway, control):
    setup_subscription(control)
    control.inject_fault(SEND_PATH, 40001, count=10)
    with pytest.raises(WeChatError) as err:
        gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data())
    assert err.value.errcode == 40001 and err.value.kind == "token"
    assert calls(control, SEND_PATH) == 2
    assert token_fetches(control) == 2


def test_stable_token_is_shared_until_it_expires(base_url, control):
    storage = MemoryStorage()
    for _ in range(2):  # two workers sharing one token storage (Redis in production)
        WeChatGateway(APPID, SECRET, api_base_url=base_url,
                      session_storage=storage).get_phone_number("demo-phone-13800138000")
    assert token_fetches(control) == 1
    # A worker with its own storage gets the same stable token, not a new one.
    other = WeChatGateway(APPID, SECRET, api_base_url=base_url)
    other.get_phone_number("demo-phone-13800138000")
    assert len(control.stats()["tokens"]) == 1


def test_plain_token_fetch_keeps_the_old_token_for_five_minutes(base_url, control):
    client = ConfiguredWeChatClient(APPID, SECRET, api_base_url=base_url)
    params = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    old = client._fetch_access_token(base_url + "cgi-bin/token", params)["access_token"]
    client._fetch_access_token(base_url + "cgi-bin/token", params)
    stale = ConfiguredWeChatClient(APPID, SECRET, api_base_url=base_url, access_token=old)
    body = {"code": "demo-phone-13800138000"}
    assert stale.wxa._post("wxa/business/getuserphonenumber", data=body)["errcode"] == 0
    control.advance_clock(301)
    with pytest.raises(WeChatClientException) as err:
        stale.wxa._post("wxa/business/getuserphonenumber", data=body)
    assert err.value.errcode == 40001


def test_wrong_secret_fails_the_token_fetch(base_url, control):
    gateway = WeChatGateway(APPID, "wrong-secret", api_base_url=base_url)
    with pytest.raises(WeChatError) as err:
        gateway.get_phone_number("demo-phone-13800138000")
    assert err.value.errcode == 40125 and err.value.kind == "rejected"


# ------------------------------------------------------------------ phone number


def test_demo_phone_code(gateway):
    info = gateway.get_phone_number("demo-phone-13800138000")
    assert info["phoneNumber"] == info["purePhoneNumber"] == "13800138000"
    assert info["countryCode"] == "86"
    assert info["watermark"]["appid"] == APPID


def test_registered_phone_code_works_once(gateway, control):
    control.register_phone_code("phone-code-1", "13912345678")
    assert gateway.get_phone_number("phone-code-1")["purePhoneNumber"] == "13912345678"
    with pytest.raises(WeChatError) as err:
        gateway.get_phone_number("phone-code-1")
    assert err.value.errcode == 40029


def test_invalid_phone_code(gateway):
    with pytest.raises(WeChatError) as err:
        gateway.get_phone_number("bogus")
    assert err.value.errcode == 40029 and err.value.kind == "code_invalid"


# ------------------------------------------------------------------ subscribe messages


def test_send_with_quota_is_recorded_and_uses_the_quota(gateway, control):
    setup_subscription(control, count=1)
    result = gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data(),
                                            page="pages/visit/detail?id=7",
                                            miniprogram_state="developer")
    assert result["errcode"] == 0 and isinstance(result["msgid"], int)
    sent = control.messages()
    assert sent["total"] == 1
    message = sent["messages"][0]
    assert message["touser"] == OPENID and message["data"] == valid_data()
    assert message["page"] == "pages/visit/detail?id=7"
    assert message["miniprogram_state"] == "developer"
    with pytest.raises(WeChatError) as err:
        gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data())
    assert err.value.errcode == 43101 and err.value.kind == "rejected"


def test_send_without_quota_is_refused(gateway, control):
    setup_subscription(control, count=0)
    with pytest.raises(WeChatError) as err:
        gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data())
    assert err.value.errcode == 43101
    assert control.messages()["total"] == 0


@pytest.mark.parametrize("key, value", [
    ("thing1", "超" * 21), ("time2", "tomorrow"), ("time2", "2019年13月1日 15:01"),
])
def test_bad_field_value_is_rejected_without_using_quota(gateway, control, key, value):
    setup_subscription(control, count=1)
    data = valid_data()
    data[key] = {"value": value}
    with pytest.raises(WeChatError) as err:
        gateway.send_subscribe_message(OPENID, TEMPLATE, data)
    assert err.value.errcode == 47003
    assert f"data.{key}.value invalid" in err.value.errmsg
    assert gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data())["errcode"] == 0


def test_unknown_template_is_rejected(gateway, control):
    setup_subscription(control)
    with pytest.raises(WeChatError) as err:
        gateway.send_subscribe_message(OPENID, "tmpl-unknown", valid_data())
    assert err.value.errcode == 40037


def test_unknown_openid_is_rejected(gateway, control):
    setup_subscription(control)
    with pytest.raises(WeChatError) as err:
        gateway.send_subscribe_message("oSomeoneElse00000000000000001", TEMPLATE, valid_data())
    assert err.value.errcode == 40003


def test_demo_login_openid_can_receive_messages(gateway, control):
    openid = gateway.code_to_session("demo-alice")["openid"]
    control.register_template(TEMPLATE, {"thing1": "thing", "time2": "time"})
    control.grant_subscription(openid, TEMPLATE)
    assert gateway.send_subscribe_message(openid, TEMPLATE, valid_data())["msgid"]


def test_post_json_sends_what_wechatpy_post_sends(gateway, control):
    """The gateway's short path (post_json) puts the same request on the wire as wechatpy's
    own `post`, and reads the answer the same way."""
    setup_subscription(control, count=2)
    gateway.client.access_token  # fetched before we listen
    sent = []
    gateway.client._http.hooks["response"].append(lambda res, **_: sent.append(res.request))
    body = {"touser": OPENID, "template_id": TEMPLATE, "data": valid_data(),
            "page": "pages/visit/detail?id=7", "miniprogram_state": "formal"}
    ours = gateway.client.post_json("cgi-bin/message/subscribe/send", body)
    theirs = gateway.client.post("cgi-bin/message/subscribe/send", data=body,
                                 api_base_url=gateway.client.api_base_url)
    assert ours["errcode"] == theirs["errcode"] == 0 and ours["msgid"] != theirs["msgid"]
    first, second = sent
    assert (first.method, first.url, first.body) == (second.method, second.url, second.body)
    assert dict(first.headers) == dict(second.headers)
    assert "access_token=" in first.url and b"\xe4\xbd\x93" in first.body  # UTF-8, not \\u
    with pytest.raises(WeChatClientException) as err:  # quota used up: the same exception
        gateway.client.post_json("cgi-bin/message/subscribe/send", body)
    assert err.value.errcode == 43101


def test_a_new_access_token_changes_the_prepared_request(gateway, control):
    setup_subscription(control, count=2)
    gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data())
    control.expire_tokens()  # a real 42001 for the prepared URL's token
    assert gateway.send_subscribe_message(OPENID, TEMPLATE, valid_data())["errcode"] == 0
    assert calls(control, SEND_PATH) == 3  # ok, 42001, refreshed and ok
    assert token_fetches(control) == 2


# ------------------------------------------------------------------ mini-program codes


def test_wxa_code_is_a_png_of_the_scene(gateway):
    png = gateway.get_wxa_code_unlimited("station=42", page="pages/station/index", width=300)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    assert image.size == (300, 300)
    assert image.info["scene"] == "station=42"


@pytest.mark.parametrize("kwargs, errcode", [
    ({"scene": "x" * 33}, 40097),
    ({"scene": "百分%"}, 40097),
    ({"scene": "ok", "width": 200}, 40097),
    ({"scene": "ok", "page": "/pages/index/index"}, 41030),
    ({"scene": "ok", "page": "pages/index/index?x=1"}, 41030),
])
def test_wxa_code_rejects_bad_arguments(gateway, kwargs, errcode):
    with pytest.raises(WeChatError) as err:
        gateway.get_wxa_code_unlimited(**kwargs)
    assert err.value.errcode == errcode and err.value.kind == "rejected"


# ------------------------------------------------------------------ classification


@pytest.mark.parametrize("errcode, kind", [
    (40029, "code_invalid"), (40163, "code_used"), (40226, "user_blocked"),
    (-1, "busy"), (45009, "busy"), (45011, "busy"),
    (40001, "token"), (40014, "token"), (42001, "token"),
    (None, "unavailable"), (43101, "rejected"), (47003, "rejected"), (40037, "rejected"),
])
def test_error_kinds(errcode, kind):
    assert WeChatError(errcode, "x").kind == kind


def test_error_survives_pickling():
    error = pickle.loads(pickle.dumps(WeChatError(40029, "invalid code")))
    assert (error.errcode, error.errmsg, error.kind) == (40029, "invalid code", "code_invalid")


def test_no_demo_mode_accepts_only_registered_codes():
    with run_fake_wechat(APPID, SECRET, demo=False) as url:
        gateway = WeChatGateway(APPID, SECRET, api_base_url=url)
        with pytest.raises(WeChatError) as err:
            gateway.code_to_session("demo-alice")
        assert err.value.errcode == 40029
        FakeWeChatControl(url).register_code("code-1", OPENID)
        assert gateway.code_to_session("code-1")["openid"] == OPENID
