"""Partner departments' lists (部门名单): a department uploads its own kind of list and
reads each import's counts and row report, through the services the API uses
(app.partners.imports.import_list, app.partners.reports). Never a person's data here."""
import os
import tempfile
from datetime import date

from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.core.concurrency import retrying
from app.core.errors import AppError, ValidationFailed
from app.core.models import get_in_scope
from app.extensions import db
from app.partners import imports, reports
from app.partners.messages import problem_message
from app.partners.models import PartnerImport

from .base import bp, page
from .formkeys import once
from .session import signed_in

PER_PAGE = 50


def my_sources(staff):
    """The kinds of list the caller's department sends (code, label)."""
    _, sources = imports.catalog()
    return [(s.code, s.label) for s in sources.values() if staff.role in s.roles]


def _source_label(code):
    source = imports.catalog()[1].get(code)
    return source.label if source else code


def _page_no():
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


def lists_page(code=200, **context):
    listing = reports.list_imports(g.staff, page=_page_no(), per_page=PER_PAGE)
    return page("lists.html", code=code, listing=listing, sources=my_sources(g.staff),
                names={code: s.label for code, s in imports.catalog()[1].items()},
                **context)


def upload_form():
    """The form's fields, each refused with its own code and message."""
    form = request.form
    source = form.get("source", "")[:24]
    if not source:
        raise ValidationFailed("console.list_source", _l("请选择名单类型"), {"field": "source"})
    try:
        as_of = date.fromisoformat(form.get("as_of", ""))
    except ValueError:
        raise ValidationFailed("console.list_as_of", _l("请填写名单日期（年-月-日）"),
                               {"field": "as_of"}) from None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("console.list_file", _l("请选择要上传的名单文件（CSV 或 XLSX）"),
                               {"field": "file"})
    region_code = form.get("region_code", "").strip()[:12] or None
    return {"source": source, "as_of": as_of, "region_code": region_code}, upload


@bp.route("/lists", methods=["GET"])
@signed_in("partners.read_imports")
def lists():
    """The imports of the caller's subtree, newest first, and the upload form."""
    return lists_page()


@bp.route("/lists", methods=["POST"])
@signed_in("partners.import", body_limit="PARTNER_LIST_MAX_BYTES")
@once
@retrying
def lists_upload():
    """Upload a list: every row is checked; the same file twice changes nothing."""
    handle, path = tempfile.mkstemp(prefix="partner-list-")
    try:
        fields, upload = upload_form()
        upload.stream.seek(0)  # @retrying may run this again
        with os.fdopen(handle, "wb") as out:
            upload.save(out)
        handle = None
        batch, created = imports.import_list(g.staff, path=path, **fields)
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (404, 409, 422):
            raise
        return lists_page(code=exc.status, error=exc, typed=request.form)
    finally:
        if handle is not None:
            os.close(handle)
        os.unlink(path)  # the raw file is never kept past the import
    db.session.commit()
    return redirect(url_for("console.list_report", import_id=batch.id,
                            done="imported" if created else "duplicate"), 303)


@bp.route("/lists/<bigid:import_id>", methods=["GET"])
@signed_in("partners.read_imports")
def list_report(import_id):
    """One import: its counts and its row report (line, column, code, Chinese message)."""
    batch = get_in_scope(PartnerImport, g.staff, import_id)
    problems = reports.list_problems(batch, page=_page_no(), per_page=PER_PAGE)
    return page("list_report.html", batch=batch, problems=problems, message=problem_message,
                label=_source_label(batch.source), done=request.args.get("done", ""),
                pages=max(1, -(-problems["total"] // PER_PAGE)))
