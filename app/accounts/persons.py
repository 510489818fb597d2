"""Job-seeker sign-in through the WeChat mini-program, and phone binding.

session_key from code2Session is dropped on the spot: it is never stored, returned or logged.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import Actor, record
from app.core.clock import utcnow
from app.core.crypto import blind_index, normalize_for_index
from app.core.errors import BadRequest, Forbidden, UpstreamError, ValidationFailed
from app.core.wechat import WeChatError
from app.extensions import db

from .models import PersonAccount
from .sessions import start_session


def _gateway():
    return current_app.extensions["wechat"]


def _raise_for_wechat(exc, what):
    """Map WeChat's answer to our error: the client's fault is 4xx, WeChat's is 502/503."""
    if exc.kind == "code_invalid":
        raise BadRequest(f"{what}.code_invalid", _l("微信授权码无效或已过期，请重新授权"),
                         {"wechat_errcode": exc.errcode})
    if exc.kind == "code_used":
        raise BadRequest(f"{what}.code_used", _l("微信授权码已使用，请重新授权"),
                         {"wechat_errcode": exc.errcode})
    if exc.kind == "user_blocked":
        raise Forbidden(f"{what}.user_blocked", _l("该微信账号存在风险，暂不能登录"),
                        {"wechat_errcode": exc.errcode})
    if exc.kind == "busy":
        raise UpstreamError("wechat.busy", _l("微信服务繁忙，请稍后再试"),
                            {"wechat_errcode": exc.errcode}, status=503)
    raise UpstreamError("wechat.unavailable", _l("暂时无法连接微信服务，请稍后再试"),
                        {"wechat_errcode": exc.errcode}, status=502)


def login_person(js_code):
    """code2Session, then find or create the account for the openid; return tokens."""
    try:
        session_info = _gateway().code_to_session(js_code)
    except WeChatError as exc:
        _raise_for_wechat(exc, "auth.wechat")
    openid = session_info["openid"]
    account = db.session.scalar(select(PersonAccount).where(PersonAccount.openid == openid))
    created = account is None
    if created:
        account = PersonAccount(openid=openid, unionid=session_info.get("unionid"),
                                active=True, token_version=1)
        db.session.add(account)
        db.session.flush()
    elif not account.active:
        raise Forbidden("auth.account_disabled", _l("该账号已停用，请联系服务站"))
    account.last_login_at = utcnow()
    tokens = start_session("person", account)
    record("auth.person_login", "person_account", account.id, details={"new": created},
           actor=Actor("person", account.id))
    return tokens, account, created


def bind_phone(account, phone_code, notice_version):
    """Fetch the phone number WeChat vouches for and store it, with the consent it rests on."""
    expected = current_app.config["PRIVACY_NOTICE_VERSION"]
    if notice_version != expected:
        raise ValidationFailed("auth.privacy_notice_outdated", _l("请阅读并同意最新的个人信息保护告知书"),
                               {"current_version": expected})
    try:
        info = _gateway().get_phone_number(phone_code)
    except WeChatError as exc:
        _raise_for_wechat(exc, "auth.phone")
    phone = info["purePhoneNumber"]
    account.phone = phone
    account.phone_index = blind_index(normalize_for_index(phone),
                                      current_app.config["BLIND_INDEX_KEY"])
    account.privacy_notice_version = notice_version
    account.privacy_accepted_at = utcnow()
    record("auth.phone_bound", "person_account", account.id,
           details={"privacy_notice_version": notice_version, "channel": "miniprogram"})
    return account
