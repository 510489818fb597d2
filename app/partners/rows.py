"""Partner-department lists row by row: the declared sources, the header map and the checks
of each cell. Pure: no Flask, no database, so the checks run the same in the import, the
tests and the benchmark.

A row gives either clean values or a list of problems, each naming the column as the
department wrote it and a stable code; the service turns codes into Chinese messages.
"""
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import mul
from pathlib import Path

from app.core.idnumber import (CHECK_CHARS, MIN_BIRTH_YEAR, WEIGHTS, InvalidIdNumber,
                               parse_id_number)
from app.core.names import is_valid_name, normalize_name

SOURCES_FILE = Path(__file__).with_name("sources.json")
TEXT_MAX = 100
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")
_REGION = re.compile(r"^\d{12}$")
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    type: str
    required: bool = False
    aliases: tuple = ()
    codes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    roles: frozenset
    columns: tuple


@dataclass(frozen=True)
class Problem:
    column: str | None  # the header as the file has it; None for the whole row
    code: str           # partners.<reason>, stable
    details: dict = field(default_factory=dict)


def load_sources(path=SOURCES_FILE):
    """{code: Source} from the declared file, with its version."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    sources = {}
    for code, spec in document["sources"].items():
        columns = tuple(Column(field=c["field"], header=c["header"], type=c["type"],
                               required=c.get("required", False),
                               aliases=tuple(c.get("aliases", ())), codes=c.get("codes", {}))
                        for c in spec["columns"])
        sources[code] = Source(code, spec["label"], frozenset(spec["roles"]), columns)
    return document["version"], sources


def map_headers(source, header_row):
    """{field: position} for the file's header row, or raise MissingColumns naming the
    required headers the file lacks. Unknown extra columns are ignored."""
    cleaned = [str(cell).strip() if cell is not None else "" for cell in header_row]
    positions, missing = {}, []
    for column in source.columns:
        names = (column.header, *column.aliases)
        found = next((i for i, cell in enumerate(cleaned) if cell in names), None)
        if found is not None:
            positions[column.field] = found
        elif column.required:
            missing.append(column.header)
    if missing:
        raise MissingColumns(missing)
    return positions


class MissingColumns(ValueError):
    def __init__(self, headers):
        super().__init__("missing columns")
        self.headers = headers


def check_row(source, positions, cells, today):
    """(values, problems) for one data row. `values` holds every clean cell by field (None
    where empty); a row with any problem is not imported, but its ID number, when it is
    valid, still tells the import that the person is on the list."""
    return RowChecker(source, positions, today).check(cells)


class RowChecker:
    """check_row made once per file: the columns' checks looked up once, and an ID number
    of the usual form (18 characters, valid) checked without the general parser, whose
    birth dates it remembers; anything else goes through the general checks, so values
    and problems are exactly check_row's. A million-row list passes through here."""

    def __init__(self, source, positions, today):
        if isinstance(today, datetime):
            today = today.date()
        self.today = today
        self.plan = tuple((column.field, positions.get(column.field), column.required,
                           column, self.id_number if column.type == "id_number"
                           else _CHECKS[column.type]) for column in source.columns)
        self.born = {}  # "YYYYMMDD" -> True when a valid birth date up to today

    def check(self, cells):
        values, problems = {}, []
        size, today = len(cells), self.today
        for name, position, required, column, check in self.plan:
            raw = cells[position] if position is not None and position < size else None
            if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
                values[name] = None
                if required:
                    problems.append(Problem(column.header, "partners.missing_value"))
                continue
            try:
                values[name] = check(raw, column, today)
            except CellError as exc:
                values[name] = None
                problems.append(Problem(column.header, exc.code, exc.details))
        return values, problems

    def id_number(self, raw, column, today):
        if isinstance(raw, str) and len(raw) == 18 and _ID_18.fullmatch(raw):
            born = self.born.get(raw[6:14])
            if born is None:
                born = self.born[raw[6:14]] = _valid_birth(raw[6:14], today)
            # ISO 7064 MOD 11-2 over the digits' code points (each is 48 + digit).
            if born and CHECK_CHARS[(sum(map(mul, raw[:17].encode(), WEIGHTS)) - _ZEROS) % 11] \
                    == raw[17]:
                return raw
        return _id_number(raw, column, today)  # the general parser, and its reasons


_ID_18 = re.compile(r"[0-9]{17}[0-9X]")
_ZEROS = 48 * sum(WEIGHTS)


def _valid_birth(yyyymmdd, today):
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return MIN_BIRTH_YEAR <= born.year and born <= today


class CellError(ValueError):
    def __init__(self, code, details=None):
        super().__init__(code)
        self.code, self.details = code, details or {}


def _id_number(raw, column, today):
    if not isinstance(raw, str):
        # A spreadsheet cell holding the number as a number has lost digits already.
        raise CellError("partners.id_number_not_text")
    try:
        return parse_id_number(raw, today).number
    except InvalidIdNumber as exc:
        raise CellError("partners.bad_id_number", {"reason": exc.reason}) from None


def _name(raw, column, today):
    value = normalize_name(str(raw))
    if not is_valid_name(value):
        raise CellError("partners.bad_name")
    return value


def _text(raw, column, today):
    value = str(raw).strip()
    if len(value) > TEXT_MAX or _CONTROL.search(value):
        raise CellError("partners.bad_text", {"max_length": TEXT_MAX})
    return value


def _date(raw, column, today):
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("partners.bad_date", {"expected": "YYYY-MM-DD"})


def _month(raw, column, today):
    if isinstance(raw, (datetime, date)):
        return f"{raw.year:04d}-{raw.month:02d}"
    match = _MONTH.match(str(raw).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CellError("partners.bad_month", {"expected": "YYYYMM"})
    return f"{match.group(1)}-{match.group(2)}"


def _count(raw, column, today):
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if not text.isascii() or not text.isdigit() or int(text) > 1200:
        raise CellError("partners.bad_number", {"min": 0, "max": 1200})
    return int(text)


def _money(raw, column, today):
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise CellError("partners.bad_amount") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1000000") \
            or value != value.quantize(Decimal("0.01")):
        raise CellError("partners.bad_amount")
    return str(value.quantize(Decimal("0.01")))


def _enum(raw, column, today):
    text = str(raw).strip()
    if text not in column.codes:
        raise CellError("partners.bad_code", {"allowed": sorted(column.codes)})
    return column.codes[text]


def _region(raw, column, today):
    text = str(raw).strip()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = str(int(raw))
    if not _REGION.match(text):
        raise CellError("partners.bad_region")
    return text


_CHECKS = {"id_number": _id_number, "name": _name, "text": _text, "date": _date,
           "month": _month, "count": _count, "money": _money, "enum": _enum,
           "region": _region}
