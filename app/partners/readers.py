"""Reading a partner's file as it arrives: CSV (UTF-8, or GB18030 as Chinese office software
saves it) and XLSX, one row at a time, so a million-row list never sits in memory.

Pure: no Flask, no database. Every reader yields (line number, cells) with the header as
line 1, which is what a department sees when it opens the file.
"""
import codecs
import csv
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from xml.parsers import expat


CHUNK = 1 << 16


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX we can read; `reason` is stable."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def kind_of(path):
    """"xlsx" for a zip container (what every XLSX is), else "csv"."""
    return "xlsx" if zipfile.is_zipfile(path) else "csv"


def read_rows(path):
    return _xlsx_rows(path) if kind_of(path) == "xlsx" else _csv_rows(path)


def _encoding(path):
    """utf-8-sig when the whole file decodes as UTF-8, else gb18030 (a superset of GBK that
    decodes any byte sequence Chinese Excel writes); checked in chunks, streaming."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def _csv_rows(path):
    encoding = _encoding(path)
    with open(path, encoding=encoding, errors="strict", newline="") as handle:
        try:
            sample = handle.read(4096)
        except UnicodeDecodeError:
            raise UnreadableFile("encoding") from None
        if "\x00" in sample:
            raise UnreadableFile("not_text")
        handle.seek(0)
        reader = csv.reader(handle)
        try:
            for cells in reader:
                yield reader.line_num, cells
        except (csv.Error, UnicodeDecodeError):
            raise UnreadableFile("malformed_csv") from None


# ---------------------------------------------------------------- XLSX

_NS_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main")
_NS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
# The worksheet's elements by expat's "namespace}local" name, both namespaces (transitional,
# strict) and without one, so the callbacks compare short strings.
_SHEET_TAGS = {f"{ns}}}{local}" if ns else local: local
               for ns in (*_NS_MAIN, "") for local in ("dimension", "row", "c", "v", "is", "t",
                                                       "rPh", "sheetData")}


def _xlsx_rows(path):
    """The first sheet's rows, as openpyxl's read-only mode gave them (the row checks and the
    cells hash were built on those values): str, int, float, bool, datetime or None, each row
    as wide as the sheet's dimension. Streamed with expat: ~20x less CPU a row than openpyxl."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile("malformed_xlsx") from None
    with archive:
        try:
            book = _Book(archive)
            source = archive.open(book.sheet)
        except (KeyError, IndexError, ValueError, zipfile.BadZipFile, OSError, ET.ParseError,
                EOFError, zlib.error):
            raise UnreadableFile("malformed_xlsx") from None
        with source:
            try:
                yield from _SheetRows(book).rows(source)
            except (ValueError, KeyError, IndexError, TypeError, OverflowError,
                    zipfile.BadZipFile, OSError, EOFError, zlib.error, expat.ExpatError):
                raise UnreadableFile("malformed_xlsx") from None


class _Book:
    """What the sheet's cells need from the rest of the package: where the first sheet is,
    the shared strings, which cell styles are dates, the date system."""

    def __init__(self, archive):
        names = set(archive.namelist())
        workbook = "xl/workbook.xml"
        if "_rels/.rels" in names:
            for rel in ET.fromstring(archive.read("_rels/.rels")).iter(f"{{{_NS_PKG}}}Relationship"):
                if rel.get("Type", "").endswith("/officeDocument"):
                    workbook = rel.get("Target").lstrip("/")
        base = workbook.rsplit("/", 1)[0] + "/" if "/" in workbook else ""
        rels_path = f"{base}_rels/{workbook.rsplit('/', 1)[-1]}.rels"
        targets, by_type = {}, {}
        for rel in ET.fromstring(archive.read(rels_path)).iter(f"{{{_NS_PKG}}}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else base + target
            targets[rel.get("Id")] = target
            by_type.setdefault(rel.get("Type", "").rsplit("/", 1)[-1], target)
        root = ET.fromstring(archive.read(workbook))
        sheet = next(element for element in root.iter() if element.tag.endswith("}sheet"))
        rid = next(value for key, value in sheet.attrib.items()
                   if key in {f"{{{ns}}}id" for ns in _NS_REL})
        self.sheet = targets[rid]
        self.date1904 = any(element.get("date1904") in ("1", "true")
                            for element in root.iter() if element.tag.endswith("}workbookPr"))
        strings = by_type.get("sharedStrings")
        self.strings = _shared_strings(archive.open(strings)) \
            if strings and strings in names else []
        styles = by_type.get("styles")
        self.dates, self.timedeltas = _date_styles(archive.read(styles)) \
            if styles and styles in names else (set(), set())


def _text_of(element, main):
    """A string item's text as openpyxl reads it: the plain <t> and the runs' <t>, not the
    phonetic guide (<rPh>)."""
    parts = []
    plain = element.find(f"{{{main}}}t")
    if plain is not None and plain.text:
        parts.append(plain.text)
    for run in element.findall(f"{{{main}}}r"):
        text = run.find(f"{{{main}}}t")
        if text is not None and text.text:
            parts.append(text.text)
    return "".join(parts)


def _shared_strings(source):
    strings = []
    with source:
        for _, element in ET.iterparse(source):
            tag = element.tag
            if tag.endswith("}si"):
                strings.append(_text_of(element, tag[1:-3]).replace("x005F_", ""))
                element.clear()
    return strings


def _date_styles(xml):
    """The indexes of the cell styles whose number format is a date (and, of those, a
    duration), decided by openpyxl's own rules: the values must be the ones it gave."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, \
        is_timedelta_format

    root = ET.fromstring(xml)
    main = root.tag[1:].split("}")[0]
    custom = {int(fmt.get("numFmtId")): fmt.get("formatCode")
              for fmt in root.iter(f"{{{main}}}numFmt")}
    dates, timedeltas = set(), set()
    xfs = root.find(f"{{{main}}}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else ()):
        number = int(xf.get("numFmtId", 0))
        code = custom[number] if number in custom else builtin_format_code(number)
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            timedeltas.add(index)
    return dates, timedeltas


def _column(reference):
    """1 for "A12", 27 for "AA3"."""
    number = 0
    for char in reference:
        if char <= "9":
            break
        number = number * 26 + ord(char) - 64
    return number


class _SheetRows:
    """expat callbacks over the worksheet; rows collect in `ready` between feeds."""

    def __init__(self, book):
        self.strings = book.strings
        self.dates, self.timedeltas = book.dates, book.timedeltas
        self.date1904 = book.date1904
        self.width = None  # from <dimension>, as openpyxl pads rows
        self.height = None
        self.ready = []
        self.cells = None
        self.in_data = False
        self.text = None  # collecting a <v> or an inline <t>
        self.phonetic = 0

    def rows(self, source):
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        self.counter = 1  # the next line to yield
        self.row_number = 0
        while chunk := source.read(CHUNK):
            parser.Parse(chunk, False)
            if self.ready:
                yield from self.ready
                self.ready = []
        parser.Parse(b"", True)
        yield from self.ready
        self.ready = []

    def start(self, name, attrs):
        tag = _SHEET_TAGS.get(name)
        if tag == "c":
            reference = attrs.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.kind = attrs.get("t", "n")
            self.style = int(attrs.get("s") or 0)
            self.value = None
        elif tag == "v":
            if self.kind != "inlineStr":
                self.text = []
        elif tag == "t":
            if self.kind == "inlineStr" and not self.phonetic:
                self.text = []
        elif tag == "row":
            number = attrs.get("r")
            if number:
                try:
                    self.row_number = int(number)
                except ValueError:
                    number = float(number)
                    if not number.is_integer():
                        raise
                    self.row_number = int(number)
            else:
                self.row_number += 1
            self.cells = {}
            self.column = 0
        elif tag == "is":
            self.value = []
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "sheetData":
            self.in_data = True
        elif tag == "dimension" and not self.in_data:
            self._dimension(attrs.get("ref", ""))

    def chars(self, data):
        if self.text is not None:
            self.text.append(data)

    def end(self, name):
        tag = _SHEET_TAGS.get(name)
        if tag == "c":
            if self.kind == "inlineStr":
                value = "".join(self.value) if self.value is not None else None
            else:
                value = self._value()
            self.cells[self.column] = value
            self.last = self.column
        elif tag == "v":
            if self.text is not None:
                self.value = "".join(self.text) or None
                self.text = None
        elif tag == "t":
            if self.text is not None:
                if self.value is not None:
                    self.value.append("".join(self.text))
                self.text = None
        elif tag == "row":
            self._row()
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "sheetData":
            self.in_data = False

    def _value(self):
        value, kind = self.value, self.kind
        if value is None:
            return None
        if kind == "n":
            value = float(value) if "." in value or "E" in value or "e" in value \
                else int(value)
            if self.style in self.dates:
                from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, \
                    from_excel
                try:
                    return from_excel(value, CALENDAR_MAC_1904 if self.date1904 else
                                      WINDOWS_EPOCH, timedelta=self.style in self.timedeltas)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return value
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601
            return from_ISO8601(value)
        return value  # str, e (an error such as #N/A)

    def _dimension(self, ref):
        """openpyxl's range_boundaries, for the bounds it pads to."""
        match = _RANGE.fullmatch(ref.upper().replace("$", ""))
        if match is None:
            raise ValueError(ref)
        first_col, first_row, last_col, last_row = match.groups()
        if last_col is None and last_row is None:
            last_col, last_row = first_col, first_row
        self.width = _column(last_col) if last_col else None
        self.height = int(last_row) if last_row else None

    def _row(self):
        number, cells, self.cells = self.row_number, self.cells, None
        if self.height is not None and number > self.height:
            return  # openpyxl stops at the dimension's last row; later rows are dropped
        width = self.width
        while self.counter < number:  # rows the file leaves out
            self.ready.append((self.counter, [None] * width if width else []))
            self.counter += 1
        if self.counter > number:
            return  # a row out of order or repeated: openpyxl skips it
        if not cells and not width:
            row = []
        else:
            row = [None] * (width or self.last)  # openpyxl: as wide as the last cell
            for column, value in cells.items():
                if 1 <= column <= len(row):
                    row[column - 1] = value
        self.ready.append((number, row))
        self.counter += 1


_RANGE = re.compile(r"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})?(\d+)?)?")
