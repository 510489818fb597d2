"""Importing a partner department's list: validate every row, report the bad ones, merge
the good ones into the standing records, end what a newer list no longer holds.

Exactly once by the database: the same file (by content) for the same source and region is
one import (unique constraint), and the standing records are unique per source, region and
person, so a second import of the same rows changes nothing.
"""
import hashlib
import json
from array import array
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.core.clock import local_today
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.models import subtree_codes
from app.core.regions import requested_region
from app.extensions import db
from app.people.models import Person
from app.people.services import index_of

from .models import PartnerImport, PartnerImportProblem, PartnerRecord
from .notices import record_dibao_exits
from .readers import UnreadableFile, kind_of, read_rows
from .rows import MissingColumns, Problem, check_row, load_sources, map_headers

BATCH = 1000
# Standing records seen again are marked in one set-based statement per this many ids
# (PostgreSQL: an UPDATE ... FROM unnest of an array; SQLite: an IN list it accepts).
SEEN_CHUNK = {"postgresql": 50_000}
SEEN_CHUNK_OTHER = 500
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
    _Merge(batch, spec, positions, region).run(rows)
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
    """One pass over the rows, in batches: checks, duplicates within the file, matching by
    the ID number's blind index, inserts and updates; then the ending of the absent."""

    def __init__(self, batch, spec, positions, region):
        self.batch, self.spec, self.positions, self.region = batch, spec, positions, region
        self.today = local_today()
        self.seen = {}        # blind index (first 16 bytes) -> first line, for duplicates
        self.good, self.present, self.problems = [], [], []
        self.dibao_ended = []  # dibao rows stating an end date before the list's date
        self.subtree = None    # region codes of the list's region, read on first use
        self.seen_ids = array("q")  # standing records this list holds again, 8 bytes each

    def run(self, opened):
        rows, _ = opened
        try:
            for line, cells in rows:
                if not any(cell not in (None, "") for cell in cells):
                    continue  # a blank line is not a row
                self.batch.rows_total += 1
                self._row(line, cells)
                if len(self.good) + len(self.present) >= BATCH:
                    self._flush()
        except UnreadableFile as exc:
            self.problems.append((0, Problem(None, "partners.unreadable_rest",
                                             {"reason": exc.reason})))
        self._flush()
        self._mark_seen()
        self._end_absent()
        self._analyze()
        if self.spec.code == "dibao":
            self.batch.phase_outs = record_dibao_exits(self.batch, self.dibao_ended)

    def _row(self, line, cells):
        values, problems = check_row(self.spec, self.positions, cells, self.today)
        community = values.get("community")
        if community and not self._within(community):
            problems.append(Problem(self._header("community"), "partners.region_outside"))
        number = values.get("id_number")
        index = index_of(number) if number else None
        if index is not None:
            key = bytes.fromhex(index)[:16]
            first = self.seen.setdefault(key, line)
            if first != line:
                problems.append(Problem(self._header("id_number"), "partners.duplicate_row",
                                        {"first_line": first}))
                index = None  # the first row speaks for the person
        if problems:
            self.batch.rows_failed += 1
            self.problems.extend((line, p) for p in problems)
            if index is not None:
                self.present.append(index)  # still on the list, whatever else is wrong
            return
        self.good.append((index, values))
        if values.get("end") is not None and values["end"] < self.batch.as_of:
            self.dibao_ended.append(index)

    def _within(self, community):
        """Whether a community lies in the list's region: the region's subtree is read once
        per import (a list repeats a few hundred communities a million times)."""
        if self.subtree is None:
            self.subtree = set(db.session.scalars(subtree_codes(self.region)).all())
        return community in self.subtree

    def _header(self, field):
        return next(c.header for c in self.spec.columns if c.field == field)

    def _flush(self):
        indexes = [i for i, _ in self.good] + self.present
        if indexes:
            # By the blind index alone, then source and region in Python: with source and
            # region in the WHERE, PostgreSQL picked the (source, region, last import)
            # index while the table grew inside this transaction, and each batch re-read
            # every row imported before it (quadratic at a million rows).
            standing = {r.id_number_index: r for r in db.session.execute(
                select(PartnerRecord.id, PartnerRecord.id_number_index, PartnerRecord.row_hash,
                       PartnerRecord.person_id, PartnerRecord.source, PartnerRecord.region_code)
                .where(PartnerRecord.id_number_index.in_(indexes)))
                if r.source == self.spec.code and r.region_code == self.region}
            persons = dict(db.session.execute(select(Person.id_number_index, Person.id).where(
                Person.id_number_index.in_(indexes))).all())
            self._merge(standing, persons)
        if self.problems:
            db.session.execute(insert(PartnerImportProblem), [
                {"import_id": self.batch.id, "line": line, "column": p.column, "code": p.code,
                 "details": p.details} for line, p in self.problems])
        self.good, self.present, self.problems = [], [], []

    def _merge(self, standing, persons):
        inserts, touched = [], []
        for index, values in self.good:
            person_id = persons.get(index)
            self.batch.matched += person_id is not None
            row_hash = _row_hash(values)
            old = standing.get(index)
            if old is None:
                inserts.append(self._new(index, values, row_hash, person_id))
            elif old.row_hash == row_hash and old.person_id == person_id:
                touched.append(old.id)
            else:
                self.batch.changed += 1
                db.session.execute(update(PartnerRecord).where(PartnerRecord.id == old.id).values(
                    **self._fields(values, row_hash, person_id), ended_import_id=None,
                    ended_on=None))
        self.batch.unchanged += len(touched)
        touched += [standing[index].id for index in self.present if index in standing]
        if inserts:
            self.batch.added += len(inserts)
            _insert_records(inserts)
        # Not written now: a per-batch UPDATE of every unchanged row cost most of a
        # re-import; _mark_seen marks them all at the end in a few set-based statements.
        self.seen_ids.extend(touched)

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

    def _mark_seen(self):
        """The standing records this list holds again now carry its import and date (and
        are live again if an earlier list had ended them)."""
        dialect = db.session.get_bind().dialect.name
        chunk = SEEN_CHUNK.get(dialect, SEEN_CHUNK_OTHER)
        params = {"import_id": self.batch.id, "as_of": self.batch.as_of}
        for start in range(0, len(self.seen_ids), chunk):
            ids = self.seen_ids[start:start + chunk].tolist()
            if dialect == "postgresql":
                db.session.execute(text(
                    "UPDATE partner_records AS r SET last_import_id = :import_id, "
                    "as_of = :as_of, ended_import_id = NULL, ended_on = NULL "
                    "FROM unnest(CAST(:ids AS bigint[])) AS seen(id) WHERE r.id = seen.id"),
                    {**params, "ids": ids})
            else:
                db.session.execute(update(PartnerRecord).where(PartnerRecord.id.in_(ids))
                                   .values(last_import_id=self.batch.id, as_of=self.batch.as_of,
                                           ended_import_id=None, ended_on=None))
        self.seen_ids = array("q")

    def _analyze(self):
        """Fresh statistics after a large import (rows of this transaction count): without
        them, the next import's lookups by blind index ran on a plan made for an empty
        table until autovacuum came round."""
        if self.batch.added >= ANALYZE_AFTER and \
                db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("ANALYZE partner_records"))

    def _end_absent(self):
        result = db.session.execute(update(PartnerRecord).where(
            PartnerRecord.source == self.spec.code, PartnerRecord.region_code == self.region,
            PartnerRecord.ended_import_id.is_(None),
            PartnerRecord.last_import_id != self.batch.id).values(
                ended_import_id=self.batch.id, ended_on=self.batch.as_of))
        self.batch.ended = result.rowcount
        db.session.flush()


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


def _row_hash(values):
    canonical = json.dumps({k: _plain(v) for k, v in values.items()}, sort_keys=True,
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
