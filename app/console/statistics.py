"""The statistics page (figures against the year's targets, per child region, with their
definitions and a chart) and its exports as CSV and XLSX."""
import csv
from io import BytesIO, StringIO

from flask import Response, g, redirect, request, send_file, url_for
from flask_babel import gettext, lazy_gettext as _l

from app.certification.settings import current_rules
from app.core.clock import local_today
from app.core.errors import ValidationFailed
from app.extensions import db
from app.stats.services import FIGURES, region_statistics, set_target

from .base import bp, page
from .session import signed_in

LABELS = {
    "helped": _l("帮助实现就业（人）"), "disabled_helped": _l("其中残疾人（人）"),
    "certified": _l("新认定（人）"), "exits": _l("退出认定（人）"),
    "applications_open": _l("在办申请（件）"), "applications_overdue": _l("超时申请（件）"),
    "recommendations": _l("岗位推荐（次）"), "hires": _l("推荐后录用（人次）"),
}
DEFINITIONS = {
    "helped": _l("本年内实现就业的已认定就业困难人员或登记失业人员（经推荐录用，或因实现就业退出认定），"
                 "每人每年只计一次，按就业时的居住地计入。目标：全区8万人以上。"),
    "disabled_helped": _l("上述人员中以残疾人类别认定的人员。目标：全区6000人以上。"),
    "certified": _l("本年内生效的就业困难人员认定。"),
    "exits": _l("本年内退出认定的人数。"),
    "applications_open": _l("当前尚未办结的认定申请。"),
    "applications_overdue": _l("当前超过工作日办理时限、仍在工作人员环节的申请。"),
    "recommendations": _l("本年内向人员推荐岗位的次数。"),
    "hires": _l("本年内记录的推荐后录用。"),
}
CHARTED = ("helped", "certified")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def _year():
    today = local_today()
    try:
        year = int(request.args.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _figures():
    result = region_statistics(g.staff, request.args.get("region") or None, _year())
    db.session.commit()
    return result


def _chart(result, figure="helped"):
    """Bars of one figure per child region, as numbers the template draws in SVG."""
    lines = result["children"]
    top = max([line[figure] for line in lines] + [1])
    return [{"name": line["name"], "value": line[figure], "width": round(300 * line[figure] / top)}
            for line in lines]


@bp.route("/statistics", methods=["GET"])
@signed_in("stats.read")
def statistics():
    """Figures of the caller's subtree (or a child region of it) for a year."""
    result = _figures()
    split = sum(line["targets"].get("helped", 0) for line in result["children"])
    return page("statistics.html", result=result, figures=FIGURES, labels=LABELS,
                definitions=DEFINITIONS, year=result["year"], split=split,
                charts=[(figure, _chart(result, figure)) for figure in CHARTED],
                category_labels={c["code"]: c["label"] for c in current_rules().categories})


def _table(result):
    header = [gettext("区划代码"), gettext("区划")] + [str(LABELS[f]) for f in FIGURES] + \
        [gettext("帮助就业目标"), gettext("残疾人就业目标")]
    lines = [result["region"]] + result["children"]
    return header, [[line["region_code"], line["name"]] + [line[f] for f in FIGURES]
                    + [line["targets"].get("helped"), line["targets"].get("disabled_helped")]
                    for line in lines]


def _number(name):
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise ValidationFailed("stats.target_invalid",
                               _l("目标须为不小于0的整数，且残疾人目标不能大于总目标")) from None


@bp.route("/statistics/targets", methods=["POST"])
@signed_in("region.manage")
def statistics_target():
    """Set a region's targets for a year (administrators, within their subtree)."""
    region = request.form.get("region", "")[:12]
    year = _number("year")
    set_target(g.staff, region, year, _number("helped"), _number("disabled_helped"))
    db.session.commit()
    return redirect(url_for("console.statistics", year=year,
                            region=request.form.get("scope") or None), 303)


def _cell(value):
    """No cell of an export may start a formula (SECURITY.md 4)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@bp.route("/statistics/export.<any(csv, xlsx):fmt>", methods=["GET"])
@signed_in("stats.read")
def statistics_export(fmt):
    """The page's table as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    result = _figures()
    header, rows = _table(result)
    name = f"statistics-{result['region']['region_code']}-{result['year']}.{fmt}"
    if fmt == "csv":
        out = StringIO()
        writer = csv.writer(out)
        for row in [header] + rows:
            writer.writerow([_cell(v) for v in row])
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = str(result["year"])
    for row in [header] + rows:
        sheet.append([_cell(v) for v in row])
    data = BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, as_attachment=True, download_name=name, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
