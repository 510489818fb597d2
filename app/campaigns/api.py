"""HTTP views of campaigns: create, list, show with counts, holiday nodes."""
from flask_smorest import Blueprint

from app.accounts.access import access, current_staff
from app.extensions import db

from . import services
from .schemas import (CampaignCreateSchema, CampaignListArgs, CampaignPageSchema,
                      CampaignSchema, HolidayArgs, HolidaySchema)

bp = Blueprint("campaigns", __name__, url_prefix="/api/v1/push/campaigns",
               description="Campaigns: one message kind to a segment, in a send window.")


@bp.route("", methods=["POST"])
@access.staff("campaign.manage")
@bp.arguments(CampaignCreateSchema)
@bp.response(201, CampaignSchema)
def create_campaign(body):
    """创建专项推送活动（由后台任务展开并发送）"""
    campaign = services.create_campaign(current_staff(), **body)
    db.session.commit()
    return services.with_counts(campaign)


@bp.route("", methods=["GET"])
@access.staff("campaign.manage")
@bp.arguments(CampaignListArgs, location="query")
@bp.response(200, CampaignPageSchema)
def list_campaigns(args):
    """本辖区推送活动列表（含发送统计）"""
    return services.list_campaigns(current_staff(), **args)


@bp.route("/holidays", methods=["GET"])
@access.staff("campaign.manage")
@bp.arguments(HolidayArgs, location="query")
@bp.response(200, HolidaySchema(many=True))
def list_holidays(args):
    """节日节点（元旦、春节、全国助残日）的日期"""
    return services.holiday_nodes(args["year"])


@bp.route("/<bigid:campaign_id>", methods=["GET"])
@access.staff("campaign.manage")
@bp.response(200, CampaignSchema)
def show_campaign(campaign_id):
    """推送活动详情与发送统计"""
    return services.get_campaign(current_staff(), campaign_id)
