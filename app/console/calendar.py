"""The year's working-day schedule (节假日安排): every deadline counts working days on it.
Any staff member reads where a year's schedule comes from (as the API's GET); a region
admin loads the State Council's published schedule through the same service as the API's
PUT and `flask certification calendar` (app.certification.settings.load_calendar_year)."""
import re
from datetime import date

from flask import g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from app.certification.schemas import CalendarSchema
from app.certification.settings import YEARS, calendar_view, load_calendar_year
from app.core.clock import local_today
from app.core.errors import AppError, ValidationFailed
from app.extensions import db
from app.people.services import who

from .base import bp, page
from .formkeys import once
from .session import signed_in

SEPARATORS = re.compile(r"[\s,，、;；]+")
SOURCE_MAX = 255


def _max_of(name):
    field = CalendarSchema().fields[name]
    return next(v.max for v in field.validators if isinstance(v, validate.Length))


def _year(raw):
    try:
        year = int(str(raw).strip()[:4])
    except ValueError:
        year = None
    if year not in YEARS:
        raise ValidationFailed("console.calendar_year",
                               _l("年份须在%(first)s至%(last)s之间", first=YEARS[0], last=YEARS[-1]),
                               {"field": "year"})
    return year


def _dates(name, label):
    """One date per line (or separated by commas); each must be 年-月-日."""
    days = set()
    for token in SEPARATORS.split(request.form.get(name, "")[:4000].strip()):
        if not token:
            continue
        try:
            days.add(date.fromisoformat(token))
        except ValueError:
            raise ValidationFailed("console.calendar_date",
                                   _l("%(label)s中的“%(value)s”不是“年-月-日”格式的日期",
                                      label=label, value=token[:20]), {"field": name}) from None
    limit = _max_of(name)
    if len(days) > limit:
        raise ValidationFailed("console.calendar_too_many",
                               _l("%(label)s最多%(max)s天", label=label, max=limit),
                               {"field": name})
    return days


def calendar_form():
    """The form as load_calendar_year's arguments, each field refused with its own reason."""
    year = _year(request.form.get("year", ""))
    holidays = _dates("holidays", _l("放假日期"))
    workdays = _dates("workdays", _l("调休上班日期"))
    source = request.form.get("source", "").strip()
    if not 2 <= len(source) <= SOURCE_MAX:
        raise ValidationFailed("console.calendar_source",
                               _l("请填写依据文件（如国务院办公厅通知的文号，2至255字）"),
                               {"field": "source"})
    return year, holidays, workdays, source


def _page(year, code=200, **context):
    return page("calendar.html", code=code, view=calendar_view(year), year=year, **context)


@bp.route("/calendar", methods=["GET"])
@signed_in()
def calendar():
    """Where a year's schedule comes from: loaded, the calendar package, or weekends only."""
    try:
        year = _year(request.args.get("year", local_today().year))
    except ValidationFailed:
        year = local_today().year
    return _page(year, saved=request.args.get("saved", ""))


@bp.route("/calendar", methods=["POST"])
@signed_in("calendar.manage")
@once
def calendar_submit():
    """Load (or replace) a year's official schedule; audited as calendar.loaded."""
    try:
        year, holidays, workdays, source = calendar_form()
        load_calendar_year(year, holidays, workdays, source, who(g.staff))
    except AppError as exc:
        db.session.rollback()
        if exc.status not in (404, 409, 422):
            raise
        typed_year = request.form.get("year", "").strip()[:4]
        year = int(typed_year) if typed_year.isdigit() and int(typed_year) in YEARS \
            else local_today().year
        return _page(year, code=exc.status, error=exc, typed=request.form)
    db.session.commit()
    return redirect(url_for("console.calendar", year=year, saved=1), 303)
