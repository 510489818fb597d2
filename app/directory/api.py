"""Regions and service stations: public reference data for "where do I go"."""
from flask_babel import gettext
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.accounts.access import access, current_staff
from app.core.schemas import PageArgs, StrictSchema
from app.core.stations import STATION_KIND_LABELS
from app.extensions import db

from . import services

bp = Blueprint("directory", __name__, url_prefix="/api/v1", description="Region tree (GB/T 2260) and service stations.")

CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")


class RegionSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.Integer()
    parent_code = fields.String(allow_none=True)


class RegionDetailSchema(RegionSchema):
    path = fields.List(fields.Nested(RegionSchema))
    children = fields.List(fields.Nested(RegionSchema))


class StationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.Function(lambda s: gettext(s.kind_label))
    region_code = fields.String()
    address = fields.String()
    opening_hours = fields.String()
    phone = fields.String()


class StationQuerySchema(PageArgs):
    region_code = fields.String(required=True, validate=CODE)
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class StationCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(2, 128))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in STATION_KIND_LABELS]))
    region_code = fields.String(required=True, validate=CODE)
    address = fields.String(required=True, validate=validate.Length(2, 255))
    opening_hours = fields.String(required=True, validate=validate.Length(2, 128))
    phone = fields.String(required=True, validate=validate.Regexp(r"^[0-9-]{7,20}$"))


class RegionCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{9}(\d{3})?$"))
    name = fields.String(required=True, validate=validate.Length(1, 64))
    parent_code = fields.String(required=True, validate=CODE)


@bp.route("/regions/<code>", methods=["GET"])
@access.public
@bp.response(200, RegionDetailSchema)
def show_region(code):
    """行政区划及其下级（GB/T 2260）"""
    region, path, children = services.describe_region(code)
    return {**region.to_dict(), "path": [r.to_dict() for r in path],
            "children": [r.to_dict() for r in children]}


@bp.route("/regions", methods=["POST"])
@access.staff("region.manage")
@bp.arguments(RegionCreateSchema)
@bp.response(201, RegionSchema)
def create_region(body):
    """在本辖区内新增苏木乡镇（街道）或嘎查村（社区）"""
    region = services.create_region(current_staff(), **body)
    db.session.commit()
    return region.to_dict()


@bp.route("/stations", methods=["GET"])
@access.public
@bp.arguments(StationQuerySchema, location="query")
@bp.response(200, StationSchema(many=True))
def list_stations(args):
    """某行政区划（含下级）内的服务站"""
    return services.list_stations(args["region_code"], args["page"], args["per_page"])


@bp.route("/stations", methods=["POST"])
@access.staff("station.manage")
@bp.arguments(StationCreateSchema)
@bp.response(201, StationSchema)
def create_station(body):
    """在本辖区内新增服务站"""
    station = services.create_station(current_staff(), **body)
    db.session.commit()
    return station
