"""Per-person matches, recommendations and their lifecycle, flagged decliners, events."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from app.accounts.models import PersonAccount
from app.core.errors import Conflict
from app.jobs import recommendations as service
from app.audit.models import AuditEntry
from app.extensions import db
from app.jobs.models import Recommendation, Vacancy
from app.people.models import Person
from app.wechat.models import PushMessage
from tests.builders.http import auth, error_code, person_token
from tests.builders.jobs import Staff
from tests.builders.people import older_man_id, register_self

HOME = {"lat": 40.8440, "lng": 111.6720}


def registered(client, login="zhangsan"):
    """A person signed in through WeChat and registered in the demo community."""
    token = person_token(client, login)
    body = register_self(client, token)
    return auth(token), body["id"]


def new_vacancy(client, serial=1, staff="station_xc", **overrides):
    """An open vacancy in the demo community, posted through the API."""
    poster = Staff(client, staff)
    return poster.new_vacancy(poster.new_employer(serial)["id"], **overrides)["id"]


def recommend(staff, person_id, vacancy_id, expect=201):
    response = staff.post("/recommendations", {"person_id": person_id, "vacancy_id": vacancy_id})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def audit_actions(fresh_app, subject_type, subject_id):
    with fresh_app.app_context():
        return [e.action for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == subject_type,
                                     AuditEntry.target_id == str(subject_id))
            .order_by(AuditEntry.id))]


# --- matching ------------------------------------------------------------------------------

def test_my_matches_need_a_registration_and_a_live_consent(client):
    headers = auth(person_token(client))
    missing = client.get("/api/v1/jobs/matches/me", headers=headers)
    assert missing.status_code == 404 and error_code(missing) == "jobs.profile_missing"
    assert "登记" in missing.get_json()["error"]["message"]
    register_self(client, headers["Authorization"].split()[1])
    assert client.get("/api/v1/jobs/matches/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/people/me/consent", headers=headers).status_code == 204
    withdrawn = client.get("/api/v1/jobs/matches/me", headers=headers)
    assert withdrawn.status_code == 409 and error_code(withdrawn) == "jobs.consent_missing"


def test_my_matches_use_my_facts_and_wishes(client):
    headers, _ = registered(client)
    before = client.get("/api/v1/jobs/matches/me?limit=50", headers=headers).get_json()
    assert before["matches"] and all(m["vacancy"]["status"] == "open" for m in before["matches"])
    # 56 or 57 years old: never a vacancy capped below that age.
    assert all(m["vacancy"]["max_age"] is None or m["vacancy"]["max_age"] >= 56
               for m in before["matches"])
    wishes = {"occupations": ["property_maintenance"], "hours": ["full_time"],
              "min_salary": 3000, "max_travel_km": 5, "home": HOME}
    saved = client.put("/api/v1/jobs/preferences/me", json=wishes, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["home"] == HOME
    after = client.get("/api/v1/jobs/matches/me", headers=headers).get_json()
    top = after["matches"][0]
    assert top["vacancy"]["occupation_code"] == "property_maintenance"
    assert any(r.startswith("是您希望从事的职业") for r in top["reasons"])
    assert top["distance_km"] is not None and top["distance_km"] <= 5
    bad = client.put("/api/v1/jobs/preferences/me", json={**wishes, "hours": ["always"]},
                     headers=headers)
    assert bad.status_code == 422


def test_staff_see_a_persons_matches_in_scope_only_and_audited(client, fresh_app):
    _, person_id = registered(client)
    station = Staff(client, "station_xc")
    response = client.get(f"/api/v1/people/{person_id}/matches", headers=station.headers)
    assert response.status_code == 200 and response.get_json()["matches"]
    assert "jobs.person_matched" in audit_actions(fresh_app, "person", person_id)
    other = Staff(client, "station_hlr")
    hidden = client.get(f"/api/v1/people/{person_id}/matches", headers=other.headers)
    assert hidden.status_code == 404 and error_code(hidden) == "people.not_found"
    huge = client.get("/api/v1/people/99999999999999999999/matches", headers=station.headers)
    assert huge.status_code == 404


# --- recommendations -----------------------------------------------------------------------

def test_recommending_notifies_the_person_once(client, fresh_app):
    _, person_id = registered(client)
    station = Staff(client, "station_xc")
    vacancy_id = new_vacancy(client)
    rec = recommend(station, person_id, vacancy_id)
    assert rec["status"] == "recommended" and rec["status_label"] == "已推荐"
    assert rec["suitable"] is True and rec["vacancy"]["id"] == vacancy_id
    with fresh_app.app_context():
        message = db.session.scalar(select(PushMessage).where(
            PushMessage.dedupe_key == f"jobrec:{rec['id']}"))
        assert message.kind == "job_recommendation"
        assert db.session.get(Person, person_id).person_account_id == message.person_account_id
    again = recommend(station, person_id, vacancy_id, expect=409)
    assert again["error"]["code"] == "jobs.already_recommended"
    assert "jobs.recommended" in audit_actions(fresh_app, "recommendation", rec["id"])


def test_closed_out_of_scope_and_unsuitable_vacancies_are_refused(client, fresh_app):
    _, person_id = registered(client)
    station = Staff(client, "station_xc")
    closed = new_vacancy(client)
    assert station.post(f"/vacancies/{closed}/close").status_code == 200
    assert recommend(station, person_id, closed, 409)["error"]["code"] == "jobs.vacancy_not_open"
    with fresh_app.app_context():
        hailar = db.session.scalar(select(Vacancy.id).where(Vacancy.county_code == "150702"))
    # A vacancy of another league: not in the station's subtree, so it does not exist for it.
    assert recommend(station, person_id, hailar, 404)["error"]["code"] == "jobs.vacancy_not_found"
    # Staff of another league cannot reach our person either.
    other = Staff(client, "station_hlr")
    assert recommend(other, person_id, hailar, 404)["error"]["code"] == "people.not_found"
    # A vacancy capped below the person's age.
    capped = new_vacancy(client, 2, max_age=40)
    refused = recommend(station, person_id, capped, 422)
    assert refused["error"]["code"] == "jobs.vacancy_unsuitable"
    assert "年龄" in refused["error"]["message"]
    with fresh_app.app_context():
        assert db.session.scalar(select(Recommendation.id).where(
            Recommendation.person_id == person_id)) is None


def test_lifecycle_to_a_hire_updates_the_vacancy_and_the_person(client, fresh_app):
    headers, person_id = registered(client)
    station = Staff(client, "station_xc")
    vacancy_id = new_vacancy(client)
    rec = recommend(station, person_id, vacancy_id)
    mine = client.get("/api/v1/jobs/recommendations/mine", headers=headers).get_json()
    assert [r["id"] for r in mine] == [rec["id"]]
    path = f"/api/v1/jobs/recommendations/mine/{rec['id']}"
    assert client.get(path, headers=headers).get_json()["status"] == "viewed"
    # Staff cannot record an interview before the person applied.
    early = station.post(f"/recommendations/{rec['id']}/interview")
    assert early.status_code == 409
    assert error_code(early) == "jobs.recommendation_invalid_transition"
    assert client.post(path + "/apply", headers=headers).get_json()["status"] == "applied"
    second = client.post(path + "/apply", headers=headers)
    assert second.status_code == 409
    assert error_code(second) == "jobs.recommendation_invalid_transition"
    assert station.post(f"/recommendations/{rec['id']}/interview").get_json()["status"] \
        == "interviewed"
    hired = station.post(f"/recommendations/{rec['id']}/hire")
    assert hired.status_code == 200 and hired.get_json()["status"] == "hired"
    assert station.get(f"/vacancies/{vacancy_id}").get_json()["filled_count"] == 1
    with fresh_app.app_context():
        assert db.session.get(Person, person_id).employment_status == "employed"
    late = client.post(path + "/decline", json={"reason": "family"}, headers=headers)
    assert late.status_code == 409
    assert audit_actions(fresh_app, "recommendation", rec["id"]) == [
        "jobs.recommended", "jobs.recommendation_viewed", "jobs.recommendation_applied",
        "jobs.recommendation_interviewed", "jobs.recommendation_hired"]
    assert "person.employment_changed" in audit_actions(fresh_app, "person", person_id)


def test_a_person_sees_and_acts_only_on_their_own_recommendations(client, fresh_app):
    _, person_id = registered(client)
    station = Staff(client, "station_xc")
    rec = recommend(station, person_id, new_vacancy(client))
    stranger = auth(person_token(client, "lisi"))
    register_self(client, stranger["Authorization"].split()[1], name="李四",
                  number=older_man_id("071"))
    for method, suffix in (("get", ""), ("post", "/apply")):
        response = getattr(client, method)(
            f"/api/v1/jobs/recommendations/mine/{rec['id']}{suffix}", headers=stranger)
        assert response.status_code == 404
        assert error_code(response) == "jobs.recommendation_not_found"
    # Outcome counts and lists stay inside the subtree.
    hlr = Staff(client, "station_hlr")
    assert hlr.get(f"/recommendations/{rec['id']}").status_code == 404
    assert hlr.get("/recommendations").get_json()["total"] == 0


def test_declined_vacancies_leave_matches_and_three_personal_declines_flag(client, fresh_app):
    headers, person_id = registered(client)
    station = Staff(client, "county_xc")
    offered = [m["vacancy"]["id"] for m in client.get(
        "/api/v1/jobs/matches/me?limit=50", headers=headers).get_json()["matches"]]
    assert len(offered) >= 4
    recs = [recommend(station, person_id, vacancy_id) for vacancy_id in offered[:4]]
    base = "/api/v1/jobs/recommendations/mine/"
    unknown = client.post(base + f"{recs[0]['id']}/decline", json={"reason": "bored"},
                          headers=headers)
    assert unknown.status_code == 422
    # Found other work: does not count towards the flag.
    assert client.post(base + f"{recs[0]['id']}/decline", json={"reason": "found_other"},
                       headers=headers).get_json()["decline_reason_label"] == "已找到其他工作"
    for rec, reason in zip(recs[1:3], ("salary", "family")):
        assert client.post(base + f"{rec['id']}/decline", json={"reason": reason},
                           headers=headers).status_code == 200
    assert station.get("/recommendations/flagged").get_json() == []
    # The third personal decline, recorded by staff after a phone call.
    third = station.post(f"/recommendations/{recs[3]['id']}/decline", {"reason": "distance"})
    assert third.status_code == 200
    flagged = station.get("/recommendations/flagged").get_json()
    assert [(f["person_id"], f["declines"]) for f in flagged] == [(person_id, 3)]
    assert flagged[0]["name"] == "张*"
    assert "jobs.person_flagged" in audit_actions(fresh_app, "person", person_id)
    assert Staff(client, "station_hlr").get("/recommendations/flagged").get_json() == []
    again = {m["vacancy"]["id"] for m in client.get(
        "/api/v1/jobs/matches/me?limit=50", headers=headers).get_json()["matches"]}
    assert again.isdisjoint(offered[:4])
    outcomes = Staff(client, "county_xc").get("/recommendations/outcomes").get_json()
    assert outcomes["by_status"]["declined"] >= 4 and outcomes["total"] >= 4
    township = [c for c in outcomes["children"] if c["region_code"] == "150102001"][0]
    assert township["by_status"]["declined"] >= 4
    declined = station.get("/recommendations?status=declined").get_json()
    assert declined["total"] == 4
    assert Staff(client, "station_xc").get("/recommendations?status=declined").get_json()[
        "total"] == 4  # the person lives in the station's community


def test_demo_seed_recommended_the_demo_people(client):
    listed = Staff(client, "county_xc").get("/recommendations").get_json()
    assert listed["total"] >= 2
    assert {item["recommended_by"] for item in listed["items"]} == {"system"}


# --- recruitment events --------------------------------------------------------------------

def _link_certified_demo_person(client, fresh_app, login="zhangli"):
    """Give the certified demo person (张丽, disabled) a WeChat account: test set-up."""
    person_token(client, login)
    with fresh_app.app_context():
        account = db.session.scalar(select(PersonAccount).order_by(PersonAccount.id.desc()))
        person = db.session.scalar(select(Person).where(Person.birth_date == datetime(
            1996, 5, 12).date()))
        person.person_account_id = account.id
        db.session.commit()
        return person.id


def test_an_event_invites_its_target_groups_in_its_region_once(client, fresh_app):
    person_id = _link_certified_demo_person(client, fresh_app)
    registered(client)  # an uncertified person: not in any target group
    county = Staff(client, "county_xc")
    vacancy_id = new_vacancy(client)
    starts = (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()
    body = {"title": "残疾人就业专场招聘会", "starts_at": starts, "place": "新城区人力资源市场",
            "organizer": "新城区人社局", "region_code": "150102",
            "target_categories": ["disabled"], "vacancy_ids": [vacancy_id]}
    created = county.post("/events", body)
    assert created.status_code == 201, created.get_json()
    event = created.get_json()
    assert [v["id"] for v in event["vacancies"]] == [vacancy_id]
    sent = county.post(f"/events/{event['id']}/invitations").get_json()
    assert sent["audience"] == 1 and sent["queued"] == 1 and sent["event"]["invited_count"] == 1
    with fresh_app.app_context():
        keys = db.session.scalars(select(PushMessage.dedupe_key).where(
            PushMessage.kind == "event_invitation")).all()
    assert keys == [f"jobevent:{event['id']}:{person_id}"]
    again = county.post(f"/events/{event['id']}/invitations").get_json()
    assert again["queued"] == 0 and again["event"]["invited_count"] == 1
    older = county.post("/events", {**body, "target_categories": ["older"], "vacancy_ids": []})
    assert county.post(f"/events/{older.get_json()['id']}/invitations").get_json()[
        "audience"] == 0
    # Out of scope: a region of another league, an event of another league.
    outside = county.post("/events", {**body, "region_code": "150702"})
    assert outside.status_code == 422 and error_code(outside) == "jobs.region_out_of_scope"
    hlr = Staff(client, "station_hlr")
    assert hlr.post(f"/events/{event['id']}/invitations").status_code == 404
    closed = new_vacancy(client, 2)
    county.post(f"/vacancies/{closed}/close")
    refused = county.post("/events", {**body, "vacancy_ids": [closed]})
    assert refused.status_code == 409 and error_code(refused) == "jobs.vacancy_not_open"


def test_staff_set_a_persons_wishes(client, fresh_app):
    station = Staff(client, "station_xc")
    _, person_id = registered(client)
    path = f"/api/v1/people/{person_id}/job-preferences"
    saved = client.put(path, json={"occupations": ["cleaner"], "region_reach": "league"},
                       headers=station.headers)
    assert saved.status_code == 200 and saved.get_json()["region_reach"] == "league"
    assert client.get(path, headers=station.headers).get_json()["occupations"] == ["cleaner"]
    assert "jobs.preferences_viewed" in audit_actions(fresh_app, "person", person_id)
    assert client.get(path, headers=Staff(client, "station_hlr").headers).status_code == 404


def test_a_transition_that_lost_a_race_is_a_409(client, fresh_app):
    """The second of two concurrent steps finds the row moved on and changes nothing."""
    headers, person_id = registered(client)
    rec = recommend(Staff(client, "station_xc"), person_id, new_vacancy(client))
    with fresh_app.app_context():
        seen = db.session.get(Recommendation, rec["id"])
        assert seen.status == "recommended"
        # Another request declines it after we read it.
        db.session.execute(update(Recommendation).where(Recommendation.id == rec["id"])
                           .values(status="declined", decline_reason="family"))
        try:
            service._advance(seen, "apply")
        except Conflict as exc:
            assert exc.code == "jobs.recommendation_invalid_transition"
        else:
            raise AssertionError("a stale step must not succeed")
        assert db.session.get(Recommendation, rec["id"]).status == "declined"
        db.session.rollback()
