"""Issue 7 done-when, over HTTP: a certified job seeker gets a dynamic code and an overview;
station staff resolve it; a minute later it is refused; another league gets only a referral
card; the audit shows both scans (SECURITY.md 19-21)."""
from datetime import timedelta

from app.audit.models import AuditEntry
from app.audit.services import verify_audit_chain
from app.core.clock import local_today
from app.extensions import db
from tests.builders.applications import applicant
from tests.builders.codes import Clock, certified_seeker, resolve
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import OLDER_FACTS


def test_done_when(client, fresh_app):
    token, person_id = certified_seeker(client)
    with Clock(fresh_app) as clock:
        shown = client.get("/api/v1/me/code", headers=auth(token))
        assert shown.status_code == 200, shown.get_json()
        code = shown.get_json()
        assert code["content"].startswith("D1.")
        assert 30 < code["expires_at"] - code["server_time"] <= 60

        overview = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
        assert overview["state"] == "certified"
        assert overview["certification"]["categories"] == ["older"]
        assert overview["next_steps"]
        assert overview["eligible"] and all(p["steps"] for p in overview["eligible"])
        first_where = overview["eligible"][0]["steps"][0]["where"]
        assert any(place["stations"] for place in first_where)
        assert isinstance(overview["jobs"], list)

        station = staff_token(client, "station_xc")
        seen = resolve(client, station, code["content"])
        assert seen.status_code == 200, seen.get_json()
        body = seen.get_json()
        assert body["view"] == "profile" and body["form"] == "dynamic"
        profile = body["profile"]
        assert profile["person_id"] == person_id and profile["name"] == "张*"
        assert profile["categories"] == ["older"] and profile["certification"]["status"] == "active"
        assert "*" in profile["id_number"]

        other = staff_token(client, "station_hlr")
        referral = resolve(client, other, code["content"], purpose="job_referral")
        assert referral.status_code == 200
        card = referral.get_json()
        assert card["view"] == "referral" and "profile" not in card
        assert card["referral"]["stations"][0]["region_code"] == "150102001001"
        assert card["referral"]["stations"][0]["address"]
        text = referral.get_data(as_text=True)
        assert "张" not in text and "1968" not in text

        clock.advance(61)
        late = resolve(client, station, code["content"])
        assert late.status_code == 422 and error_code(late) == "code.expired"

    with fresh_app.app_context():
        scans = db.session.execute(db.select(
            AuditEntry.actor_id, AuditEntry.result, AuditEntry.details)
            .where(AuditEntry.action == "code.resolve").order_by(AuditEntry.seq)).all()
        assert [(r.result, r.details.get("view") or r.details.get("reason"),
                 r.details["purpose"]) for r in scans] == [
            ("ok", "profile", "employment_service"), ("ok", "referral", "job_referral"),
            ("refused", "expired", "employment_service")]
        assert scans[0].actor_id != scans[1].actor_id
        assert verify_audit_chain() == []


def test_an_uncertified_person_has_no_code(client):
    from tests.builders.applications import applicant
    token = applicant(client)
    refused = client.get("/api/v1/me/code", headers=auth(token))
    assert refused.status_code == 409 and error_code(refused) == "code.not_certified"
    overview = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
    assert overview["state"] == "not_applied" and overview["next_steps"]


def test_overview_without_a_profile(client):
    from tests.builders.http import person_token
    token = person_token(client)
    overview = client.get("/api/v1/me/overview", headers=auth(token))
    assert overview.status_code == 200
    assert overview.get_json()["state"] == "no_profile"


def test_the_overview_says_who_claims_each_policy_and_what_to_do(client):
    """"您可以申请" only for what the person claims; for what an employer claims, the person
    is told that the employer applies and what they themselves do."""
    registered = (local_today() - timedelta(days=400)).isoformat()
    token = applicant(client, facts={**OLDER_FACTS, "unemployment_registered_on": registered})
    overview = client.get("/api/v1/me/overview", headers=auth(token)).get_json()
    eligible = {p["policy"]: p for p in overview["eligible"]}
    tax, posts = eligible["tax_relief_hiring_unemployed"], eligible["older_worker_posts"]
    assert (tax["beneficiary"], posts["beneficiary"]) == ("employer", "person")
    assert tax["beneficiary_label"] == "招用您的单位享受"
    steps = overview["next_steps"]
    assert f"招用您的单位可申请“{tax['name']}”，请告知用人单位，并按办理步骤到服务站确认您的信息" in steps
    assert f"您可以申请“{posts['name']}”，请按办理步骤准备材料" in steps
    assert not any(step.startswith(f"您可以申请“{tax['name']}") for step in steps)
