"""The statistics page (figures against the year's targets, per child region, with their
definitions and a chart) and its exports as CSV and XLSX."""
import csv
from decimal import Decimal
from io import BytesIO, StringIO

from flask import Response, g, redirect, request, send_file, url_for
from flask_babel import gettext, lazy_gettext as _l

from app.certification.settings import current_rules
from app.core.clock import local_today
from app.core.errors import ValidationFailed
from app.extensions import db
from app.certification.services import STATUS_LABELS
from app.core.i18n import Renderable
from app.policies.engine import policy_name
from app.policies.services import catalog_in_force
from app.stats.services import BREAKDOWNS, FIGURES, region_statistics, set_target

from .base import bp, page
from .formkeys import once
from .session import signed_in

LABELS = {
    "helped": _l("帮助实现就业（人）"), "disabled_helped": _l("其中残疾人（人）"),
    "certified": _l("新认定（人）"), "exits": _l("退出认定（人）"),
    "applications_open": _l("在办申请（件）"), "applications_overdue": _l("超时申请（件）"),
    "contacts": _l("联系对接（次）"), "cases_open": _l("在帮扶对象（人）"),
    "cases_contacted": _l("期内已联系（人）"), "coverage": _l("联系覆盖率（%）"),
    "zero_open": _l("在册零就业家庭（户）"), "zero_identified": _l("新认定零就业家庭（户）"),
    "zero_cleared": _l("零就业家庭清零（户）"), "zero_clear_days": _l("平均清零天数"),
    "benefits": _l("新享受政策（人次）"), "paid_yuan": _l("已发放资金（元）"),
    "vacancies": _l("新发布岗位（个）"), "positions": _l("招聘人数（人）"),
    "filled": _l("已招满（人）"), "fill_rate": _l("岗位填补率（%）"),
}
DEFINITIONS = {
    "helped": _l("本期内实现就业的已认定就业困难人员或登记失业人员（登记入职、经推荐录用，或因实现市场就业"
                 "退出认定），每人每年只计一次，计在本年第一次就业的地区。目标：全区8万人以上。"),
    "disabled_helped": _l("上述人员中以残疾人类别认定的人员。目标：全区6000人以上。"),
    "certified": _l("本期内生效的就业困难人员认定（按认定地区）；分类别见下表，一人多类别时各类别均计。"),
    "exits": _l("本期内退出认定的人数；按退出原因见下表。"),
    "applications_open": _l("当前尚未办结的认定申请；按环节见下表。"),
    "applications_overdue": _l("当前超过工作日办理时限、仍在工作人员环节的申请。"),
    "contacts": _l("本期内登记的联系对接次数。"),
    "cases_open": _l("当前在帮扶中的人员（按居住地）。"),
    "cases_contacted": _l("在帮扶人员中，最近一次联系在本期开始之后的人数。"),
    "coverage": _l("期内已联系人数占在帮扶人数的比例。"),
    "zero_open": _l("当前在册、尚未清零的零就业家庭。"),
    "zero_identified": _l("本期内新认定的零就业家庭。"),
    "zero_cleared": _l("本期内实现清零（至少一人就业）的零就业家庭。"),
    "zero_clear_days": _l("本期内清零的家庭从认定到清零的平均天数。"),
    "benefits": _l("本期内开始享受政策的人次；按政策见下表。"),
    "paid_yuan": _l("所属月份在本期内、已发放成功的补贴金额；按政策见下表。"),
    "vacancies": _l("本期内开始招聘的岗位数（按岗位所在地区）。"),
    "positions": _l("上述岗位的招聘人数合计。"),
    "filled": _l("上述岗位已录用的人数合计。"),
    "fill_rate": _l("已录用人数占招聘人数的比例。"),
}
BREAKDOWN_TITLES = {
    "certified_by": _l("新认定按类别（人）"), "exits": _l("退出认定按原因（人）"),
    "applications": _l("在办申请按环节（件）"), "benefits": _l("新享受政策按政策（人次）"),
    "paid_fen": _l("已发放资金按政策（元）"),
}
CHARTED = ("helped", "disabled_helped", "certified", "coverage", "fill_rate")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def _period():
    """(year, month or None) from the query; a bad value is a clear 422, never a guess."""
    today = local_today()
    try:
        year = int(request.args.get("year") or today.year)
        month = int(request.args["month"]) if request.args.get("month") else None
    except ValueError:
        raise ValidationFailed("stats.period_invalid", _l("年度和月份须为数字")) from None
    if not 2000 <= year <= today.year + 1:
        raise ValidationFailed("stats.period_invalid", _l("年度须在2000年至明年之间"))
    return year, month


def _figures():
    year, month = _period()
    result = region_statistics(g.staff, request.args.get("region") or None, year, month)
    db.session.commit()
    return result


def key_labels():
    """{breakdown: {key: label}}: categories, exit reasons, steps and policies by name."""
    rules = current_rules()
    catalog = catalog_in_force()
    policies = {code: str(_plain(policy_name(catalog, policy)))
                for code, policy in (catalog.by_code.items() if catalog else [])}
    return {"certified_by": {c["code"]: str(_plain(c["label"])) for c in rules.categories},
            "exits": {k: str(_plain(v)) for k, v in rules.exit_reasons.items()},
            "applications": {str(k): str(v) for k, v in STATUS_LABELS.items()},
            "benefits": policies, "paid_fen": policies}


def _plain(text):
    return text.render(gettext) if isinstance(text, Renderable) else text


def breakdown_tables(result):
    """[(figure, title, [(key, label)], [(line, {key: value})])] for the page and exports."""
    labels, tables = key_labels(), []
    lines = [result["region"]] + result["children"]
    for figure in BREAKDOWNS:
        keys = sorted({k for line in lines for k in line["breakdowns"][figure]})
        scale = (lambda v: Decimal(v) / 100) if figure == "paid_fen" else (lambda v: v)
        tables.append((figure, BREAKDOWN_TITLES[figure],
                       [(k, labels[figure].get(k, k)) for k in keys],
                       [(line, {k: scale(line["breakdowns"][figure].get(k, 0)) for k in keys})
                        for line in lines]))
    return tables


def _chart(result, figure="helped"):
    """Bars of one figure per child region, as numbers the template draws in SVG."""
    lines = result["children"]
    top = max([line[figure] or 0 for line in lines] + [1])
    return [{"name": line["name"], "value": "—" if line[figure] is None else line[figure],
             "width": round(300 * (line[figure] or 0) / top)} for line in lines]


@bp.route("/statistics", methods=["GET"])
@signed_in("stats.read")
def statistics():
    """Figures of the caller's subtree (or a child region of it) for a year."""
    result = _figures()
    split = sum(line["targets"].get("helped", 0) for line in result["children"])
    return page("statistics.html", result=result, figures=FIGURES, labels=LABELS,
                definitions=DEFINITIONS, year=result["year"], month=result["month"],
                split=split, breakdowns=breakdown_tables(result),
                charts=[(figure, _chart(result, figure)) for figure in CHARTED])


def _table(result):
    """The page's main table and every breakdown as extra columns, one row per region."""
    tables = breakdown_tables(result)
    header = [gettext("区划代码"), gettext("区划")] + [str(LABELS[f]) for f in FIGURES] + \
        [gettext("帮助就业目标"), gettext("残疾人就业目标")] + \
        [f"{title}·{label}" for _f, title, keys, _rows in tables for _k, label in keys]
    lines = [result["region"]] + result["children"]
    rows = []
    for index, line in enumerate(lines):
        extra = [values[k] for _f, _t, keys, table_rows in tables
                 for k, _label in keys for values in [table_rows[index][1]]]
        rows.append([line["region_code"], line["name"]] + [_value(line[f]) for f in FIGURES]
                    + [line["targets"].get("helped"), line["targets"].get("disabled_helped")]
                    + [_value(v) for v in extra])
    return header, rows


def _value(value):
    """Money as a number with two decimals (Excel keeps it a number); none as empty."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _number(name):
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise ValidationFailed("stats.target_invalid",
                               _l("目标须为不小于0的整数，且残疾人目标不能大于总目标")) from None


@bp.route("/statistics/targets", methods=["POST"])
@signed_in("region.manage")
@once
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
    period = f"{result['year']}" + (f"-{result['month']:02d}" if result["month"] else "")
    name = f"statistics-{result['region']['region_code']}-{period}.{fmt}"
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
    sheet.title = period
    for row in [header] + rows:
        sheet.append([_cell(v) for v in row])
    data = BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, as_attachment=True, download_name=name, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
