"""Public-welfare posts over HTTP: development requests, placements, quarterly advance and
settlement. Thin views."""
from flask_smorest import Blueprint

from app.accounts.access import access, current_staff
from app.core.concurrency import retrying
from app.core.idempotency import idempotent
from app.extensions import db

from . import posts
from .schemas import (LeaveSchema, PlacementSchema, PlacePersonSchema, PostRequestSchema, PostSchema,
                      QuarterSchema, SettlementSchema)

bp = Blueprint("money_posts", __name__, url_prefix="/api/v1/money",
               description="Public-welfare posts: placements, advance and settlement.")


def _done(result):
    db.session.commit()
    return result


@bp.route("/posts", methods=["POST"])
@access.staff("post.manage")
@idempotent
@retrying
@bp.arguments(PostRequestSchema)
@bp.response(201, PostSchema)
def request_post(body):
    """公益性岗位开发申请（用人单位、岗位、人数、期限）"""
    return _done(posts.request_post(current_staff(), **body))


@bp.route("/posts/<bigid:post_id>", methods=["GET"])
@access.staff("post.read")
@bp.response(200, PostSchema)
def show_post(post_id):
    """公益性岗位、在岗人员和各季度预拨清算"""
    return posts.show_post(current_staff(), post_id)


@bp.route("/posts/<bigid:post_id>/approve", methods=["POST"])
@access.staff("post.approve")
@idempotent
@retrying
@bp.response(200, PostSchema)
def approve_post(post_id):
    """批准岗位开发申请（申请人不能审批）"""
    return _done(posts.approve_post(current_staff(), post_id))


@bp.route("/posts/<bigid:post_id>/placements", methods=["POST"])
@access.staff("post.manage")
@idempotent
@retrying
@bp.arguments(PlacePersonSchema)
@bp.response(201, PlacementSchema)
def place_person(body, post_id):
    """安置就业困难人员上岗（最多安置2次）"""
    return _done(posts.place_person(current_staff(), post_id, **body))


@bp.route("/placements/<bigid:placement_id>/leave", methods=["POST"])
@access.staff("post.manage")
@idempotent
@retrying
@bp.arguments(LeaveSchema)
@bp.response(200, PlacementSchema)
def end_placement(body, placement_id):
    """登记人员离岗"""
    return _done(posts.end_placement(current_staff(), placement_id, **body))


@bp.route("/posts/<bigid:post_id>/advance", methods=["POST"])
@access.staff("batch.manage")
@idempotent
@retrying
@bp.arguments(QuarterSchema)
@bp.response(201, SettlementSchema)
def advance_quarter(body, post_id):
    """按季度初在岗人数预拨岗位补贴和社会保险补贴"""
    return _done(posts.advance_quarter(current_staff(), post_id, body["quarter"]))


@bp.route("/posts/<bigid:post_id>/settle", methods=["POST"])
@access.staff("batch.manage")
@idempotent
@retrying
@bp.arguments(QuarterSchema)
@bp.response(200, SettlementSchema)
def settle_quarter(body, post_id):
    """按实际在岗月数清算：多退少补"""
    return _done(posts.settle_quarter(current_staff(), post_id, body["quarter"]))
