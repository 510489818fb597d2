"""Importing a partner department's list: validate every row, report the bad ones, merge
the good ones into the standing records, end what a newer list no longer holds.

Exactly once by the database: the same file (by content) for the same source and region is
one import (unique constraint), and the standing records are unique per source, region and
person, so a second import of the same rows changes nothing.
"""
import hashlib
import json
import os
import pickle
import tempfile
from array import array
from functools import lru_cache
from hashlib import blake2b

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.core.clock import local_today
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.models import subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people.services import indexer

from .models import PartnerImport, PartnerImportProblem, PartnerRecord
from .notices import record_dibao_exits
from .readers import UnreadableFile, kind_of, read_rows
from .rows import CellError, MissingColumns, Problem, RowChecker, load_sources, map_headers

BATCH = 1000
ROWS = "partner_import_rows"  # the import's temporary table: line, blind index, cells hash
ROWS_BATCH = 10_000  # rows per COPY into it
PLAN_FETCH = 10_000
DELETE_CHUNK = 500  # duplicate lines per DELETE from the temporary table (SQLite)
ANALYZE_AFTER = 10_000  # added rows after which the import refreshes the table's statistics


@lru_cache(maxsize=1)
def catalog():
    """(version, {code: Source}) of app/partners/sources.json, read once per process."""
    return load_sources()


def source_for(staff, code):
    """The declared source `code`, if the caller's department sends that kind of list."""
    _, sources = catalog()
    source = sources.get(code)
    if source is None:
        raise NotFound("partners.unknown_source", _l("名单类型不存在"), {"source": code})
    if staff.role not in source.roles:
        raise Forbidden("partners.source_not_yours", _l("您所在部门不能上传此类名单"),
                        {"source": code})
    return source


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def import_list(staff, *, source, region_code, as_of, path):
    """Import one file of `source` for a region of the caller's subtree, dated `as_of`.

    Returns (import, created): the same file again returns the first import and False.
    A whole-file problem (unreadable, a required column missing, an older date than the
    list already held) refuses the file before anything is written; a bad row is reported
    and never stops the good ones.
    """
    spec = source_for(staff, source)
    region = requested_region(staff, region_code)
    if as_of > local_today():
        raise ValidationFailed("partners.as_of_in_future", _l("名单日期不能晚于今天"))
    sha = file_sha256(path)
    existing = _existing(spec.code, region, sha)
    if existing is not None:
        return existing, False
    latest = db.session.scalar(select(func.max(PartnerImport.as_of)).where(
        PartnerImport.source == spec.code, PartnerImport.region_code == region))
    if latest is not None and as_of < latest:
        raise Conflict("partners.older_than_current", _l("该名单早于已导入的名单，不能覆盖"),
                       {"current_as_of": latest.isoformat()})
    rows = _open(path)
    positions = _headers(spec, rows)
    version, _ = catalog()
    batch = PartnerImport(source=spec.code, region_code=region, as_of=as_of,
                          sources_version=version, file_sha256=sha, file_kind=kind_of(path),
                          uploaded_by_staff_id=staff.id)
    db.session.add(batch)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same file, imported by a parallel request
        return _existing(spec.code, region, sha), False
    _Merge(batch, spec, positions, region, path, latest).run(rows)
    record("partners.list_imported", "partner_import", batch.id, details={
        "source": spec.code, "region_code": region, "as_of": as_of.isoformat(),
        **counts(batch)})
    return batch, True


def counts(batch):
    return {key: getattr(batch, key) for key in
            ("rows_total", "rows_failed", "added", "changed", "unchanged", "ended", "matched")}


def _existing(source, region, sha):
    return db.session.scalar(select(PartnerImport).where(
        PartnerImport.source == source, PartnerImport.region_code == region,
        PartnerImport.file_sha256 == sha))


def _open(path):
    try:
        rows = read_rows(path)
        return rows, next(rows, None)
    except UnreadableFile as exc:
        raise ValidationFailed("partners.unreadable_file", _l("文件无法读取，请上传 CSV 或 XLSX 文件"),
                               {"reason": exc.reason}) from None


def _headers(spec, opened):
    rows, first = opened
    if first is None:
        raise ValidationFailed("partners.empty_file", _l("文件是空的"))
    try:
        return map_headers(spec, first[1])
    except MissingColumns as exc:
        raise ValidationFailed("partners.missing_columns", _l("文件缺少必需的列"),
                               {"columns": exc.headers}) from None


class _Merge:
    """Two passes over the file, the database doing the comparing in between.

    The first pass reads every row but checks only its ID number, and sends the row's line,
    the ID number's blind index and a hash of its cells as sent to a temporary table. The
    database then finds, set-based, the persons on several rows (the first row speaks),
    the rows that are new, differ from the standing record, are matched to another person
    (one registered since, say) or come back after a list ended them, and the standing
    records this list no longer holds. The second pass reads the file again and checks,
    reports and writes only those rows, the duplicates and the rows whose ID number is bad.

    A row sent exactly as before is therefore neither checked again (it passed the same
    checks, the catalog version being part of the hash) nor written: the date it was last
    confirmed is its list's latest import (standing.confirmed_on). A source whose rows state
    an end date (dibao) checks every row, since the list's date decides whether it ended.

    `row_hash` holds two halves: the hash of the cells as sent, then the hash of the
    checked values. A row whose cells differ only in form (a re-saved spreadsheet, a month
    written 2026-11 instead of 202611) is unchanged; only its first half is rewritten.
    """

    def __init__(self, batch, spec, positions, region, path, confirmed):
        self.batch, self.spec, self.positions, self.region = batch, spec, positions, region
        self.path = path
        self.confirmed = confirmed  # as_of of the list held before this one (None: first)
        self.checker = RowChecker(spec, positions, local_today())
        self.id_column = next(c for c in spec.columns if c.field == "id_number")
        self.id_position = positions["id_number"]
        self.cells_at = [positions[c.field] if c.field in positions else None
                         for c in spec.columns]
        self.seed = catalog()[0].encode()
        self.check_all = any(c.field == "end" for c in spec.columns)
        self.index = indexer()
        self.dialect = db.session.get_bind().dialect.name
        self.rows, self.problems = [], []
        self.writes = {"insert": [], "update": [], "rehash": [], "revive": []}
        self.dibao_ended = []  # indexes of dibao rows stating an end before as_of
        self.subtree = None    # region codes of the list's region, read on first use
        self.failed = 0
        self.params = {"source": spec.code, "region": region, "import_id": batch.id,
                       "as_of": batch.as_of}

    def run(self, opened):
        _create_rows_table(self.dialect)
        # An XLSX costs more to parse than a pickle (~50 µs a row): the first pass keeps rows
        # in a scratch file beside the upload for the second, removed with the import.
        self.spool = tempfile.NamedTemporaryFile(
            dir=os.path.dirname(os.path.abspath(self.path)), suffix=".rows") \
            if kind_of(self.path) == "xlsx" else None
        try:
            self._passes(opened)
        finally:
            if self.spool is not None:
                self.spool.close()

    def _passes(self, opened):
        total = self._first_pass(self._spooled(opened[0]))
        duplicates = self._duplicates()
        plan = self._plan()
        self._end_absent()
        if plan.lines or duplicates:
            self._second_pass(plan, duplicates)
        self._flush()
        self.batch.rows_total, self.batch.rows_failed = total, self.failed
        self.batch.unchanged = total - self.failed - self.batch.added - self.batch.changed
        self._analyze()
        if self.spec.code == "dibao":
            self.batch.phase_outs = record_dibao_exits(self.batch, self.dibao_ended)
        # Not in a `finally`: after an error the transaction is rolled back, table and all.
        db.session.execute(text(f"DROP TABLE {ROWS}"))

    # ---------------------------------------------------------------- first pass

    def _first_pass(self, rows):
        total = 0
        id_number, column, today = self.checker.id_number, self.id_column, self.checker.today
        position, index, cells_hash = self.id_position, self.index, self._cells_hash
        try:
            for line, cells in rows:
                if not any(cell not in (None, "") for cell in cells):
                    continue  # a blank line is not a row
                total += 1
                raw = cells[position] if position < len(cells) else None
                try:
                    number = id_number(raw, column, today) if raw not in (None, "") else None
                except CellError:
                    number = None
                self.rows.append((line, index(number) if number else None, cells_hash(cells)))
                if len(self.rows) >= ROWS_BATCH:
                    _copy_rows(self.dialect, self.rows)
                    self.rows = []
        except UnreadableFile as exc:
            self.problems.append((0, Problem(None, "partners.unreadable_rest",
                                             {"reason": exc.reason})))
        if self.rows:
            _copy_rows(self.dialect, self.rows)
        self.rows = []
        if self.dialect == "postgresql":
            db.session.execute(text(f"ANALYZE {ROWS}"))  # temporary tables get no autovacuum
        return total

    def _cells_hash(self, cells):
        """The mapped cells as sent (other columns may change freely), with the catalog
        version: 32 hex digits."""
        size = len(cells)
        digest = blake2b(self.seed, digest_size=16)
        for position in self.cells_at:
            cell = cells[position] if position is not None and position < size else None
            digest.update(b"\x1f" + (b"" if cell is None else cell.encode()
                                     if isinstance(cell, str) else
                                     f"\x1e{type(cell).__name__}:{cell!r}".encode()))
        return digest.hexdigest()

    # ---------------------------------------------------------------- set-based

    def _duplicates(self):
        """{later line: first line} for the persons on several rows: the first row speaks;
        the later ones leave the table (the first keeps the person on the list)."""
        later = f"""SELECT line, first_line FROM (
            SELECT line, min(line) OVER (PARTITION BY idx) AS first_line
            FROM {ROWS} WHERE idx IS NOT NULL) AS d WHERE line <> first_line"""
        found = dict(db.session.execute(text(later)).all())
        lines = sorted(found)  # deleted by line: no second window over the table
        if self.dialect == "postgresql":  # one scan, the array hashed
            db.session.execute(text(f"DELETE FROM {ROWS} WHERE line = ANY(CAST(:lines AS "
                                    "integer[]))"), {"lines": lines})
            return found
        for start in range(0, len(lines), DELETE_CHUNK):
            db.session.execute(text(f"DELETE FROM {ROWS} WHERE line IN :lines").bindparams(
                bindparam("lines", expanding=True)), {"lines": lines[start:start + DELETE_CHUNK]})
        return found

    def _plan(self):
        """The rows the second pass checks, in file order, with their standing record (id,
        hash, ended) and matched person; and the count of rows matched to a person."""
        plan = _Plan()
        result = db.session.execute(text(f"""
SELECT t.line, r.id, r.row_hash, r.ended_import_id IS NOT NULL,
  r.person_id IS NOT DISTINCT FROM p.id, p.id FROM {ROWS} t
LEFT JOIN partner_records r ON r.id_number_index = t.idx AND r.source = :source
  AND r.region_code = :region
LEFT JOIN persons p ON p.id_number_index = t.idx
WHERE :check_all OR t.idx IS NULL OR r.id IS NULL OR substr(r.row_hash, 1, 32) <> t.cells
  OR r.ended_import_id IS NOT NULL OR r.person_id IS DISTINCT FROM p.id
ORDER BY t.line""").execution_options(yield_per=PLAN_FETCH),
            {**self.params, "check_all": self.check_all})
        for row in result:
            plan.add(*row)
        self.batch.matched = db.session.scalar(text(
            f"SELECT count(*) FROM {ROWS} t JOIN persons p ON p.id_number_index = t.idx"))
        return plan

    def _end_absent(self):
        """Who the list no longer holds is ended, as of this list; the record keeps the date
        it was last confirmed (the list before this one)."""
        result = db.session.execute(text(f"""
UPDATE partner_records SET ended_import_id = :import_id, ended_on = :as_of,
  as_of = COALESCE(:confirmed, as_of)
WHERE source = :source AND region_code = :region AND ended_import_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM {ROWS} t WHERE t.idx = partner_records.id_number_index)"""),
            {**self.params, "confirmed": self.confirmed})
        self.batch.ended = result.rowcount

    # ---------------------------------------------------------------- second pass

    def _spooled(self, rows):
        if self.spool is None:
            yield from rows
            return
        for row in rows:
            pickle.dump(row, self.spool, protocol=pickle.HIGHEST_PROTOCOL)
            yield row

    def _unspooled(self):
        self.spool.flush()
        self.spool.seek(0)
        while True:
            try:
                yield pickle.load(self.spool)
            except EOFError:
                return

    def _second_pass(self, plan, duplicates):
        if self.spool is not None:
            rows = self._unspooled()
        else:
            rows, _ = _open(self.path)  # the header again: line numbers as in the first pass
        at, last = 0, max(plan.lines[-1] if plan.lines else 0, max(duplicates, default=0))
        try:
            for line, cells in rows:
                if line > last:
                    break
                if line in duplicates:
                    self._duplicate(line, cells, duplicates[line])
                elif at < len(plan.lines) and line == plan.lines[at]:
                    self._row(line, cells, plan, at)
                    at += 1
                else:
                    continue
                if sum(map(len, self.writes.values())) + len(self.problems) >= BATCH:
                    self._flush()
        except UnreadableFile:
            pass  # reported by the first pass

    def _checked(self, line, cells):
        """(values, problems) of one row, with the list's own checks beside the cells'."""
        values, problems = self.checker.check(cells)
        community = values.get("community")
        if community and not self._within(community):
            problems.append(Problem(self._header("community"), "partners.region_outside"))
        return values, problems

    def _duplicate(self, line, cells, first):
        _, problems = self._checked(line, cells)
        problems.append(Problem(self.id_column.header, "partners.duplicate_row",
                                {"first_line": first}))
        self.failed += 1
        self.problems.extend((line, p) for p in problems)

    def _row(self, line, cells, plan, at):
        values, problems = self._checked(line, cells)
        record_id, person_id = plan.records[at], plan.persons[at] or None
        if problems:
            self.failed += 1
            self.problems.extend((line, p) for p in problems)
            self.batch.matched -= person_id is not None and values["id_number"] is not None
            if record_id and plan.ended[at]:  # still on the list, whatever else is wrong
                self.writes["revive"].append(record_id)
            return
        index = self.index(values["id_number"])
        row_hash = self._cells_hash(cells) + _values_hash(values)
        if values.get("end") is not None and values["end"] < self.batch.as_of:
            self.dibao_ended.append(index)
        if not record_id:
            self.writes["insert"].append(self._new(index, values, row_hash, person_id))
            return
        stored = plan.hash(at)
        if plan.same_person[at] and not plan.ended[at] and stored[32:] == row_hash[32:]:
            if stored != row_hash:  # the same values sent in another form
                self.writes["rehash"].append({"id": record_id, "row_hash": row_hash})
            return  # unchanged
        self.writes["update"].append({"id": record_id, **self._fields(values, row_hash,
                                                                       person_id),
                                      "ended_import_id": None, "ended_on": None})

    def _within(self, community):
        """Whether a community lies in the list's region: the region's subtree is read once
        per import (a list repeats a few hundred communities a million times)."""
        if self.subtree is None:
            self.subtree = set(db.session.scalars(subtree_codes(self.region)).all())
        return community in self.subtree

    def _header(self, field):
        return next(c.header for c in self.spec.columns if c.field == field)

    def _flush(self):
        writes = self.writes
        if writes["insert"]:
            self.batch.added += len(writes["insert"])
            _insert_records(writes["insert"])
        if writes["update"]:
            self.batch.changed += len(writes["update"])
            db.session.execute(update(PartnerRecord), writes["update"])
        if writes["rehash"]:
            db.session.execute(update(PartnerRecord), writes["rehash"])
        if writes["revive"]:
            db.session.execute(update(PartnerRecord).where(
                PartnerRecord.id.in_(writes["revive"])).values(
                    ended_import_id=None, ended_on=None, last_import_id=self.batch.id,
                    as_of=self.batch.as_of))
        if self.problems:
            db.session.execute(insert(PartnerImportProblem), [
                {"import_id": self.batch.id, "line": line, "column": p.column, "code": p.code,
                 "details": p.details} for line, p in self.problems])
        self.problems = []
        self.writes = {kind: [] for kind in writes}

    def _fields(self, values, row_hash, person_id):
        rest = {k: _plain(v) for k, v in values.items()
                if k not in ("id_number", "name", "community")}
        return {"name": values["name"], "community_code": values["community"],
                "values_sealed": json.dumps(rest, sort_keys=True, ensure_ascii=False),
                "row_hash": row_hash, "person_id": person_id, "as_of": self.batch.as_of,
                "last_import_id": self.batch.id}

    def _new(self, index, values, row_hash, person_id):
        return {"source": self.spec.code, "region_code": self.region, "id_number_index": index,
                "id_number": values["id_number"], "first_import_id": self.batch.id,
                **self._fields(values, row_hash, person_id)}

    def _analyze(self):
        """Fresh statistics after a large import (rows of this transaction count): without
        them, the next import's comparison ran on a plan made for an empty table until
        autovacuum came round."""
        if self.batch.added >= ANALYZE_AFTER and self.dialect == "postgresql":
            db.session.execute(text("ANALYZE partner_records"))


class _Plan:
    """The second pass's rows in compact arrays (a first import plans every row): line,
    standing record id (0: none), matched person id (0: none), whether the record is ended
    and whether it is matched to that same person, and its row hash (32 bytes)."""

    def __init__(self):
        self.lines, self.records, self.persons = array("q"), array("q"), array("q")
        self.ended, self.same_person, self.hashes = bytearray(), bytearray(), bytearray()

    def add(self, line, record_id, row_hash, ended, same_person, person_id):
        self.lines.append(line)
        self.records.append(record_id or 0)
        self.persons.append(person_id or 0)
        self.ended.append(bool(ended))
        self.same_person.append(bool(same_person))
        self.hashes += bytes.fromhex(row_hash) if row_hash and len(row_hash) == 64 \
            else bytes(32)

    def hash(self, at):
        return self.hashes[at * 32:at * 32 + 32].hex()


def _create_rows_table(dialect):
    db.session.execute(text(f"DROP TABLE IF EXISTS {ROWS}"))
    db.session.execute(text(
        f"CREATE TEMPORARY TABLE {ROWS} (line integer NOT NULL, idx varchar(64), "
        "cells varchar(32) NOT NULL)" + (" ON COMMIT DROP" if dialect == "postgresql" else "")))


def _copy_rows(dialect, rows):
    """(line, blind index or None, cells hash) into the import's temporary table."""
    if dialect != "postgresql":
        db.session.execute(text(f"INSERT INTO {ROWS} (line, idx, cells) "
                                "VALUES (:line, :idx, :cells)"),
                           [{"line": line, "idx": idx, "cells": cells}
                            for line, idx, cells in rows])
        return
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {ROWS} (line, idx, cells) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_records(rows):
    """New standing records, on PostgreSQL by COPY: the ORM's executemany sent one INSERT
    per row, half of a first import's wall time. Values go through the columns' own bind
    processing, so the sealed columns are encrypted exactly as by an INSERT."""
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        db.session.execute(insert(PartnerRecord), rows)
        return
    table = PartnerRecord.__table__
    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY partner_records ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([value if process is None else process(value)
                            for process, value in
                            zip(processors, (row[name] for name in names))])


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _values_hash(values):
    """The checked values' hash (32 hex digits): the second half of a record's row_hash."""
    canonical = json.dumps({k: _plain(v) for k, v in values.items()}, sort_keys=True,
                           ensure_ascii=False)
    return blake2b(canonical.encode(), digest_size=16).hexdigest()
