"""HTTP views of the policy catalog. Thin: parse, call one service, serialise."""
from flask import request
from flask_smorest import Blueprint

from app.accounts.access import access, current_person_account, current_staff
from app.extensions import db

from . import benefits, services
from .schemas import (CatalogQuerySchema, CatalogSchema, EvaluateSchema, EvaluationSchema,
                      PersonPoliciesSchema, PolicyDetailSchema, PublishSchema, VersionSchema)

bp = Blueprint("policies", __name__, url_prefix="/api/v1/policies",
               description="Employment-assistance policies: catalog, steps, evaluation, versions.")

# A whole catalog is larger than the app-wide body limit; only this view accepts it, and
# only after the caller's token and permission were checked.
PUBLISH_MAX_BYTES = 512 * 1024


@bp.before_request
def _allow_catalog_documents():
    if request.endpoint == "policies.publish_version":
        request.max_content_length = PUBLISH_MAX_BYTES


@bp.route("", methods=["GET"])
@access.public
@bp.arguments(CatalogQuerySchema, location="query")
@bp.response(200, CatalogSchema)
def list_policies(args):
    """现行政策目录（可按行政区划显示当地标准）"""
    catalog = services.catalog_in_force(args["on"])
    return services.describe_catalog(catalog, args["region_code"])


@bp.route("/versions", methods=["GET"])
@access.staff()
@bp.response(200, VersionSchema(many=True))
def list_versions():
    """已发布的政策目录版本"""
    return services.list_versions()


@bp.route("/versions", methods=["POST"])
@access.staff("policy.publish")
@bp.arguments(PublishSchema)
@bp.response(201, VersionSchema)
def publish_version(body):
    """发布新的政策目录版本（发布前校验，有误时指出位置）"""
    row = services.publish_version(current_staff(), body.get("document"), body.get("source"))
    db.session.commit()
    return row


@bp.route("/evaluate", methods=["POST"])
@access.staff("person.read")
@bp.arguments(EvaluateSchema)
@bp.response(200, EvaluationSchema)
def evaluate(body):
    """按提交的情况试算可享受的政策（“如果……会怎样”）"""
    return services.evaluate_facts(body["facts"])


@bp.route("/me", methods=["GET"])
@access.person
@bp.response(200, PersonPoliciesSchema)
def my_policies():
    """我可以享受的政策：符合、不符合或补充什么即可享受，已享受政策的期限，办理步骤"""
    return benefits.view_for_account(current_person_account())


@bp.route("/<code>", methods=["GET"])
@access.public
@bp.arguments(CatalogQuerySchema, location="query")
@bp.response(200, PolicyDetailSchema)
def show_policy(args, code):
    """政策详情与办理步骤（先到本人所在的服务站）"""
    catalog = services.catalog_in_force(args["on"])
    policy = services.get_policy(catalog, code)
    return services.describe_policy(catalog, policy, args["region_code"], with_steps=True)
