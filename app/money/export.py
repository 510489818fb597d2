"""The bank batch file and the bank's return file. Pure: rows in, bytes or rows out.

No public standard for a bank batch file was found (MONEY.md), so ours is defined here, as
data a bank can be given: a header block (batch number, line count, total, checksum) and
one line per payment. The checksum is SHA-256 over the payment lines' id, account and
amount in fen, fixed when the batch is built, so any change to the file is seen. Cells a
spreadsheet would run as a formula are neutralised (SECURITY.md 4).

The return file is CSV with the columns `payment_id,status,amount,bank_ref,reason`
(status paid or failed); `parse_return` reads it and reports every line it cannot use.
"""
import csv
import hashlib
import io
from decimal import Decimal, InvalidOperation

COLUMNS = ("payment_id", "payee_name", "account_number", "account_bank", "amount", "period",
           "policy")
RETURN_COLUMNS = ("payment_id", "status", "amount", "bank_ref", "reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def batch_checksum(lines):
    """`lines`: (payment id, account number, amount in fen) in file order."""
    digest = hashlib.sha256()
    for payment_id, account, fen in lines:
        digest.update(f"{payment_id}|{account}|{fen}\n".encode())
    return "sha256:" + digest.hexdigest()


def _fen_text(fen):
    return f"{Decimal(fen) / 100:.2f}"


def header_rows(batch_no, line_count, total_fen, checksum):
    return [("batch_no", batch_no), ("line_count", line_count),
            ("total", _fen_text(total_fen)), ("checksum", checksum)]


def payment_rows(payments):
    """`payments`: dicts with the COLUMNS (amount in fen as amount_fen)."""
    for p in payments:
        yield (p["payment_id"], neutralise(p["payee_name"]), neutralise(p["account_number"]),
               neutralise(p["account_bank"]), _fen_text(p["amount_fen"]), p["period"],
               p["policy"])


def render_csv(header, payments):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(header)
    writer.writerow(COLUMNS)
    writer.writerows(payment_rows(payments))
    return out.getvalue().encode("utf-8-sig")


def render_xlsx(header, payments):
    from openpyxl import Workbook  # imported when needed: only exports use it
    book = Workbook(write_only=True)
    sheet = book.create_sheet("batch")
    for row in header:
        sheet.append([str(cell) for cell in row])
    sheet.append(list(COLUMNS))
    for row in payment_rows(payments):
        # Account numbers and amounts as text: a spreadsheet must not round them.
        sheet.append([str(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_return(text):
    """(rows, errors): rows are dicts (payment_id int, status, amount_fen, bank_ref,
    reason); errors are dicts (line, code, payment_id) for lines that cannot be used."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows, errors, seen = [], [], set()
    header = None
    for number, fields in enumerate(reader, 1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip() for f in fields]
            if tuple(header[:len(RETURN_COLUMNS)]) != RETURN_COLUMNS:
                return [], [{"line": number, "code": "bad_header", "payment_id": None}]
            continue
        row = dict(zip(header, (f.strip() for f in fields)))
        try:
            payment_id = int(row.get("payment_id", ""))
            amount_fen = int((Decimal(row.get("amount", "")) * 100).to_integral_exact())
        except (ValueError, InvalidOperation):
            errors.append({"line": number, "code": "unreadable", "payment_id": None})
            continue
        status = row.get("status", "")
        if status not in ("paid", "failed"):
            errors.append({"line": number, "code": "bad_status", "payment_id": payment_id})
            continue
        if payment_id in seen:
            errors.append({"line": number, "code": "duplicate", "payment_id": payment_id})
            continue
        seen.add(payment_id)
        rows.append({"line": number, "payment_id": payment_id, "status": status,
                     "amount_fen": amount_fen, "bank_ref": row.get("bank_ref") or None,
                     "reason": (row.get("reason") or None)})
    if header is None:
        errors.append({"line": 0, "code": "empty", "payment_id": None})
    return rows, errors
