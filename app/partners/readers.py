"""Reading a partner's file as it arrives: CSV (UTF-8, or GB18030 as Chinese office software
saves it) and XLSX, one row at a time, so a million-row list never sits in memory.

Pure: no Flask, no database. Every reader yields (line number, cells) with the header as
line 1, which is what a department sees when it opens the file.
"""
import codecs
import csv
import zipfile


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


def _xlsx_rows(path):
    # A file object, not the path: openpyxl refuses a path without an .xlsx suffix, and
    # the upload is kept under a temporary name. Imported here, not at start-up: a web
    # worker would otherwise carry openpyxl (~5 MB) although only list imports read xlsx.
    import openpyxl

    with open(path, "rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a broken or foreign zip
            raise UnreadableFile("malformed_xlsx") from None
        try:
            sheet = book.worksheets[0]
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, list(cells)
        finally:
            book.close()
