"""Partner lists over HTTP: a department uploads its own kind of list and reads its import
reports and match counts; it never sees persons."""
import os
import tempfile

from flask import current_app, request
from flask_babel import gettext
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.accounts.access import access, current_staff
from app.core.concurrency import retrying
from app.core.models import get_in_scope
from app.core.schemas import PageArgs, StrictSchema
from app.extensions import db

from app.core.clock import local_today
from app.core.masking import mask_name

from app.certification.schemas import ApplicationSchema, CommitmentSchema
from app.core.masking import mask_id_number
from app.people.schemas import ConsentSchema, FactsSchema

from . import discoveries, figures, imports, records, reports
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
    phase_outs = fields.Integer(metadata={
        "description": "dibao lists: memberships this list ended (phase-out information)"})


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


class FindingSchema(Schema):
    fact = fields.String()
    declared = fields.Raw(allow_none=True)
    listed = fields.Raw(allow_none=True)
    source = fields.String()
    as_of = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = fields.String(metadata={"enum": ["confirmed", "contradicted", "added"]})


class ComparisonSchema(Schema):
    person_id = fields.Integer()
    findings = fields.List(fields.Nested(FindingSchema))
    confirmed_evidence = fields.Dict(keys=fields.String(), values=fields.String())


class ContradictionSchema(Schema):
    person_id = fields.Integer()
    name = fields.Function(lambda item: mask_name(item["name"]))
    findings = fields.List(fields.Nested(FindingSchema))


class ContradictionListSchema(Schema):
    region_code = fields.String()
    items = fields.List(fields.Nested(ContradictionSchema))


class RegionArgs(StrictSchema):
    region_code = fields.String(validate=REGION)


class DiscoveryArgs(PageArgs):
    region_code = fields.String(validate=REGION)


class DiscoveryReasonSchema(Schema):
    code = fields.String()
    text = fields.Function(lambda reason: gettext(reason["text"]))
    category = fields.String()


class DiscoverySchema(Schema):
    record_id = fields.Integer()
    person_id = fields.Integer(allow_none=True)
    name = fields.Function(lambda item: mask_name(item["name"]))
    id_number = fields.Function(lambda item: mask_id_number(item["id_number"]))
    community_code = fields.String()
    sources = fields.List(fields.String())
    reasons = fields.List(fields.Nested(DiscoveryReasonSchema))
    last_contact_on = fields.Date(allow_none=True)


class DiscoveryPageSchema(Schema):
    region_code = fields.String()
    items = fields.List(fields.Nested(DiscoverySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class DiscoveryApplySchema(StrictSchema):
    consent = fields.Nested(ConsentSchema, required=True)
    commitment = fields.Nested(CommitmentSchema, required=True)
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^1\d{10}$"))
    facts = fields.Nested(FactsSchema, load_default=None)


@bp.route("/people/<bigid:person_id>/comparison", methods=["GET"])
@access.staff("person.read")
@bp.response(200, ComparisonSchema)
def show_comparison(person_id):
    """比对：部门名单与本人申报的对照（确认、矛盾、补充），以及可免交的证明材料"""
    result = records.compare_person(current_staff(), person_id, local_today())
    db.session.commit()  # the audit entry of the reading
    return result


@bp.route("/contradictions", methods=["GET"])
@access.staff("person.read")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, ContradictionListSchema)
def list_contradictions(args):
    """本辖区申报与部门名单不一致的人员（两边的值都列出），供服务站核实"""
    result = records.list_contradictions(current_staff(), local_today(), args.get("region_code"))
    db.session.commit()
    return result


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


@bp.route("/discoveries", methods=["GET"])
@access.staff("person.read")
@bp.arguments(DiscoveryArgs, location="query")
@bp.response(200, DiscoveryPageSchema)
def list_discoveries(args):
    """主动发现：名单上可能符合认定条件、尚未申请的人员及原因（仅本辖区）"""
    result = discoveries.list_discoveries(current_staff(), local_today(), **args)
    db.session.commit()
    return result


@bp.route("/discoveries/<bigid:record_id>/apply", methods=["POST"])
@access.staff("application.enter")
@retrying
@bp.arguments(DiscoveryApplySchema)
@bp.response(201, ApplicationSchema)
def apply_for_discovered(body, record_id):
    """为名单上发现的人员在服务站一步登记并提交认定申请（本人到场签字同意）"""
    application = discoveries.apply_for_discovered(current_staff(), record_id, local_today(),
                                                   **body)
    db.session.commit()
    return application


class ExitProposalSchema(Schema):
    certification_id = fields.Integer()
    person_id = fields.Integer()
    name = fields.Function(lambda item: mask_name(item["name"]))
    reason = fields.String()
    employer = fields.String(allow_none=True)
    last_month = fields.String(allow_none=True)
    as_of = fields.Date()


class ExitProposalListSchema(Schema):
    region_code = fields.String()
    items = fields.List(fields.Nested(ExitProposalSchema))


class SourceFigureSchema(Schema):
    source = fields.String()
    listed = fields.Integer()
    ended = fields.Integer()
    matched = fields.Integer()
    confirmed = fields.Integer(metadata={
        "description": "registered persons with an application or certification the list backs"})
    discovered = fields.Integer(metadata={"description": "on the discovery list now"})
    converted = fields.Integer()


class PartnerFiguresSchema(Schema):
    region_code = fields.String()
    discovered_capped = fields.Boolean(metadata={
        "description": "the region holds more list entries than one discovery scan reads"})
    sources = fields.List(fields.Nested(SourceFigureSchema))


@bp.route("/exit-proposals", methods=["GET"])
@access.staff("certification.exit")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, ExitProposalListSchema)
def list_exit_proposals(args):
    """社保名单显示已在单位就业参保的认定人员：建议旗县区按“已就业”办理退出"""
    result = figures.list_exit_proposals(current_staff(), args.get("region_code"))
    db.session.commit()
    return result


@bp.route("/figures", methods=["GET"])
@access.staff("partners.read_imports")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, PartnerFiguresSchema)
def show_figures(args):
    """各部门名单的统计：在册、已移出、匹配到人员、比对确认、主动发现、转为认定申请的人数"""
    return figures.source_figures(current_staff(), local_today(), args.get("region_code"))


from . import outreach  # noqa: E402,F401  (its views join this blueprint)
