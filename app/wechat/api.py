"""HTTP views of the push area: subscriptions (the person) and message status."""
from flask import current_app
from flask_smorest import Blueprint

from app.accounts.access import (access, current_person_account,
                                 current_person_account_or_none, current_staff_or_none)
from app.extensions import db, limiter

from . import services
from .schemas import MessageSchema, SubscriptionReportSchema, SubscriptionSchema

bp = Blueprint("push", __name__, url_prefix="/api/v1/push", description="Push subscriptions and message status.")


def _subscribe_limit():
    return current_app.config["RATELIMIT_PUSH_SUBSCRIBE"]


@bp.route("/subscriptions", methods=["POST"])
@access.person
@limiter.limit(_subscribe_limit)
@bp.arguments(SubscriptionReportSchema)
@bp.response(200, SubscriptionSchema(many=True))
def report_subscriptions(body):
    """上报订阅消息授权结果（wx.requestSubscribeMessage 的返回值）"""
    result = services.report_subscriptions(current_person_account(), body["result"])
    db.session.commit()
    return result


@bp.route("/subscriptions", methods=["GET"])
@access.person
@bp.response(200, SubscriptionSchema(many=True))
def list_subscriptions():
    """我的订阅消息剩余条数（每个模板）"""
    return services.list_subscriptions(current_person_account())


@bp.route("/messages/<bigid:message_id>", methods=["GET"])
@access.person_or_staff("push.read")
@bp.response(200, MessageSchema)
def get_message(message_id):
    """消息发送状态与尝试记录（接收人本人，或有权限的工作人员）"""
    return services.get_message(message_id, staff=current_staff_or_none(),
                                account=current_person_account_or_none())
