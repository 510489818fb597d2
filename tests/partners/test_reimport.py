"""Re-importing a list: rows sent again unchanged are not written (the list's latest import
says when they were last confirmed), bad rows and duplicates are reported again, and what
did change (content, the matched person, a return to the list) is written."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.core.clock import local_today
from app.partners import imports
from app.partners.models import PartnerRecord
from tests.builders.http import auth, staff_token
from tests.builders.people import create_person, id_number, older_man_id
from tests.partners.test_comparison import LI, SI_HEADER, _ids, dibao_row
from tests.partners.test_imports import IMPORTS, as_csv, as_xlsx, member, upload


def si_row(number, months="12"):
    return [number, "张三", "150102001001", "某物流公司", "单位职工", months, "正常缴费", "202611"]


def _report(client, token, import_id):
    items = client.get(f"{IMPORTS}/{import_id}/problems", headers=auth(token)).get_json()
    return [(p["line"], p["column"], p["code"], p["details"]) for p in items["items"]]


def _counts(body):
    return {k: body[k] for k in ("rows_total", "rows_failed", "added", "changed", "unchanged",
                                 "ended", "matched")}


def test_unchanged_rows_are_not_written_and_take_the_date_of_the_latest_list(client,
                                                                               fresh_app):
    person_id, _ = _ids(fresh_app, LI)
    civil, station = staff_token(client, "civil_xc"), staff_token(client, "station_xc")
    today = local_today()
    rows = [dibao_row(LI, "李秀英"), member(3)]
    first = upload(client, civil, as_csv(rows), as_of=today - timedelta(20)).get_json()
    # The same rows re-saved as a spreadsheet, ten days later: nothing to write.
    again = upload(client, civil, as_xlsx(rows), as_of=today - timedelta(10),
                   filename="l.xlsx").get_json()
    assert (again["unchanged"], again["changed"], again["added"], again["ended"]) == (2, 0, 0, 0)
    with fresh_app.app_context():
        from app.extensions import db
        assert set(db.session.scalars(select(PartnerRecord.last_import_id))) == {first["id"]}
    findings = client.get(f"/api/v1/partners/people/{person_id}/comparison",
                          headers=auth(station)).get_json()["findings"]
    assert [(f["fact"], f["as_of"], f["ended_on"]) for f in findings] == [
        ("dibao", (today - timedelta(10)).isoformat(), None)]
    # She is not on today's list: ended today, last confirmed by the list of ten days ago.
    upload(client, civil, as_csv([member(3)]), as_of=today)
    findings = client.get(f"/api/v1/partners/people/{person_id}/comparison",
                          headers=auth(station)).get_json()["findings"]
    assert [(f["fact"], f["as_of"], f["ended_on"]) for f in findings] == [
        ("dibao", (today - timedelta(10)).isoformat(), today.isoformat())]
    # Back on a later list with the same row: live again (a change), as of that list.
    back = upload(client, civil, as_csv(rows) + b"\r\n", as_of=today).get_json()
    assert (back["unchanged"], back["changed"], back["added"]) == (1, 1, 0)
    findings = client.get(f"/api/v1/partners/people/{person_id}/comparison",
                          headers=auth(station)).get_json()["findings"]
    assert [(f["fact"], f["as_of"], f["ended_on"]) for f in findings] == [
        ("dibao", today.isoformat(), None)]


def test_a_new_file_of_the_same_rows_reports_its_bad_rows_again_and_changes_nothing(client):
    county = staff_token(client, "county_xc")
    today = local_today()
    one, three = id_number("150102", today.replace(year=1980, month=1, day=1), "001"), \
        id_number("150102", today.replace(year=1980, month=1, day=1), "003")
    bad = si_row(one[:-1] + ("0" if one[-1] != "0" else "1"))
    # Line 5 repeats line 4's person and has a bad cell of its own; line 6 repeats line 2's.
    rows = [si_row(one), bad, si_row(three), si_row(three, months="x"), si_row(one, "13")]
    content = as_csv(rows, header=SI_HEADER)
    first = upload(client, county, content, source="social_insurance",
                   as_of=today - timedelta(2)).get_json()
    again = upload(client, county, content + b"\r\n", source="social_insurance",
                   as_of=today - timedelta(1)).get_json()
    assert again["id"] != first["id"]
    assert _counts(first) == {"rows_total": 5, "rows_failed": 3, "added": 2, "changed": 0,
                              "unchanged": 0, "ended": 0, "matched": 0}
    assert _counts(again) == {**_counts(first), "added": 0, "unchanged": 2}
    expected = [(3, "身份证号码", "partners.bad_id_number", {"reason": "checksum"}),
                (5, "累计缴费月数", "partners.bad_number", {"min": 0, "max": 1200}),
                (5, "身份证号码", "partners.duplicate_row", {"first_line": 4}),
                (6, "身份证号码", "partners.duplicate_row", {"first_line": 2})]
    assert _report(client, county, first["id"]) == expected
    assert _report(client, county, again["id"]) == expected
    # A person registered since the last list: the same row now matches them (a change).
    create_person(client, staff_token(client, "station_xc"), number=three)
    matched = upload(client, county, content + b"\r\n\r\n", source="social_insurance",
                     as_of=today).get_json()
    assert _counts(matched) == {**_counts(again), "changed": 1, "unchanged": 1, "matched": 1}


def test_the_same_values_written_in_another_form_are_unchanged(client, fresh_app):
    county = staff_token(client, "county_xc")
    today = local_today()
    number = older_man_id("071")
    first = upload(client, county, as_csv([si_row(number)], header=SI_HEADER),
                   source="social_insurance", as_of=today - timedelta(1)).get_json()
    other_form = si_row(number)
    other_form[7] = "2026-11"  # the month as another office writes it
    again = upload(client, county, as_csv([other_form], header=SI_HEADER),
                   source="social_insurance", as_of=today).get_json()
    assert (again["unchanged"], again["changed"], again["added"]) == (1, 0, 0)
    with fresh_app.app_context():
        from app.extensions import db
        record = db.session.scalars(select(PartnerRecord)).one()
        assert (record.last_import_id, record.values["last_month"]) == (first["id"], "2026-11")


def test_a_large_import_refreshes_the_statistics_of_the_records(client, fresh_app, monkeypatch):
    with fresh_app.app_context():
        from app.extensions import db
        if db.engine.dialect.name != "postgresql":
            pytest.skip("ANALYZE is PostgreSQL's")
    monkeypatch.setattr(imports, "ANALYZE_AFTER", 2)
    civil = staff_token(client, "civil_xc")
    upload(client, civil, as_csv([member(1), member(3), member(4)]))
    with fresh_app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(PartnerRecord))
        estimated = db.session.scalar(text(
            "SELECT reltuples FROM pg_class WHERE relname = 'partner_records'"))
    assert rows == estimated == 3
