"""Reading a partner's file as it arrives: CSV (UTF-8, or GB18030 as Chinese office software
saves it) and XLSX, one row at a time, so a million-row list never sits in memory.

Pure: no Flask, no database. Every reader yields (line number, cells) with the header as
line 1, which is what a department sees when it opens the file.
"""
import codecs
import csv
import posixpath
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

_NS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _xlsx_rows(path):
    """The first sheet's rows, as openpyxl's read-only mode gave them (the row checks and the
    cells hash were built on those values): str, int, float, bool, datetime or None, each row
    as wide as the sheet's dimension. Streamed with expat: a fifth of openpyxl's CPU a row."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile("malformed_xlsx") from None
    with archive:
        try:
            book = _Book(archive)
            source = archive.open(book.sheet)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError, StopIteration,
                zipfile.BadZipFile, OSError, ET.ParseError, EOFError, zlib.error):
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
            package = ET.fromstring(archive.read("_rels/.rels"))
            for rel in package.iter(f"{{{_NS_PKG}}}Relationship"):
                if rel.get("Type", "").endswith("/officeDocument"):
                    workbook = rel.get("Target").lstrip("/")
        base = workbook.rsplit("/", 1)[0] + "/" if "/" in workbook else ""
        rels_path = f"{base}_rels/{workbook.rsplit('/', 1)[-1]}.rels"
        targets, types, by_type = {}, {}, {}
        for rel in ET.fromstring(archive.read(rels_path)).iter(f"{{{_NS_PKG}}}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(base + target)
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            targets[rel.get("Id")], types[rel.get("Id")] = target, kind
            by_type.setdefault(kind, target)
        root = ET.fromstring(archive.read(workbook))
        ids = {f"{{{ns}}}id" for ns in _NS_REL}
        # The first worksheet, as openpyxl's workbook.worksheets[0]: a chart sheet placed
        # first (a department's summary chart) holds no rows.
        rid = next(rid for element in root.iter() if element.tag.endswith("}sheet")
                   for key, rid in element.attrib.items()
                   if key in ids and types.get(rid) == "worksheet")
        self.sheet = targets[rid]
        self.date1904 = any(element.get("date1904") in ("1", "true")
                            for element in root.iter() if element.tag.endswith("}workbookPr"))
        # openpyxl finds these two by content type: their usual places when no relation
        strings = by_type.get("sharedStrings", f"{base}sharedStrings.xml")
        self.strings = _shared_strings(archive.open(strings)) \
            if strings and strings in names else []
        styles = by_type.get("styles", f"{base}styles.xml")
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
    root = None
    with source:
        for event, element in ET.iterparse(source, ("start", "end")):
            if root is None:
                root = element
            elif event == "end" and element.tag.endswith("}si"):
                strings.append(_text_of(element, element.tag[1:-3]).replace("x005F_", ""))
                root.clear()  # the items read so far: a million would stay as elements
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


_LOCAL = {"dimension", "row", "c", "v", "is", "t", "rPh", "sheetData"}
_DIGITS = "0123456789"


def _column(reference):
    """1 for "A12", 27 for "AA3"."""
    number = 0
    for char in reference.rstrip(_DIGITS):
        number = number * 26 + ord(char) - 64
    return number


class _SheetRows:
    """expat over the worksheet, without namespace processing (names compared by their
    local part, whatever the prefix); rows collect in `ready` between feeds. The callbacks
    are closures over plain locals: they run about seven times a cell."""

    def __init__(self, book):
        self.book = book
        self.width = self.height = None  # from <dimension>: openpyxl pads and stops there
        self.ready = []

    def rows(self, source):
        book, ready = self.book, self.ready
        strings, dates = book.strings, book.dates
        tags, columns = {}, {}
        # state: [row cells, row number, column, kind, style, value, text or None,
        #         phonetic depth, in sheetData, next line to yield]
        cells, state = [], [None, 0, 0, "n", 0, None, None, 0, False, 1]

        def local(name):
            tag = name.rpartition(":")[2]
            tag = tags[name] = tag if tag in _LOCAL else None
            return tag

        def start(name, attrs):
            tag = tags[name] if name in tags else local(name)
            if tag == "c":
                reference = attrs.get("r")
                if reference:
                    letters = reference.rstrip(_DIGITS)
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = _column(letters)
                    state[2] = column
                else:
                    state[2] += 1
                state[3] = attrs.get("t", "n")
                style = attrs.get("s")
                state[4] = int(style) if style else 0
                state[5] = None
            elif tag == "v":
                if state[3] != "inlineStr":
                    state[6] = ""
            elif tag == "t":
                if state[3] == "inlineStr" and not state[7]:
                    state[6] = ""
            elif tag == "row":
                number = attrs.get("r")
                if number:
                    try:
                        state[1] = int(number)
                    except ValueError:
                        number = float(number)
                        if not number.is_integer():
                            raise
                        state[1] = int(number)
                else:
                    state[1] += 1
                state[2] = 0
                cells.clear()
            elif tag == "is":
                state[5] = ""
            elif tag == "rPh":
                state[7] += 1
            elif tag == "sheetData":
                state[8] = True
            elif tag == "dimension" and not state[8]:
                self._dimension(attrs.get("ref", ""))

        def chars(data):
            if state[6] is not None:
                state[6] += data

        def end(name):
            tag = tags[name] if name in tags else local(name)
            if tag == "c":
                kind, value = state[3], state[5]
                if value is not None and kind != "inlineStr":
                    if kind == "s":
                        value = strings[int(value)]
                    elif kind == "n" or kind == "b" or kind == "d":
                        value = self._typed(value, kind, state[4] in dates, state[4])
                column = state[2]
                size = len(cells)
                if column == size + 1:
                    cells.append(value)
                elif column > size:
                    cells.extend([None] * (column - size - 1))
                    cells.append(value)
                elif column >= 1:
                    cells[column - 1] = value  # a cell written twice: the later one
            elif tag == "v":
                if state[6] is not None:
                    state[5] = state[6] or None
                    state[6] = None
            elif tag == "t":
                if state[6] is not None:
                    if state[5] is not None:
                        state[5] += state[6]
                    state[6] = None
            elif tag == "row":
                self._row(state, cells)
            elif tag == "rPh":
                state[7] -= 1
            elif tag == "sheetData":
                state[8] = False

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        while chunk := source.read(CHUNK):
            parser.Parse(chunk, False)
            if ready:
                yield from ready
                ready.clear()
        parser.Parse(b"", True)
        yield from ready
        ready.clear()

    def _typed(self, value, kind, is_date, style):
        """A number, boolean or ISO date cell's value as openpyxl gave it."""
        if kind == "n":
            value = float(value) if "." in value or "E" in value or "e" in value \
                else int(value)
            if not is_date:
                return value
            from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel
            try:
                return from_excel(value, CALENDAR_MAC_1904 if self.book.date1904 else
                                  WINDOWS_EPOCH, timedelta=style in self.book.timedeltas)
            except (OverflowError, ValueError):
                return "#VALUE!"
        if kind == "b":
            return bool(int(value))
        from openpyxl.utils.datetime import from_ISO8601
        return from_ISO8601(value)

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

    def _row(self, state, cells):
        number, counter, width = state[1], state[9], self.width
        if self.height is not None and number > self.height:
            return  # openpyxl stops at the dimension's last row; later rows are dropped
        while counter < number:  # rows the file leaves out
            self.ready.append((counter, [None] * width if width else []))
            counter += 1
        if counter > number:
            return  # a row out of order or repeated: openpyxl skips it
        if width:  # as wide as the dimension (openpyxl: else as wide as the last cell)
            row = cells[:width]
            if len(row) < width:
                row.extend([None] * (width - len(row)))
        else:
            row = cells[:state[2]] if cells else []
        self.ready.append((number, row))
        state[9] = counter + 1


_RANGE = re.compile(r"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})?(\d+)?)?")
