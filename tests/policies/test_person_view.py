"""A person's policy view over HTTP, checked by hand against RULES.md and the catalog
2025.1 for the demo people (docs/policy-demo-check.md says the same in prose), plus the
person's own view and its refusals.

The demo people's dates are relative to the day the seed ran (today), their birth dates
fixed: expectations below are computed the same way.
"""
from datetime import date

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEntry
from app.core.months import add_months
from app.core.clock import local_today
from app.core.idnumber import age_on
from app.extensions import db
from app.people.models import Person
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.people import register_self

WANG, LI, ZHANG, ZHAO, BATE = "王建国", "李秀英", "张丽", "赵刚", "巴特"
CERTIFIED_ONLY = ("startup_guaranteed_loan", "startup_guaranteed_loan_small_firm",
                  "startup_training_subsidy", "one_time_startup_subsidy",
                  "vocational_training_subsidy", "skill_evaluation_subsidy")
NOT_CERTIFIED = "尚未认定为就业困难人员，可先到所在社区家门口就业服务站申请认定"


@pytest.fixture()
def ids(fresh_app):
    with fresh_app.app_context():
        return {p.name: p.id for p in db.session.scalars(select(Person))}


def view(client, person_id, who="station_xc"):
    response = client.get(f"/api/v1/people/{person_id}/policies",
                          headers=auth(staff_token(client, who)))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body, {r["policy"]: r for r in body["results"]}


def texts(items):
    return [item["text"] for item in items]


def test_man_of_57_near_retirement(client, ids):
    body, results = view(client, ids[WANG])
    today = local_today()
    assert body["catalog_version"] == "2025.2" and body["evaluated_on"] == today.isoformat()
    assert all(r["catalog_version"] == "2025.2" for r in body["results"])
    assert body["person"]["name"] == "王**" and body["retirement_base_age"] == 60
    age = age_on(date(1969, 3, 15), today)
    # Older-worker posts: a man of 50+ still of working age (retires 2030-04-15: 61y1m).
    older = results["older_worker_posts"]
    assert older["status"] == "eligible"
    assert texts(older["reasons"]) == [f"年龄{age}岁，达到大龄标准（50岁以上）", "处于法定劳动年龄内"]
    # Unemployment insurance: registered, insured; 180 months paid in -> 24 months.
    insurance = results["unemployment_insurance_benefit"]
    assert insurance["status"] == "eligible" and insurance["enjoying"] is True
    start = add_months(today, -5)
    [clock] = insurance["clocks"]
    assert clock["start"] == start.isoformat() and clock["rule"] == "fixed"
    assert clock["end"] == add_months(start, 24).isoformat()
    assert clock["months_used"] == 5 and clock["remaining_months"] == 19
    # Registered 5 months: the employer tax relief needs 6.
    tax = results["tax_relief_hiring_unemployed"]
    assert tax["status"] == "not_eligible"
    assert texts(tax["failing"]) == ["连续登记失业5个月，不满6个月"]
    # His certification waits for the county decision: certified-only policies fail on it.
    for code in CERTIFIED_ONLY + ("public_welfare_post", "social_insurance_subsidy_employer"):
        assert results[code]["status"] == "not_eligible", code
        assert NOT_CERTIFIED in texts(results[code]["failing"]), code
    # No household recorded: zero-employment is unknown, never guessed.
    zero = results["zero_employment_immediate_help"]
    assert zero["status"] == "would_be_eligible_if"
    assert texts(zero["missing"]) == ["需核实：零就业家庭，请提供户口簿和家庭成员失业登记信息"]
    assert results["dibao_phase_out"]["status"] == "not_eligible"


def test_the_57_year_old_gets_the_extend_to_retirement_clock_once_placed(client, ids):
    """Within 5 years of retirement (2030-04-15) when first approved in the social-insurance
    pool: the subsidy runs to retirement, not for 3 years."""
    today = local_today()
    county = auth(staff_token(client, "county_xc"))
    response = client.post(f"/api/v1/people/{ids[WANG]}/benefits", headers=county,
                           json={"policy": "public_welfare_post", "start": today.isoformat()})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["due_on"] == "2030-04-15"
    _, results = view(client, ids[WANG])
    [clock] = results["public_welfare_post"]["clocks"]
    assert clock["rule"] == "extend_to_retirement" and clock["end"] == "2030-04-15"
    assert clock["retirement_date"] == "2030-04-15"


def test_dibao_member_unemployed_14_months(client, ids):
    body, results = view(client, ids[LI])
    today = local_today()
    # A woman's original retirement age (50 or 55) is not recorded: both are weighed.
    assert body["retirement_base_age"] is None
    tax = results["tax_relief_hiring_unemployed"]
    assert tax["status"] == "eligible"
    assert texts(tax["reasons"]) == ["已办理失业登记", "已连续登记失业14个月（满6个月）"]
    # Self-employment relief: the half-year registration suffices instead of certification;
    # she only lacks the business.
    self_employed = results["tax_relief_self_employment"]
    assert self_employed["status"] == "would_be_eligible_if"
    assert texts(self_employed["missing"]) == ["从事个体经营（办理个体工商户登记）后即可享受"]
    # Dibao help needs a job first.
    for code in ("dibao_employment_cost_deduction", "dibao_phase_out"):
        assert results[code]["status"] == "not_eligible"
        assert texts(results[code]["reasons"]) == ["家庭享受最低生活保障（低保）"]
        assert texts(results[code]["failing"]) == ["目前就业状态为“失业”，尚未实现就业"]
    # Her son is a student not seeking work: she is the household's only job seeker, and
    # registered unemployed, so the household counts as zero-employment.
    assert results["zero_employment_immediate_help"]["status"] == "eligible"
    assert results["older_worker_posts"]["status"] == "eligible"  # a woman of 40+
    # Her application is only submitted: certified-only policies fail on that.
    for code in CERTIFIED_ONLY:
        assert results[code]["status"] == "not_eligible", code
    # Unemployment insurance: 30 months paid in -> 12 months, 11 used, ends within 60 days.
    [clock] = results["unemployment_insurance_benefit"]["clocks"]
    assert clock["months_used"] == 11 and clock["remaining_months"] == 1
    assert clock["end"] == add_months(today, 1).isoformat()
    assert [c["policy"] for c in body["expiring"]] == ["unemployment_insurance_benefit"]


def test_disabled_woman_of_30(client, ids):
    body, results = view(client, ids[ZHANG])
    assert body["person"]["age"] == age_on(date(1996, 5, 12), local_today())
    eligible = sorted(code for code, r in results.items() if r["status"] == "eligible")
    assert eligible == ["public_welfare_post", "social_insurance_subsidy_employer",
                        "startup_guaranteed_loan_small_firm"]
    assert texts(results["public_welfare_post"]["reasons"]) == [
        "已认定为就业困难人员", "处于法定劳动年龄内", "此前未安置过公益性岗位"]
    would = {code for code, r in results.items() if r["status"] == "would_be_eligible_if"}
    assert would == {"tax_relief_self_employment", "startup_guaranteed_loan",
                     "startup_training_subsidy", "one_time_startup_subsidy",
                     "vocational_training_subsidy", "skill_evaluation_subsidy",
                     "unemployment_insurance_benefit", "zero_employment_immediate_help"}
    assert texts(results["vocational_training_subsidy"]["missing"]) == ["参加职业技能培训后即可申请"]
    older = results["older_worker_posts"]
    assert older["status"] == "not_eligible"
    age = body["person"]["age"]
    assert texts(older["failing"]) == [f"年龄{age}岁，未达到大龄标准（40岁以上）"]
    assert results["social_insurance_subsidy_flexible"]["status"] == "not_eligible"
    assert body["benefits"] == [] and body["expiring"] == []


def test_zero_employment_household(client, ids):
    _, results = view(client, ids[ZHAO])
    zero = results["zero_employment_immediate_help"]
    assert zero["status"] == "eligible"
    assert texts(zero["reasons"]) == ["属于零就业家庭", "处于法定劳动年龄内"]
    assert zero["gives"].startswith("优先提供即时岗位援助：至少提供3次就业服务、每次推荐3个岗位")
    assert results["older_worker_posts"]["status"] == "eligible"  # 51, a man of 50+
    assert results["tax_relief_hiring_unemployed"]["status"] == "eligible"  # 8 months
    loan = results["startup_guaranteed_loan"]
    assert loan["status"] == "not_eligible" and texts(loan["reasons"]) == ["有创业需求"]
    assert results["unemployment_insurance_benefit"]["status"] == "would_be_eligible_if"


def test_steps_send_the_person_to_their_own_station_first(client, ids):
    _, results = view(client, ids[ZHAO])
    zero = results["zero_employment_immediate_help"]
    assert zero["department"]["code"] == "hrss"
    first = zero["steps"][0]["where"][0]
    assert first["place"] == "own_station"
    assert [s["region_code"] for s in first["stations"]][0] == "150102001001"


def test_staff_read_is_audited_and_scoped(client, fresh_app, ids):
    view(client, ids[ZHANG], who="county_xc")
    with fresh_app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "policy.person_viewed")).all()
        assert [(e.target_id, e.details["catalog_version"]) for e in entries] == [
            (str(ids[ZHANG]), "2025.2")]
    other = auth(staff_token(client, "station_hlr"))
    response = client.get(f"/api/v1/people/{ids[ZHANG]}/policies", headers=other)
    assert response.status_code == 404 and error_code(response) == "people.not_found"
    # Another station in the same league cannot see it either, nor a missing or huge id.
    for person_id in (999999, 2**63):
        response = client.get(f"/api/v1/people/{person_id}/policies", headers=other)
        assert response.status_code == 404
    response = client.get(f"/api/v1/people/{ids[ZHANG]}/policies",
                          headers=auth(staff_token(client, "auditor")))
    assert response.status_code == 403


def test_own_view_needs_a_registered_person(client):
    token = person_token(client, "zhangsan")
    response = client.get("/api/v1/policies/me", headers=auth(token))
    assert response.status_code == 404
    assert error_code(response) == "policies.person_not_registered"
    assert "请先登记个人信息" in response.get_json()["error"]["message"]
    register_self(client, token)
    response = client.get("/api/v1/policies/me", headers=auth(token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["catalog_version"] == "2025.2" and len(body["results"]) == 16
    assert body["person"]["name"] == "张*"
    assert body["results"][0]["steps"][0]["where"][0]["place"] == "own_station"


def test_own_view_is_for_persons_only(client):
    response = client.get("/api/v1/policies/me",
                          headers=auth(staff_token(client, "station_xc")))
    assert response.status_code in (401, 403)
    assert client.get("/api/v1/policies/me").status_code == 401


def test_the_view_is_built_with_few_queries(client, fresh_app, ids):
    token = auth(staff_token(client, "station_xc"))
    client.get(f"/api/v1/people/{ids[ZHAO]}/policies", headers=token)  # warm the caches
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with fresh_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/api/v1/people/{ids[ZHAO]}/policies", headers=token)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # auth session and staff, person, catalog version, certifications, household, members,
    # benefits, region and its path, stations, audit head
    assert len(selects) <= 12, selects
