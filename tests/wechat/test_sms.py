"""The Alibaba-Cloud-shaped SMS provider against the fake SMS gateway (real HTTP)."""
import pytest

from app.wechat.sms import (AliyunSmsProvider, DisabledSmsProvider, SmsError,
                            aliyun_signature, build_sms_provider)
from tests.wechat.conftest import PHONE

KEY_ID, SECRET = "demo-sms-key-id", "demo-sms-secret"


@pytest.fixture()
def provider(sms, fake_sms_url):
    return AliyunSmsProvider(fake_sms_url, KEY_ID, SECRET, "内蒙古就业援助", timeout=1.0)


def test_signature_matches_the_published_example():
    # Alibaba Cloud's documented RPC signature example (secret "testsecret").
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
              "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z",
              "Version": "2014-05-26"}
    assert aliyun_signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_send_is_recorded_by_the_fake(provider, sms):
    sms.register_template("SMS_1", "您申请的${item}审核结果：${result}。")
    result = provider.send(PHONE, "SMS_1", {"item": "就业困难人员认定", "result": "已通过"},
                           out_id=7)
    [sent] = sms.messages()["messages"]
    assert result.message_id == sent["biz_id"]
    assert sent["phone"] == PHONE and sent["sign_name"] == "内蒙古就业援助"
    assert sent["content"] == "您申请的就业困难人员认定审核结果：已通过。"
    assert sent["out_id"] == "7"


@pytest.mark.parametrize("setup, code, retryable", [
    (lambda s: s.register_template("SMS_1", "${item}${result}"),
     "isv.TEMPLATE_MISSING_PARAMETERS", False),
    (lambda s: s.inject_fault("isv.BUSINESS_LIMIT_CONTROL"), "isv.BUSINESS_LIMIT_CONTROL", True),
    (lambda s: s.inject_fault("http_500"), "unavailable", True),
    (lambda s: s.inject_fault("delay:2"), "unavailable", True),
])
def test_provider_errors(provider, sms, setup, code, retryable):
    setup(sms)
    with pytest.raises(SmsError) as err:
        provider.send(PHONE, "SMS_1", {"item": "认定"})
    assert err.value.code == code and err.value.retryable is retryable
    assert PHONE not in str(err.value)


def test_bad_phone_and_bad_credentials(sms, fake_sms_url, provider):
    with pytest.raises(SmsError) as err:
        provider.send("12345", "SMS_1", {})
    assert err.value.code == "isv.MOBILE_NUMBER_ILLEGAL" and not err.value.retryable
    wrong = AliyunSmsProvider(fake_sms_url, KEY_ID, "not-the-secret", "内蒙古就业援助")
    with pytest.raises(SmsError) as err:
        wrong.send(PHONE, "SMS_1", {})
    assert err.value.code == "SignatureDoesNotMatch"
    assert sms.messages()["total"] == 0


def test_configuration():
    base = {"SMS_PROVIDER": "aliyun", "SMS_API_BASE": "http://127.0.0.1:9/",
            "SMS_ACCESS_KEY_ID": KEY_ID, "SMS_ACCESS_KEY_SECRET": SECRET,
            "SMS_SIGN_NAME": "签名", "SMS_TIMEOUT": 1, "DEMO": True}
    assert isinstance(build_sms_provider(base), AliyunSmsProvider)
    # outside demo configurations the demo secret never sends anything
    assert isinstance(build_sms_provider({**base, "DEMO": False}), DisabledSmsProvider)
    disabled = build_sms_provider({**base, "SMS_PROVIDER": "disabled"})
    with pytest.raises(SmsError) as err:
        disabled.send(PHONE, "SMS_1", {})
    assert err.value.code == "not_configured" and not err.value.retryable
    with pytest.raises(RuntimeError):
        build_sms_provider({**base, "SMS_PROVIDER": "carrier-pigeon"})
