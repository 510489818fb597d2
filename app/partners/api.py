"""Partner lists over HTTP: a department uploads its own kind of list and reads its import
reports and match counts; it never sees persons."""
import os
import tempfile

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.accounts.access import access, current_staff
from app.core.concurrency import retrying
from app.core.models import get_in_scope
from app.core.schemas import PageArgs, StrictSchema
from app.extensions import db

from . import imports, reports
from .messages import problem_message
from .models import PartnerImport

bp = Blueprint("partners", __name__, url_prefix="/api/v1/partners",
               description="Partner-department lists: imports and their row reports.")

REGION = validate.Regexp(r"^\d{6}(\d{3}){0,2}$")


@bp.before_request
def _allow_list_files():
    """A list is far larger than the service-wide body limit; only the upload accepts it."""
    if request.endpoint == "partners.upload_list":
        request.max_content_length = current_app.config["PARTNER_LIST_MAX_BYTES"]


class ColumnSchema(Schema):
    field = fields.String()
    header = fields.String()
    aliases = fields.List(fields.String())
    type = fields.String()
    required = fields.Boolean()
    codes = fields.List(fields.String(), attribute="code_labels")


class SourceSchema(Schema):
    code = fields.String()
    label = fields.String()
    roles = fields.List(fields.String())
    columns = fields.List(fields.Nested(ColumnSchema))


class SourcesSchema(Schema):
    version = fields.String()
    sources = fields.List(fields.Nested(SourceSchema))


class UploadFormSchema(StrictSchema):
    source = fields.String(required=True, validate=validate.Length(1, 24))
    region_code = fields.String(load_default=None, validate=REGION)
    as_of = fields.Date(required=True)


class UploadFileSchema(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    region_code = fields.String()
    as_of = fields.Date()
    file_kind = fields.String()
    sources_version = fields.String()
    uploaded_at = fields.DateTime()
    rows_total = fields.Integer()
    rows_failed = fields.Integer()
    added = fields.Integer()
    changed = fields.Integer()
    unchanged = fields.Integer()
    ended = fields.Integer()
    matched = fields.Integer()
    duplicate = fields.Boolean(metadata={"description": "the same file was imported before"})


class ImportListArgs(PageArgs):
    source = fields.String(validate=validate.Length(1, 24))
    region_code = fields.String(validate=REGION)


class ImportPageSchema(Schema):
    items = fields.List(fields.Nested(ImportSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ProblemSchema(Schema):
    line = fields.Integer()
    column = fields.String(allow_none=True)
    code = fields.String()
    message = fields.Function(lambda p: str(problem_message(p.code)))
    details = fields.Dict()


class ProblemPageSchema(Schema):
    items = fields.List(fields.Nested(ProblemSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


@bp.route("/sources", methods=["GET"])
@access.staff("partners.import")
@bp.response(200, SourcesSchema)
def list_sources():
    """各部门名单的列定义（中文表头、代码表）"""
    return reports.describe_sources()


@bp.route("/imports", methods=["POST"])
@access.staff("partners.import")
@retrying
@bp.arguments(UploadFormSchema, location="form")
@bp.arguments(UploadFileSchema, location="files")
@bp.response(201, ImportSchema)
@bp.alt_response(200, schema=ImportSchema, description="the same file was imported before")
def upload_list(form, files):
    """上传名单（CSV 或 XLSX），逐行校验并返回导入结果"""
    staff = current_staff()
    handle, path = tempfile.mkstemp(prefix="partner-list-")
    try:
        with os.fdopen(handle, "wb") as out:
            files["file"].save(out)
        batch, created = imports.import_list(staff, source=form["source"],
                                             region_code=form["region_code"],
                                             as_of=form["as_of"], path=path)
        db.session.commit()
    finally:
        os.unlink(path)  # the raw file is never kept past the import
    batch.duplicate = not created
    return batch, 201 if created else 200


@bp.route("/imports", methods=["GET"])
@access.staff("partners.read_imports")
@bp.arguments(ImportListArgs, location="query")
@bp.response(200, ImportPageSchema)
def list_imports(args):
    """本辖区的名单导入记录（只含数量，不含人员）"""
    return reports.list_imports(current_staff(), **args)


@bp.route("/imports/<bigid:import_id>", methods=["GET"])
@access.staff("partners.read_imports")
@bp.response(200, ImportSchema)
def show_import(import_id):
    """一次导入的结果"""
    return get_in_scope(PartnerImport, current_staff(), import_id)


@bp.route("/imports/<bigid:import_id>/problems", methods=["GET"])
@access.staff("partners.read_imports")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ProblemPageSchema)
def list_problems(args, import_id):
    """逐行校验报告：行号、列、错误代码、说明"""
    batch = get_in_scope(PartnerImport, current_staff(), import_id)
    return reports.list_problems(batch, **args)
