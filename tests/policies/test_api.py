"""The policy catalog over HTTP: public catalog and service steps, staff "what if"
evaluation, and publishing versions (validated, refused with paths and lines, audited)."""
import json
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.clock import local_today
from app.extensions import db
from app.policies import services
from app.policies.catalog import shipped_document
from tests.builders.http import auth, error_code, staff_token

PUBLISH = "/api/v1/policies/versions"
EVALUATE = "/api/v1/policies/evaluate"


def new_document(version="2026.1", days_ahead=30, **changes):
    document = shipped_document()
    document.update(version=version,
                    effective_from=(local_today() + timedelta(days=days_ahead)).isoformat(),
                    **changes)
    return document


def publish(client, body, who="region_admin"):
    return client.post(PUBLISH, json=body, headers=auth(staff_token(client, who)))


def audit_entries(app, action):
    with app.app_context():
        return [(e.result, e.details) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def test_public_catalog_in_force(client):
    body = client.get("/api/v1/policies").get_json()
    assert body["version"] == "2025.2" and len(body["policies"]) == 16
    loan = next(p for p in body["policies"] if p["code"] == "startup_guaranteed_loan")
    assert loan["gives"].startswith("个人最高可申请20万元创业担保贷款")
    assert loan["department"] == {"code": "hrss", "label": "人力资源和社会保障部门"}


def test_policy_steps_send_the_person_to_their_own_station_first(client):
    body = client.get("/api/v1/policies/public_welfare_post",
                      query_string={"region_code": "150102001001"}).get_json()
    assert body["catalog_version"] == "2025.2"
    first = body["steps"][0]["where"][0]
    assert first["place"] == "own_station"
    assert [s["region_code"] for s in first["stations"]] == ["150102001001", "150102001"]
    county = body["steps"][1]["where"][1]
    assert county["place"] == "county_hall" and county["stations"][0]["region_code"] == "150102"
    other = client.get("/api/v1/policies/public_welfare_post",
                       query_string={"region_code": "150702001001"}).get_json()
    assert other["steps"][0]["where"][0]["stations"][0]["region_code"] == "150702001001"


def test_unknown_policy_region_or_date(client):
    assert error_code(client.get("/api/v1/policies/nope_policy")) == "policies.not_found"
    response = client.get("/api/v1/policies", query_string={"region_code": "150199"})
    assert response.status_code == 404 and error_code(response) == "region.not_found"
    response = client.get("/api/v1/policies", query_string={"on": "2024-06-01"})
    assert response.status_code == 404 and error_code(response) == "policies.no_catalog"
    response = client.get("/api/v1/policies", query_string={"region_code": "abc", "x": 1})
    assert response.status_code == 422


MAN_57 = {"today": "2025-12-01", "birth_date": "1968-06-15", "age": 57, "gender": "male",
          "certified": True, "categories": ["older"], "employment_status": "flexible",
          "benefits": [{"policy": "social_insurance_subsidy_flexible", "start": "2025-01-01"}]}


def test_staff_evaluate_what_if(client):
    response = client.post(EVALUATE, json={"facts": MAN_57},
                           headers=auth(staff_token(client, "station_xc")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["catalog_version"] == "2025.1" and body["evaluated_on"] == "2025-12-01"
    found = {r["policy"]: r for r in body["results"]}
    subsidy = found["social_insurance_subsidy_flexible"]
    assert subsidy["status"] == "eligible" and subsidy["catalog_version"] == "2025.1"
    clock = subsidy["clocks"][0]
    assert (clock["rule"], clock["end"], clock["months_used"]) == \
        ("extend_to_retirement", "2029-05-15", 11)
    assert found["unemployment_insurance_benefit"]["status"] == "would_be_eligible_if"


def test_evaluate_lists_benefits_ending_soon(client):
    facts = dict(MAN_57, benefits=[{"policy": "dibao_phase_out", "start": "2025-06-15"}])
    body = client.post(EVALUATE, json={"facts": facts},
                       headers=auth(staff_token(client, "station_xc"))).get_json()
    assert [(c["policy"], c["end"]) for c in body["expiring"]] == [("dibao_phase_out",
                                                                   "2025-12-15")]


@pytest.mark.parametrize("facts, field", [
    ({"age": "57"}, "age"),
    ({"dibao": "yes"}, "dibao"),
    ({"certified": 1}, "certified"),
    ({"categories": ["disabld"]}, "categories"),
    ({"gender": "man"}, "gender"),
    ({"months_to_retirement": 3}, "months_to_retirement"),   # derived, never an input
    ({"id_number": "x"}, "id_number"),
    ({"benefits": [{"policy": "dibao_phase_out", "start": "2025-01-01", "amount": 5}]},
     "benefits"),
])
def test_evaluate_schema_is_strict(client, facts, field):
    response = client.post(EVALUATE, json={"facts": facts},
                           headers=auth(staff_token(client, "station_xc")))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]["json"]["facts"]


def test_evaluate_needs_staff_who_may_read_persons(client):
    assert client.post(EVALUATE, json={"facts": {}}).status_code == 401
    response = client.post(EVALUATE, json={"facts": {}},
                           headers=auth(staff_token(client, "auditor")))
    assert response.status_code == 403


def test_region_admin_publishes_a_version_that_takes_effect_on_its_date(client, fresh_app):
    document = new_document()
    document["conditions"]["older_age"]["gte"] = {"male": 45, "female": 40}
    response = publish(client, {"document": document})
    assert response.status_code == 201, response.get_json()
    row = response.get_json()
    assert row["version"] == "2026.1" and row["published_by"].startswith("staff:")
    assert row["checksum"].startswith("sha256:")
    # Today the shipped catalog is still in force; from the new date, the new one.
    assert client.get("/api/v1/policies").get_json()["version"] == "2025.2"
    start = document["effective_from"]
    assert client.get("/api/v1/policies", query_string={"on": start}).get_json()["version"] == \
        "2026.1"
    facts = {"today": start, "age": 46, "gender": "male", "birth_date": "1980-01-01"}
    body = client.post(EVALUATE, json={"facts": facts},
                       headers=auth(staff_token(client, "station_xc"))).get_json()
    older = next(r for r in body["results"] if r["policy"] == "older_worker_posts")
    assert body["catalog_version"] == older["catalog_version"] == "2026.1"
    assert older["status"] == "eligible"
    [(result, details)] = audit_entries(fresh_app, "policy.version_publish")
    assert result == "ok" and details["version"] == "2026.1" and details["policies"] == 16
    listed = client.get(PUBLISH, headers=auth(staff_token(client, "county_xc"))).get_json()
    assert [v["version"] for v in listed] == ["2025.1", "2025.2", "2026.1"]


def test_a_broken_version_is_refused_with_path_and_line_and_audited(client, fresh_app):
    document = new_document()
    document["policies"][3]["eligibility"] = {"all": [
        {"fact": "age", "gte": 60, "met": "a", "unmet": "b"},
        {"fact": "age", "lt": 50, "met": "a", "unmet": "b"}]}
    document["policies"][5]["code"] = document["policies"][0]["code"]
    source = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    response = publish(client, {"source": source})
    assert response.status_code == 422 and error_code(response) == "policies.invalid_document"
    issues = response.get_json()["error"]["details"]["issues"]
    by_code = {i["code"]: i for i in issues}
    assert set(by_code) == {"rules.never_true", "rules.duplicate_code"}
    assert by_code["rules.never_true"]["path"] == "/policies/3/eligibility"
    assert by_code["rules.duplicate_code"]["path"] == "/policies/5/code"
    line = source.splitlines()[by_code["rules.duplicate_code"]["line"] - 1]
    assert line.strip() == "- code: tax_relief_hiring_unemployed"
    [(result, details)] = audit_entries(fresh_app, "policy.version_publish")
    assert result == "refused" and details["issues"] == 2
    assert client.get(PUBLISH, headers=auth(staff_token(client, "county_xc"))).get_json()[-1][
        "version"] == "2025.2"


def test_unreadable_source_names_its_line(client):
    response = publish(client, {"source": "format: 1\nversion: [2026\n"})
    [issue] = response.get_json()["error"]["details"]["issues"]
    assert response.status_code == 422 and issue["code"] == "rules.unreadable"
    assert issue["line"] == 3


@pytest.mark.parametrize("first, second, code", [
    ({"days_ahead": 30}, {"days_ahead": 30}, "rules.overlapping_dates"),
    ({"days_ahead": 30, "effective_to_days": 90}, {"days_ahead": 60}, "rules.overlapping_dates"),
    ({"days_ahead": 60}, {"days_ahead": 30, "effective_to_days": 90},
     "rules.overlapping_dates"),
    ({"days_ahead": 30}, {"days_ahead": 60, "same_version": True}, "rules.duplicate_version"),
    ({"days_ahead": 30}, {"days_ahead": -1}, "rules.retroactive"),
])
def test_overlapping_or_retroactive_versions_are_refused(client, first, second, code):
    def body(spec, version):
        doc = new_document(version=version, days_ahead=spec["days_ahead"])
        if "effective_to_days" in spec:
            doc["effective_to"] = (local_today() + timedelta(days=spec["effective_to_days"])
                                   ).isoformat()
        return {"document": doc}
    assert publish(client, body(first, "2026.1")).status_code == 201
    response = publish(client, body(second, "2026.1" if second.get("same_version") else "2026.2"))
    assert response.status_code == 422
    assert code in {i["code"] for i in response.get_json()["error"]["details"]["issues"]}


def test_open_ended_versions_follow_each_other(client):
    assert publish(client, {"document": new_document("2026.1", 30)}).status_code == 201
    assert publish(client, {"document": new_document("2026.2", 60)}).status_code == 201


@pytest.mark.parametrize("who, status", [("county_xc", 403), ("city_hhht", 403),
                                         ("security_admin", 403), ("station_xc", 403)])
def test_only_region_admins_publish(client, who, status):
    assert publish(client, {"document": new_document()}, who=who).status_code == status


def test_publish_body_must_be_one_document(client):
    doc = new_document()
    assert publish(client, {"document": doc, "source": "x"}).status_code == 422
    assert publish(client, {}).status_code == 422
    assert publish(client, {"document": doc, "published_by": "someone"}).status_code == 422
    assert client.post(PUBLISH, json={"document": doc}).status_code == 401


def test_a_whole_catalog_may_exceed_the_app_wide_body_limit_on_publish_only(client):
    source = "# " + "注" * 40_000 + "\n" + json.dumps(new_document(), ensure_ascii=False)
    assert len(source.encode()) > 100 * 1024
    assert publish(client, {"source": source}).status_code == 201
    huge = "# " + "x" * (600 * 1024)
    response = client.post(PUBLISH, json={"source": huge},
                           headers=auth(staff_token(client, "region_admin")))
    assert response.status_code == 413
    response = client.post(EVALUATE, json={"facts": {}, "pad": "x" * (70 * 1024)},
                           headers=auth(staff_token(client, "station_xc")))
    assert response.status_code == 413


def test_compiled_catalogs_are_cached_per_version(db_session):
    services.clear_cache()
    first = services.catalog_in_force()
    assert services.catalog_in_force() is first
    assert first.version == "2025.2"
