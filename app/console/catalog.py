"""The policy catalog's versions and publishing a new one (region admins): the YAML text goes
to the API's publish service (app.policies.services.publish_version), which compiles it and
refuses it with every problem at its path and line; the page shows each problem beside the
line it names, and the text as it was typed."""
from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, ValidationFailed
from app.extensions import db
from app.policies import services as policies
from app.policies.schemas import MAX_SOURCE_CHARS

from .base import bp, page
from .formkeys import once
from .session import signed_in


def annotated_lines(source, issues):
    """(number, text, issues) for each line that an issue names, in line order."""
    lines = source.splitlines()
    by_line = {}
    for issue in issues:
        line = issue.get("line")
        if isinstance(line, int) and 1 <= line <= len(lines):
            by_line.setdefault(line, []).append(issue)
    return [(n, lines[n - 1], by_line[n]) for n in sorted(by_line)]


def _page(code=200, **context):
    return page("catalog.html", code=code, versions=policies.list_versions(),
                done=request.args.get("done", ""), **context)


@bp.route("/catalog", methods=["GET"])
@signed_in()
def catalog():
    """The published versions (every staff member may read them, as in the API)."""
    return _page()


@bp.route("/catalog", methods=["POST"])
@signed_in("policy.publish", body_limit="POLICY_PUBLISH_MAX_BYTES")
@once
def catalog_publish():
    """Publish a new catalog version from its YAML (or JSON) text."""
    source = request.form.get("source", "")
    try:
        if not source.strip() or len(source) > MAX_SOURCE_CHARS:
            raise ValidationFailed("console.catalog_source",
                                   _l("请粘贴政策规则文档（YAML 或 JSON 文本）"),
                                   {"field": "source"})
        row = policies.publish_version(g.staff, source=source)
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (409, 422):
            raise
        issues = exc.details.get("issues", [])
        return _page(code=exc.status, error=exc, issues=issues, source=source,
                     lines=annotated_lines(source, issues))
    db.session.commit()
    return redirect(url_for("console.catalog", done=row.version), 303)
