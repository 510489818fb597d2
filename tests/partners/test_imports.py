"""Partner lists: a department uploads its own kind of list; every row is checked and
reported; the same file twice changes nothing; a newer list ends what it no longer holds."""
import csv
import io
from datetime import date, timedelta

import openpyxl
from sqlalchemy import func, select

from app.certification.demo import demo_id
from app.core.clock import local_today
from app.partners.models import PartnerImport, PartnerRecord
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import id_number

IMPORTS = "/api/v1/partners/imports"
HEADER = ["身份证号码", "姓名", "低保户编号", "与户主关系", "所属社区（村）代码", "保障起始日期",
          "保障终止日期"]
WANG = demo_id("150102", date(1969, 3, 15), "031")  # 王建国, a demo person of 新城区


def member(serial, name="张三", start="2024-03-01", number=None):
    return [number or id_number("150102", date(1980, 1, 1), f"{serial:03d}"), name,
            f"HH{serial:04d}", "户主", "150102001001", start, ""]


def as_csv(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER):
    book = openpyxl.Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, token, content, source="dibao", as_of=None, region_code=None,
           filename="list.csv"):
    form = {"source": source, "as_of": (as_of or local_today()).isoformat(),
            "file": (io.BytesIO(content), filename)}
    if region_code:
        form["region_code"] = region_code
    return client.post(IMPORTS, data=form, headers=auth(token),
                       content_type="multipart/form-data")


def first_list():
    bad = member(2)
    bad[0] = bad[0][:-1] + ("0" if bad[0][-1] != "0" else "1")  # wrong check character
    return [member(1), bad, member(3, name="李四"), member(4, name="王建国", number=WANG),
            member(1, name="张三")]  # line 6 repeats line 2's person


def test_a_dibao_list_is_checked_row_by_row_and_matched_to_persons(client):
    civil = staff_token(client, "civil_xc")
    response = upload(client, civil, as_csv(first_list()))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("rows_total", "rows_failed", "added", "matched", "ended",
                                 "duplicate")} == {"rows_total": 5, "rows_failed": 2,
                                                   "added": 3, "matched": 1, "ended": 0,
                                                   "duplicate": False}
    report = client.get(f"{IMPORTS}/{body['id']}/problems", headers=auth(civil)).get_json()
    assert [(p["line"], p["column"], p["code"]) for p in report["items"]] == [
        (3, "身份证号码", "partners.bad_id_number"), (6, "身份证号码", "partners.duplicate_row")]
    assert report["items"][0]["message"] == "身份证号码不正确"
    assert report["items"][0]["details"] == {"reason": "checksum"}
    assert report["items"][1]["details"] == {"first_line": 2}


def test_the_same_file_twice_changes_nothing(client, fresh_app):
    civil = staff_token(client, "civil_xc")
    content = as_csv(first_list())
    first = upload(client, civil, content).get_json()
    again = upload(client, civil, content)
    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"] and again.get_json()["duplicate"] is True
    with fresh_app.app_context():
        from app.extensions import db
        assert db.session.scalar(select(func.count()).select_from(PartnerImport)) == 1
        assert db.session.scalar(select(func.count()).select_from(PartnerRecord)) == 3


def test_a_newer_list_ends_who_it_no_longer_holds_and_changes_who_changed(client, fresh_app):
    civil = staff_token(client, "civil_xc")
    today = local_today()
    upload(client, civil, as_csv([member(1), member(3), member(4)]), as_of=today - timedelta(30))
    # A re-saved file with the same rows: a new import, and nothing changes.
    same = upload(client, civil, as_xlsx([member(1), member(3), member(4)]),
                  as_of=today - timedelta(20), filename="list.xlsx").get_json()
    assert (same["unchanged"], same["added"], same["changed"], same["ended"]) == (3, 0, 0, 0)
    newer = upload(client, civil, as_csv([member(1), member(3, start="2025-01-01")]),
                   as_of=today).get_json()
    assert (newer["unchanged"], newer["changed"], newer["ended"]) == (1, 1, 1)
    with fresh_app.app_context():
        from app.extensions import db
        ended = db.session.scalars(select(PartnerRecord).where(
            PartnerRecord.ended_on.is_not(None))).all()
        assert [(r.id_number, r.ended_on) for r in ended] == [(member(4)[0], today)]


def test_an_older_list_cannot_replace_a_newer_one(client):
    civil = staff_token(client, "civil_xc")
    today = local_today()
    upload(client, civil, as_csv([member(1)]), as_of=today)
    older = upload(client, civil, as_csv([member(3)]), as_of=today - timedelta(1))
    assert older.status_code == 409 and error_code(older) == "partners.older_than_current"
    future = upload(client, civil, as_csv([member(3)]), as_of=today + timedelta(1))
    assert future.status_code == 422 and error_code(future) == "partners.as_of_in_future"


def test_a_file_without_a_required_column_is_refused_whole(client, fresh_app):
    civil = staff_token(client, "civil_xc")
    response = upload(client, civil, as_csv([member(1)[1:]], header=HEADER[1:]))
    assert response.status_code == 422 and error_code(response) == "partners.missing_columns"
    assert response.get_json()["error"]["details"] == {"columns": ["身份证号码"]}
    with fresh_app.app_context():
        from app.extensions import db
        assert db.session.scalar(select(func.count()).select_from(PartnerImport)) == 0


def test_gbk_csv_and_xlsx_as_departments_save_them(client):
    civil = staff_token(client, "civil_xc")
    gbk = upload(client, civil, as_csv([member(1), member(3)], encoding="gbk"),
                 as_of=local_today() - timedelta(1))
    assert gbk.status_code == 201 and gbk.get_json()["added"] == 2
    xlsx = upload(client, civil, as_xlsx([member(1), member(5)]), filename="l.xlsx")
    assert xlsx.status_code == 201, xlsx.get_json()
    assert (xlsx.get_json()["added"], xlsx.get_json()["unchanged"]) == (1, 1)


def test_cells_a_department_gets_wrong_are_named(client):
    civil = staff_token(client, "civil_xc")
    outside = member(1)
    outside[4] = "150702001001"  # 呼伦贝尔: not this county's list
    bad_date = member(3, start="2024-13-01")
    number_cell = member(5)
    response = upload(client, civil, as_xlsx([outside, bad_date, number_cell[:0] + [
        int(number_cell[0][:-1] + "0")] + number_cell[1:]]), filename="l.xlsx")
    report = client.get(f"{IMPORTS}/{response.get_json()['id']}/problems",
                        headers=auth(civil)).get_json()["items"]
    assert [(p["line"], p["code"]) for p in report] == [
        (2, "partners.region_outside"), (3, "partners.bad_date"),
        (4, "partners.id_number_not_text")]


def test_a_department_uploads_only_its_own_kind_of_list_and_never_reads_persons(client):
    cdpf, station, civil = (staff_token(client, name)
                            for name in ("cdpf_xc", "station_xc", "civil_xc"))
    refused = upload(client, cdpf, as_csv([member(1)]))
    assert refused.status_code == 403 and error_code(refused) == "partners.source_not_yours"
    assert error_code(upload(client, station, as_csv([member(1)]))) == "auth.forbidden"
    elsewhere = upload(client, civil, as_csv([member(1)]), region_code="150702")
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "region.not_found"
    unknown = upload(client, civil, as_csv([member(1)]), source="nonsense")
    assert unknown.status_code == 404 and error_code(unknown) == "partners.unknown_source"
    assert client.post("/api/v1/people/lookup", json={"id_number": WANG},
                       headers=auth(civil)).status_code == 403


def test_reports_are_read_by_departments_and_caseworkers_above_never_by_a_station(client):
    civil = staff_token(client, "civil_xc")
    created = upload(client, civil, as_csv([member(1)])).get_json()
    hailar = staff_token(client, "station_hlr")
    assert client.get(f"{IMPORTS}/{created['id']}", headers=auth(hailar)).status_code == 403
    city = staff_token(client, "city_hhht")
    listed = client.get(IMPORTS, headers=auth(city)).get_json()
    assert [i["id"] for i in listed["items"]] == [created["id"]]
    assert set(listed["items"][0]) >= {"rows_total", "matched", "added"}
    assert "items" not in client.get(f"{IMPORTS}/{created['id']}", headers=auth(city)).get_json()
