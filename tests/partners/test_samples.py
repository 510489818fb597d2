"""The sample lists in scripts/samples/partners (what README tells a reader to try) are
what the generator writes, and they do on the demo seed what the demo script says."""
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import local_today
from scripts import partner_samples
from tests.builders.http import auth, staff_token
from tests.partners.test_imports import upload

SAMPLES = Path(partner_samples.__file__).parent / "samples" / "partners"


def test_the_committed_csv_samples_are_what_the_generator_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(partner_samples, "OUT", tmp_path)
    partner_samples.main()
    for path in tmp_path.glob("*.csv"):
        assert (SAMPLES / path.name).read_bytes() == path.read_bytes(), path.name
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in SAMPLES.iterdir()}


def _upload(client, username, name, source):
    return upload(client, staff_token(client, username), (SAMPLES / name).read_bytes(),
                  source=source, as_of=local_today() - timedelta(30), region_code="150102",
                  filename=name)


def test_the_dibao_sample_reports_its_bad_row_and_its_duplicate(client):
    answer = _upload(client, "civil_xc", "dibao.csv", "dibao")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["rows_total"], body["rows_failed"], body["added"], body["matched"]) == (5, 2, 3, 1)
    report = client.get(f"/api/v1/partners/imports/{body['id']}/problems",
                        headers=auth(staff_token(client, "civil_xc"))).get_json()["items"]
    assert [(p["line"], p["column"], p["code"]) for p in report] == [
        (5, "身份证号码", "partners.bad_id_number"), (6, "身份证号码", "partners.duplicate_row")]
    figures = client.get("/api/v1/partners/figures",
                         headers=auth(staff_token(client, "civil_xc"))).get_json()
    [dibao] = figures["sources"]
    # 李秀英 applied and the list backs her; 刘芳 and 周强 never applied.
    assert (dibao["listed"], dibao["matched"], dibao["confirmed"], dibao["discovered"],
            dibao["converted"]) == (3, 1, 1, 2, 0)
    assert figures["discovered_capped"] is False


@pytest.mark.parametrize("username,name,source,matched", [
    ("cdpf_xc", "disability.xlsx", "disability", 1),
    ("county_xc", "unemployment.csv", "unemployment", 2),
    ("county_xc", "social_insurance.csv", "social_insurance", 1),
    ("civil_xc", "land_lost.csv", "land_lost", 0)])
def test_every_other_sample_imports_whole_and_matches_the_demo_people(
        client, username, name, source, matched):
    answer = _upload(client, username, name, source)
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["rows_failed"], answer.get_json()["matched"]) == (0, matched)


def test_the_social_insurance_sample_proposes_the_certified_employee_for_exit(client):
    _upload(client, "county_xc", "social_insurance.csv", "social_insurance")
    proposals = client.get("/api/v1/partners/exit-proposals",
                           headers=auth(staff_token(client, "county_xc"))).get_json()["items"]
    assert [(p["name"], p["employer"]) for p in proposals] == [("张*", "新城区某科技有限公司")]
