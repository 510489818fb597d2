"""The XLSX reader of the import (zipfile + expat) gives the row checks exactly the values
openpyxl's read-only mode gave them, which the checks and the cells hash were built on."""
import re
import subprocess
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from app.partners.readers import UnreadableFile, read_rows
from tests.builders.http import error_code, staff_token
from tests.partners.test_imports import upload


def openpyxl_rows(path):
    """How the import read an XLSX before: openpyxl, read-only, values."""
    with open(path, "rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            return [(line, list(cells)) for line, cells in
                    enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)]
        finally:
            book.close()


def same_as_openpyxl(path):
    ours = list(read_rows(path))
    assert ours == openpyxl_rows(path)
    assert [[type(cell) for cell in cells] for _, cells in ours] == \
        [[type(cell) for cell in cells] for _, cells in openpyxl_rows(path)]
    return ours


def sample_files():
    listed = subprocess.run(["git", "ls-files", "*.xlsx"], capture_output=True, text=True,
                            check=True).stdout.split()
    return sorted(listed)


@pytest.mark.parametrize("path", sample_files())
def test_every_sample_xlsx_reads_as_openpyxl_read_it(path):
    assert len(same_as_openpyxl(path)) > 1


def mixed_book(path):
    book = openpyxl.Workbook()
    book.active.title = "封面"  # not the list: the sheet order in workbook.xml decides
    sheet = book.create_sheet("名单", 0)
    sheet.append(["身份证号码", "姓名", "人数", "金额", "日期", "月份", "备注", "空"])
    sheet.append(["150102199001011234", "张三", 3, 12.5, date(2026, 11, 3), "202611",
                  "  前后空格  ", None])
    sheet.append(["15010219900101123X", None, 3.0, 1e-7, datetime(2026, 1, 2, 3, 4, 5),
                  202611, None, None])  # empty in the middle and at the end
    sheet.append([])  # an empty row
    sheet.append([None, None, True, -0.0, "=SUM(1,2)", time(8, 30)])
    sheet.cell(row=7, column=2, value=CellRichText(["内联", TextBlock(InlineFont(b=True), "文字")]))
    sheet.cell(row=7, column=5, value=45000).number_format = "yyyy/m/d"
    sheet.cell(row=7, column=6, value=45000.75).number_format = "[h]:mm:ss"
    sheet.cell(row=9, column=1, value="张三")  # a shared string used twice; row 8 left out
    sheet.cell(row=9, column=3, value="x005F_")
    book.save(path)


def with_shared_strings(path, target):
    """openpyxl writes inline strings; Excel and WPS write a shared string table. Every
    other plain inline string of the package becomes a shared one (so both kinds remain)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    table, seen = [], [0]

    def share(match):
        seen[0] += 1
        if seen[0] % 2:
            return match.group(0)
        table.append(match.group(1))
        return f't="s"><v>{len(table) - 1}</v></c>'

    changed = {}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            changed[name] = re.sub(r't="inlineStr"><is><t>([^<]*)</t></is></c>', share,
                                   data.decode()).encode()
    items = "".join(f"<si><t xml:space=\"preserve\">{text}</t></si>" for text in table)
    changed["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{items}</sst>").encode()
    changed["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    changed["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", (b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="'
                              b'http://schemas.openxmlformats.org/officeDocument/2006/'
                              b'relationships/sharedStrings"/></Relationships>'))
    rewritten(path, target, changed)


def test_a_mixed_book_reads_as_openpyxl_read_it(tmp_path):
    written = tmp_path / "written.xlsx"
    mixed_book(written)
    path = tmp_path / "upload"  # the upload is kept under a temporary name
    with_shared_strings(written, path)
    with zipfile.ZipFile(path) as archive:
        sheets = "".join(archive.read(name).decode() for name in archive.namelist()
                         if name.startswith("xl/worksheets/"))
    assert 't="s"' in sheets and 't="inlineStr"' in sheets  # both kinds of strings present
    rows = same_as_openpyxl(path)
    assert rows[1][1][:5] == ["150102199001011234", "张三", 3, 12.5, datetime(2026, 11, 3)]
    assert rows[2][1][1] is None and rows[2][1][7] is None
    assert rows[6][1][1] == "内联文字"
    assert rows[7] == (8, [None] * 8)


def test_a_chart_sheet_placed_first_is_passed_over_as_openpyxl_does(tmp_path):
    from openpyxl.chart import BarChart, Reference
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["身份证号码", "人数"])
    sheet.append(["150102199001011234", 3])
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    book.create_chartsheet("汇总图", 0).add_chart(chart)
    path = tmp_path / "charted.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert any(name.startswith("xl/chartsheets/") for name in archive.namelist())
        order = archive.read("xl/workbook.xml").decode()
    assert order.index("汇总图") < order.index("名单")  # the chart sheet comes first
    assert same_as_openpyxl(path) == [(1, ["身份证号码", "人数"]),
                                      (2, ["150102199001011234", 3])]


def rewritten(path, target, replace):
    """The same package with some parts replaced (what other office software writes)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            out.writestr(item, replace.pop(item.filename, data))
        for name, data in replace.items():
            out.writestr(name, data)


SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:sheetData>
<x:row><x:c t="inlineStr"><x:is><x:t xml:space="preserve"> 甲 </x:t></x:is></x:c>
<x:c t="str"><x:f>A1</x:f><x:v>公式</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c>
<x:c t="e"><x:v>#N/A</x:v></x:c><x:c t="s"><x:v>0</x:v></x:c></x:row>
<x:row r="3"><x:c r="D3"><x:v>7</x:v></x:c><x:c><x:v>1.50E+2</x:v></x:c>
<x:c r="G3" t="inlineStr"><x:is><x:r><x:t>乙</x:t></x:r>
<x:rPh sb="0" eb="1"><x:t>yi</x:t></x:rPh></x:is></x:c></x:row>
<x:row r="4"><x:c r="B4" t="inlineStr"/><x:c r="C4" t="str"><x:v></x:v></x:c></x:row>
</x:sheetData></x:worksheet>"""

STRINGS = """<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><r><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></si></sst>"""


def test_a_hand_written_sheet_reads_as_openpyxl_read_it(tmp_path):
    """No dimension, a namespace prefix, cells and rows without references, inline and
    formula strings, booleans, errors, runs and phonetic guides."""
    book = openpyxl.Workbook()
    book.active.append(["a"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    registered = tmp_path / "registered.xlsx"
    with_shared_strings(plain, registered)
    path = tmp_path / "other.xlsx"
    rewritten(registered, path, {"xl/worksheets/sheet1.xml": SHEET.encode(),
                            "xl/sharedStrings.xml": STRINGS.encode()})
    rows = same_as_openpyxl(path)
    assert rows[0] == (1, [" 甲 ", "公式", False, "#N/A", "张三"])
    assert rows[2] == (3, [None, None, None, 7, 150.0, None, "乙"])


def test_a_broken_xlsx_is_reported_as_before(tmp_path, client):
    mixed = tmp_path / "mixed.xlsx"
    mixed_book(mixed)
    not_a_book = tmp_path / "not_a_book.xlsx"
    with zipfile.ZipFile(not_a_book, "w") as archive:
        archive.writestr("readme.txt", "hello")
    cut_sheet = tmp_path / "cut.xlsx"
    rewritten(mixed, cut_sheet, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})
    no_sheet = tmp_path / "no_sheet.xlsx"
    rewritten(mixed, no_sheet, {"xl/workbook.xml": (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheets/></workbook>")})
    for path in (not_a_book, cut_sheet, no_sheet):
        with pytest.raises(UnreadableFile) as raised:
            list(read_rows(path))
        assert raised.value.reason == "malformed_xlsx"
        response = upload(client, staff_token(client, "civil_xc"), path.read_bytes(),
                          filename="list.xlsx")
        body = response.get_json()
        assert (response.status_code, error_code(response)) == (422, "partners.unreadable_file")
        assert body["error"]["details"] == {"reason": "malformed_xlsx"}
        assert "文件无法读取" in body["error"]["message"]
