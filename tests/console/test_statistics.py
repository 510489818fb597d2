"""The statistics page's figures, each computed a second way from the raw rows and compared;
a hire moves "helped into work" in the person's region and every region above it."""
from sqlalchemy import select

from app.certification.models import Certification
from app.core.clock import local_date, local_today
from app.core.models import subtree_codes
from app.extensions import db
from app.jobs.models import Recommendation
from app.people.models import Person
from app.stats.services import compute_figures
from tests.builders.codes import certified_seeker
from tests.builders.console import console_login
from tests.builders.http import auth
from tests.builders.jobs import Staff


def _hire(client, token, person_id):
    station = Staff(client, "station_xc")
    vacancy = station.new_vacancy(station.new_employer(7)["id"])["id"]
    rec = station.post("/recommendations", {"person_id": person_id, "vacancy_id": vacancy})
    assert rec.status_code == 201, rec.get_json()
    rec_id = rec.get_json()["id"]
    path = f"/api/v1/jobs/recommendations/mine/{rec_id}"
    assert client.post(path + "/apply", headers=auth(token)).status_code == 200
    assert station.post(f"/recommendations/{rec_id}/interview").status_code == 200
    assert station.post(f"/recommendations/{rec_id}/hire").status_code == 200


def _raw_helped(scope, year):
    """Persons hired in the year (Beijing date) who were certified or registered unemployed,
    once each, from the rows one by one."""
    codes = set(db.session.scalars(subtree_codes(scope)).all())
    helped = set()
    for rec in db.session.scalars(select(Recommendation).where(Recommendation.status == "hired")):
        person = db.session.get(Person, rec.person_id)
        certified = db.session.scalar(select(Certification.id).where(
            Certification.person_id == person.id).limit(1)) is not None
        if rec.region_code in codes and local_date(rec.decided_at).year == year and (
                certified or person.registered_unemployed or person.unemployment_registered_on):
            helped.add(person.id)
    return len(helped)


def _raw_certified(scope, year):
    codes = set(db.session.scalars(subtree_codes(scope)).all())
    return sum(1 for c in db.session.scalars(select(Certification))
               if c.region_code in codes and c.starts_on.year == year)


def test_a_hire_moves_helped_into_work_and_each_figure_matches_the_raw_rows(client, fresh_app):
    year = local_today().year
    with fresh_app.app_context():
        before = compute_figures("150100", year)
    token, person_id = certified_seeker(client)
    _hire(client, token, person_id)
    with fresh_app.app_context():
        after = compute_figures("150100", year)
        for scope in ("150000", "150100", "150102", "150702"):
            figures = compute_figures(scope, year)["region"]
            assert figures["helped"] == _raw_helped(scope, year), scope
            assert figures["certified"] == _raw_certified(scope, year), scope
    assert after["region"]["helped"] == before["region"]["helped"] + 1
    assert after["region"]["hires"] == before["region"]["hires"] + 1
    assert after["region"]["disabled_helped"] == before["region"]["disabled_helped"]
    child = {line["region_code"]: line for line in after["children"]}
    assert child["150102"]["helped"] == after["region"]["helped"]
    console_login(client, "city_hhht")
    page = client.get("/console/statistics").get_data(as_text=True)
    assert f'id="figure-helped">{after["region"]["helped"]}<' in page


def test_administrators_split_the_targets_across_their_children(client, fresh_app):
    from tests.builders.console import console_post
    csrf = console_login(client, "region_admin")
    page = client.get("/console/statistics").get_data(as_text=True)
    assert "80000" in page and "6000" in page  # notice §1, until set otherwise
    year = local_today().year
    console_post(client, "/console/statistics/targets", csrf, region="150100", year=str(year),
                 helped="9000", disabled_helped="700")
    page = client.get("/console/statistics").get_data(as_text=True)
    assert "<td>9000</td><td>700</td>" in page and "下级地区目标合计 9000" in page
    bad = console_post(client, "/console/statistics/targets", csrf, expect=422,
                       region="150100", year=str(year), helped="10", disabled_helped="700")
    assert "stats.target_invalid" in bad.get_data(as_text=True)
    csrf = console_login(client, "city_hhht")
    console_post(client, "/console/statistics/targets", csrf, expect=404, region="150700",
                 year=str(year), helped="1", disabled_helped="0")
    csrf = console_login(client, "station_xc")
    console_post(client, "/console/statistics/targets", csrf, expect=403, region="150102001001",
                 year=str(year), helped="1", disabled_helped="0")
