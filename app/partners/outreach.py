"""The discovery list's outreach over HTTP: a contact recorded through the tracking area,
invitations through the push outbox per campaign round, and the dibao phase-outs a station
reads. Same blueprint as app/partners/api.py (imported at its end)."""
from marshmallow import Schema, fields

from app.accounts.access import access, current_staff
from app.core.clock import local_today
from app.core.concurrency import retrying
from app.core.idempotency import idempotent
from app.core.masking import mask_name
from app.core.schemas import BigId, StrictSchema
from app.extensions import db
from app.tracking.schemas import ContactOutSchema, ContactSchema

from . import discoveries, notices
from .api import REGION, RegionArgs, bp


class DiscoveryInvitationRequestSchema(StrictSchema):
    campaign_id = BigId(required=True, metadata={"description": "the campaign round"})
    region_code = fields.String(load_default=None, validate=REGION)


class DiscoveryInvitationResultSchema(Schema):
    campaign_id = fields.Integer()
    region_code = fields.String()
    invited = fields.Integer(metadata={"description": "new invitations queued now"})
    already_invited = fields.Integer(metadata={"description": "invited before in this round"})
    without_account = fields.Integer(metadata={"description": "no mini-program account: visit"})


class PhaseOutSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer(allow_none=True)
    name = fields.Function(lambda item: mask_name(item["name"]))
    community_code = fields.String()
    ended_on = fields.Date()
    notified = fields.Boolean(metadata={"description": "told through the push outbox"})


class PhaseOutListSchema(Schema):
    region_code = fields.String()
    items = fields.List(fields.Nested(PhaseOutSchema))


@bp.route("/discoveries/<bigid:record_id>/contacts", methods=["POST"])
@access.staff("tracking.work")
@idempotent
@retrying
@bp.arguments(ContactSchema)
@bp.response(201, ContactOutSchema)
def contact_discovered(body, record_id):
    """登记对发现人员的联系对接（走访、电话等）：建立帮扶档案并计入本轮联系覆盖"""
    contact = discoveries.contact_discovered(current_staff(), record_id, **body)
    db.session.commit()
    return contact


@bp.route("/discoveries/invitations", methods=["POST"])
@access.staff("tracking.work")
@retrying
@bp.arguments(DiscoveryInvitationRequestSchema)
@bp.response(200, DiscoveryInvitationResultSchema)
def invite_discovered(body):
    """向本辖区有小程序账号的发现人员推送申请邀请（每轮活动每人一次）"""
    result = notices.invite_discovered(current_staff(), body["campaign_id"], local_today(),
                                       body["region_code"])
    db.session.commit()
    return result


@bp.route("/dibao-phase-outs", methods=["GET"])
@access.staff("person.read")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, PhaseOutListSchema)
def list_phase_outs(args):
    """本辖区退出低保的人员（低保渐退政策告知）及是否已推送通知"""
    result = notices.list_phase_outs(current_staff(), args.get("region_code"))
    db.session.commit()
    return result
