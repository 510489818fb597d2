"""The partner-list figures (issue 15), on PostgreSQL (not run by the test suite).

    .venv/bin/python -m bench.bench_partners \
        postgresql+psycopg://postgres@127.0.0.1:5432/<scratch db> [ROWS] [REGISTRY] [--xlsx]
        [--reuse]   (keep the registry and the file of the last run; drop only its imports)

Rebuilds the given database (migrations + demo seed), writes REGISTRY persons (default
1,000,000) of 新城区 with real blind indexes of valid ID numbers (set-based: COPY of the
indexes, then INSERT ... SELECT), and a social-insurance list of ROWS rows (default
1,000,000) generated on the fly as a file, streaming, over 500 communities of 新城区 (2,000
rows in station_xc's): every 1,000th row has a bad ID number
and every 2,000th repeats the row before it, so the row report has work to do; 90% of the
rows are persons of the registry. Then, each in its own child process so that its peak RSS
is the importing process's own (VmHWM: ru_maxrss would carry over the parent's peak, which
exec keeps) and its CPU seconds (user + system, of the import
alone) tell its own work apart from a loaded machine's waiting:
  1. the import of the CSV file;
  2. the same file again (nothing changes: found by its hash);
  3. the same rows in another file dated a day later (nothing changes: found by row keys);
  4. with --xlsx, the same rows as XLSX with every string shared (as Excel and WPS save a
     list), dated today (nothing changes either); then, every import forgotten, the first
     import of that XLSX, and the same XLSX again;
then civil affairs' dibao list of station_xc's community (2,000 registry persons without
contributions, each discovered), a CHECKPOINT, and the discovery list of station_xc (p50/p99 over 200
requests, a page of 20 of those 2,000 and their total).
"""
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import select, text

from app import create_app
from app.core.clock import local_today
from app.core.idnumber import check_char
from app.extensions import db
from bench.bench_xlsx_read import share_strings

COMMUNITY = "150102001001"
HEADER = ["身份证号码", "姓名", "所属社区（村）代码", "参保单位名称", "参保身份", "累计缴费月数",
          "参保状态", "最近缴费年月"]
WORK = os.environ.get("BENCH_PARTNERS_DIR", os.path.join(tempfile.gettempdir(), "bench-partners"))


def id_number(i):
    """The i-th valid ID number (GB 11643): 999 sequences a birth day."""
    born = date(1968, 1, 1) + timedelta(days=i // 999)
    first17 = f"150104{born:%Y%m%d}{i % 999 + 1:03d}"  # 玉泉区: no demo person there
    return first17 + check_char(first17)


def _app(url):
    import logging
    logging.getLogger("app.request").setLevel(logging.WARNING)  # 200 lines per list read
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, EVIDENCE_DIR=tempfile.mkdtemp())


def fill_registry(app, count):
    """`count` persons whose blind indexes are those of id_number(0..count-1)."""
    from app.core.regions import add_region
    from app.people.services import index_of
    with app.app_context():
        cipher = app.extensions["field_cipher"]
        started = time.perf_counter()
        for n in range(2, 501):  # the street's other communities (示范社区 is 001)
            add_region(f"150102001{n:03d}", f"测试社区{n}", "150102001")
        db.session.commit()
        conn = db.session.connection().connection.driver_connection
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE bench_idx (g int, idx text)")
            with cur.copy("COPY bench_idx (g, idx) FROM STDIN") as copy:
                for i in range(count):
                    copy.write_row((i, index_of(id_number(i))))
        db.session.execute(text("""
INSERT INTO persons (name, id_number, id_number_index, birth_date, gender,
  residence_region_code, skills, trades_trained, skill_certificates, wants,
  public_welfare_placements, employment_status, created_by, created_at, updated_at)
SELECT :name, :number, b.idx, DATE '1968-01-01' + (b.g / 999), 'male', :region,
  '[]', '[]', '[]', '["job"]', 0, 'unemployed', 'system:bench', now(), now()
FROM bench_idx b"""), {"name": cipher.encrypt("测试人"),
                       "number": cipher.encrypt("150102196801010011"), "region": COMMUNITY})
        db.session.execute(text("DROP TABLE bench_idx"))
        db.session.commit()
        db.session.execute(text("ANALYZE persons"))
        db.session.commit()
        print(f"registry: {count} persons in {time.perf_counter() - started:.1f} s", flush=True)


def rows(count, registry):
    """The list's rows: 90% persons of the registry, the rest people it does not hold."""
    previous = None
    for i in range(count):
        if i % 2000 == 1999 and previous is not None:
            yield previous  # a duplicate within the file
            continue
        person = i if i % 10 else registry + i  # every 10th is not registered
        number = id_number(person)
        if i % 1000 == 999:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")  # bad check character
        kind, status = ("单位职工", "正常缴费") if i % 3 else ("灵活就业人员", "暂停缴费")
        # 500 communities of one street: station_xc's own holds 2,000 of the rows.
        community = f"150102001{i % 500 + 1:03d}"
        previous = [number, "测试人", community, "新城区某公司" if i % 3 else "",
                    kind, str(i % 240), status, "202611"]
        yield previous


def write_csv(path, count, registry):
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(count, registry))
    print(f"wrote {path}: {os.path.getsize(path) / 1e6:.0f} MB in "
          f"{time.perf_counter() - started:.1f} s", flush=True)


DIBAO_HEADER = ["身份证号码", "姓名", "低保户编号", "与户主关系", "所属社区（村）代码", "保障起始日期",
                "保障终止日期"]


def write_dibao(path, registry):
    """Civil affairs' dibao list of station_xc's community: the registry persons there whom
    the social-insurance list does not hold (every 10th is left out of it), so each is
    discovered (working age, on dibao, no contributions): 2,000 at a 1M registry."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(DIBAO_HEADER)
        for person in range(0, registry, 500):  # rows() puts i % 500 == 0 in COMMUNITY
            writer.writerow([id_number(person), "测试人", f"DB-{person}", "户主", COMMUNITY,
                             "2024-03-01", ""])


def write_xlsx(path, count, registry):
    import openpyxl
    started = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(HEADER)
    for row in rows(count, registry):
        sheet.append(row)
    book.save(path)
    print(f"wrote {path}: {os.path.getsize(path) / 1e6:.0f} MB in "
          f"{time.perf_counter() - started:.1f} s", flush=True)


def import_one(url, path, as_of, source="social_insurance", username="county_xc"):
    """One import in this process; prints the time, the counts and the peak RSS."""
    from app.accounts.models import StaffAccount
    from app.partners.imports import counts, import_list
    from app.partners.models import PartnerImportProblem
    app = _app(url)
    with app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(
            StaffAccount.username == username))
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = before.ru_utime + before.ru_stime
        batch, created = import_list(staff, source=source, region_code="150102",
                                     as_of=date.fromisoformat(as_of), path=path)
        db.session.commit()
        elapsed = time.perf_counter() - started
        problems = db.session.scalar(select(db.func.count()).where(
            PartnerImportProblem.import_id == batch.id))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - cpu_before
        print(f"import {os.path.basename(path)} as of {as_of}: {elapsed:.1f} s, CPU "
              f"{cpu:.1f} s, new import {created}, {counts(batch)}, row-report lines "
              f"{problems}, peak RSS {peak_rss_mib():.0f} MiB", flush=True)


def peak_rss_mib():
    """This process's own peak resident memory (VmHWM of /proc/self/status)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(url, path, as_of, *source):
    subprocess.run([sys.executable, "-m", "bench.bench_partners", url, "--import", path,
                    as_of, *source], check=True)


def discovery_latency(url, runs=200):
    import gc
    app = _app(url)
    gc.collect()
    gc.freeze()  # as wsgi.py does after start-up
    client = app.test_client()
    token = client.post("/api/v1/auth/staff/login", json={
        "username": "station_xc", "password": "Demo@2025"}).get_json()["access_token"]
    # The first read after an import is reported on its own: it sets the hint bits of the
    # rows the import just wrote (PostgreSQL's one-time cost of fresh rows), as the first
    # visitor after a new list does; the 200 after it are the visits of the days after.
    started = time.perf_counter()
    client.get("/api/v1/partners/discoveries", headers={"Authorization": f"Bearer {token}"})
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/api/v1/partners/discoveries",
                              headers={"Authorization": f"Bearer {token}"})
        times.append(time.perf_counter() - started)
    assert response.status_code == 200, response.get_json()
    times.sort()
    print(f"discovery list of station_xc: first read after the imports {first * 1000:.1f} ms; "
          f"then p50 {statistics.median(times) * 1000:.1f} ms, "
          f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms "
          f"(total {response.get_json()['total']})", flush=True)


def _forget_imports(app):
    """--reuse: the registry and the file of an earlier run stay; its imports go."""
    with app.app_context():
        for table in ("partner_dibao_phase_outs", "partner_invitations",
                      "partner_import_problems", "partner_records", "partner_imports"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()


def main(url, count, registry, xlsx=False, reuse=False):
    from tests.support.database import prepare_database
    app = _app(url)
    first, again = os.path.join(WORK, "si.csv"), os.path.join(WORK, "si-again.csv")
    if reuse:
        _forget_imports(app)
    else:
        started = time.perf_counter()
        prepare_database(app)
        print(f"migrated and seeded in {time.perf_counter() - started:.1f} s", flush=True)
        fill_registry(app, registry)
        os.makedirs(WORK, exist_ok=True)
        write_csv(first, count, registry)
    # The same rows in another file: one trailing blank line changes the hash, not a row.
    with open(first, "rb") as src, open(again, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
        dst.write(b"\r\n")
    today = local_today()
    _child(url, first, (today - timedelta(days=2)).isoformat())
    _child(url, first, (today - timedelta(days=2)).isoformat())
    _child(url, again, (today - timedelta(days=1)).isoformat())
    if xlsx:
        book = os.path.join(WORK, "si.xlsx")
        if not (reuse and os.path.exists(book)):
            write_xlsx(book, count, registry)
            share_strings(book)  # as Excel and WPS save a list
        _child(url, book, today.isoformat())
        # The XLSX figure that counts: the first import of a list, into no earlier import.
        _forget_imports(app)
        _child(url, book, today.isoformat())
        _child(url, book, today.isoformat())
    dibao = os.path.join(WORK, "dibao.csv")
    write_dibao(dibao, registry)
    _child(url, dibao, today.isoformat(), "dibao", "civil_xc")
    # The list on its own, not beside PostgreSQL writing out the million rows just imported
    # (in one run that made the 2,000-row dibao import take 19 s instead of 1.3 s).
    with app.app_context():
        db.session.connection().exec_driver_sql("CHECKPOINT")
        db.session.commit()
    discovery_latency(url)


if __name__ == "__main__":
    if sys.argv[2:3] == ["--import"]:
        import_one(*sys.argv[1:2], *sys.argv[3:])
    else:
        numbers = [a for a in sys.argv[2:] if not a.startswith("--")]
        main(sys.argv[1], int(numbers[0]) if numbers else 1_000_000,
             int(numbers[1]) if len(numbers) > 1 else 1_000_000, xlsx="--xlsx" in sys.argv,
             reuse="--reuse" in sys.argv)
