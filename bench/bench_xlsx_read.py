"""CPU a row and peak memory of reading a partner list's XLSX only (no checks, no database):
the import's reader against openpyxl's read-only mode, which the import used before.

    .venv/bin/python -m bench.bench_xlsx_read write 100000 /tmp/list.xlsx [--shared]
    .venv/bin/python -m bench.bench_xlsx_read read /tmp/list.xlsx ours|openpyxl

`write` makes the bench's social-insurance rows with openpyxl (inline strings, as openpyxl
writes them); --shared turns every string into a shared one, as Excel and WPS save a list.
Run each `read` in its own process: the peak RSS printed is the process's.
"""
import os
import re
import resource
import sys
import time
import zipfile


def write(count, path, shared):
    from bench.bench_partners import write_xlsx
    write_xlsx(path, count, 0)
    if shared:
        share_strings(path)


def share_strings(path):
    """Rewrite an XLSX openpyxl wrote (inline strings) with every string shared, as Excel and
    WPS save a list."""
    with zipfile.ZipFile(path) as archive:
        parts = {item: archive.read(item.filename) for item in archive.infolist()}
    table, index = [], {}

    def share(match):
        text = match.group(1)
        if text not in index:
            index[text] = len(table)
            table.append(text)
        return f't="s"><v>{index[text]}</v></c>'

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item, data in parts.items():
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(r't="inlineStr"><is><t>([^<]*)</t></is></c>', share,
                              data.decode()).encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument'
                                    b'.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Target="'
                                    b'sharedStrings.xml" Type="http://schemas.openxmlformats.org'
                                    b'/officeDocument/2006/relationships/sharedStrings"/>'
                                    b"</Relationships>")
            out.writestr(item, data)
        items = "".join(f"<si><t>{text}</t></si>" for text in table)
        out.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{items}</sst>')
    print(f"{path}: {len(table)} shared strings, {os.path.getsize(path) / 1e6:.1f} MB")


def openpyxl_rows(path):
    import openpyxl
    with open(path, "rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        for line, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            yield line, list(cells)
        book.close()


def read(path, which):
    from app.partners.readers import read_rows
    rows = read_rows(path) if which == "ours" else openpyxl_rows(path)
    started, wall = time.process_time(), time.perf_counter()
    count = sum(1 for _ in rows)
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{which}: {count} rows, {cpu:.2f} s CPU ({cpu / count * 1e6:.1f} us/row), "
          f"{time.perf_counter() - wall:.2f} s wall, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(int(sys.argv[2]), sys.argv[3], "--shared" in sys.argv)
    else:
        read(sys.argv[2], sys.argv[3])
