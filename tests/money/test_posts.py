"""Public-welfare posts: development request by one person and approval by another,
placements within headcount and the two-placement limit, a quarter advanced then settled
after one person left early, with the recovery in the fund's ledger."""
from sqlalchemy import select

from app.core.clock import local_today
from app.core.months import add_months
from app.extensions import db
from app.jobs.models import Employer
from app.money.posts import quarter_start
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, staff_token
from tests.builders.money import demo_fund
from tests.builders.people import older_man_id

MONTHLY = (1980 + 760) * 100  # catalog post subsidy + social-insurance subsidy, in fen


def _employer_id(app):
    with app.app_context():
        return db.session.scalar(select(Employer.id).where(
            Employer.credit_code.startswith("91150102MA0NXC001")))


def _post(client, app, token, headcount=2):
    quarter = add_months(quarter_start(local_today()), -3)
    response = client.post("/api/v1/money/posts", headers=auth(token), json={
        "employer_id": _employer_id(app), "title": "社区公共服务岗", "headcount": headcount,
        "term_from": quarter.isoformat(), "term_to": add_months(quarter, 12).isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json(), quarter


def test_advance_then_settle_recovers_what_an_early_leaver_did_not_work(client, fresh_app):
    _, first = certified_seeker(client, "zhangsan")
    _, second = certified_seeker(client, "lisi", number=older_man_id("041"))
    station, county = staff_token(client, "station_xc"), staff_token(client, "county_xc")
    finance = staff_token(client, "finance_xc")
    post, quarter = _post(client, fresh_app, station)
    assert client.post(f"/api/v1/money/posts/{post['id']}/placements", headers=auth(station),
                       json={"person_id": first, "starts_on": quarter.isoformat()}).status_code == 409
    approved = client.post(f"/api/v1/money/posts/{post['id']}/approve", headers=auth(county))
    assert approved.status_code == 200 and approved.get_json()["monthly_fen"] == MONTHLY
    placed = []
    for person_id in (first, second):
        response = client.post(f"/api/v1/money/posts/{post['id']}/placements", headers=auth(station),
                               json={"person_id": person_id, "starts_on": quarter.isoformat()})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["sequence"] == 1
        placed.append(response.get_json()["id"])
    balance = demo_fund(client, finance)["balance_fen"]
    advance = client.post(f"/api/v1/money/posts/{post['id']}/advance", headers=auth(finance),
                          json={"quarter": quarter.isoformat()})
    assert advance.status_code == 201, advance.get_json()
    assert advance.get_json()["advance_fen"] == 2 * MONTHLY * 3
    assert demo_fund(client, finance)["balance_fen"] == balance - 2 * MONTHLY * 3
    twice = client.post(f"/api/v1/money/posts/{post['id']}/advance", headers=auth(finance),
                        json={"quarter": quarter.isoformat()})
    assert twice.status_code == 409
    # The second person leaves after the quarter's first month.
    left = client.post(f"/api/v1/money/placements/{placed[1]}/leave", headers=auth(station),
                       json={"left_on": (add_months(quarter, 1).replace(day=1)).isoformat(),
                             "reason": "employed"})
    assert left.status_code == 200, left.get_json()
    settled = client.post(f"/api/v1/money/posts/{post['id']}/settle", headers=auth(finance),
                          json={"quarter": quarter.isoformat()})
    assert settled.status_code == 200, settled.get_json()
    body = settled.get_json()
    assert body["months_worked"] == 3 + 2 and body["outcome"] == "recovery"
    assert body["difference_fen"] == -MONTHLY
    assert demo_fund(client, finance)["balance_fen"] == balance - 2 * MONTHLY * 3 + MONTHLY
    fund = client.get(f"/api/v1/money/funds/{demo_fund(client, finance)['id']}",
                      headers=auth(finance)).get_json()
    assert fund["entries"][0]["kind"] == "recovery" and fund["entries"][0]["from_account"].startswith("unit:")
    again = client.post(f"/api/v1/money/posts/{post['id']}/settle", headers=auth(finance),
                        json={"quarter": quarter.isoformat()})
    assert again.status_code == 409
    current = client.post(f"/api/v1/money/posts/{post['id']}/settle", headers=auth(finance),
                          json={"quarter": local_today().isoformat()})
    assert current.status_code == 409 and error_code(current) == "money.quarter_not_over"
    # The post's months count on each person's social-insurance pool, to the term's end or
    # the day they left, with a due date for tracking's expiry assessment.
    from app.policies.models import Benefit
    with fresh_app.app_context():
        periods = {b.person_id: (b.starts_on, b.ends_on, b.due_on) for b in db.session.scalars(
            select(Benefit).where(Benefit.policy == "public_welfare_post",
                                  Benefit.source == "placement"))}
        db.session.remove()
    term_end = add_months(quarter, 12)
    assert periods == {first: (quarter, term_end, term_end),
                       second: (quarter, add_months(quarter, 1), add_months(quarter, 1))}


def test_the_requester_never_approves_and_headcount_and_two_placements_hold(client, fresh_app):
    _, first = certified_seeker(client, "zhangsan")
    county, station = staff_token(client, "county_xc"), staff_token(client, "station_xc")
    post, quarter = _post(client, fresh_app, county, headcount=1)
    own = client.post(f"/api/v1/money/posts/{post['id']}/approve", headers=auth(county))
    assert own.status_code == 403 and error_code(own) == "money.second_person_required"
    assert client.post(f"/api/v1/money/posts/{post['id']}/approve",
                       headers=auth(station)).status_code == 403
    other, _ = _post(client, fresh_app, station, headcount=1)
    assert client.post(f"/api/v1/money/posts/{other['id']}/approve", headers=auth(county)).status_code == 200
    from app.people.models import Person
    with fresh_app.app_context():  # placed twice before, elsewhere
        db.session.get(Person, first).public_welfare_placements = 2
        db.session.commit()
    third = client.post(f"/api/v1/money/posts/{other['id']}/placements", headers=auth(station),
                        json={"person_id": first, "starts_on": quarter.isoformat()})
    assert third.status_code in (409, 422)
    assert error_code(third) in ("money.placement_limit", "money.not_eligible")
    bad = client.post("/api/v1/money/posts", headers=auth(station), json={
        "employer_id": _employer_id(fresh_app), "title": "岗", "headcount": 0,
        "term_from": quarter.isoformat(), "term_to": quarter.isoformat()})
    assert bad.status_code == 422
    long = client.post("/api/v1/money/posts", headers=auth(station), json={
        "employer_id": _employer_id(fresh_app), "title": "长期岗位", "headcount": 1,
        "term_from": quarter.isoformat(), "term_to": add_months(quarter, 40).isoformat()})
    assert long.status_code == 422 and error_code(long) == "money.post_term"
    hlr = staff_token(client, "station_hlr")
    assert client.get(f"/api/v1/money/posts/{other['id']}", headers=auth(hlr)).status_code == 404
