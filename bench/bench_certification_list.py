"""Staff list of applications with many in scope (not run by the test suite).

    PYTHONPATH=. python bench/bench_certification_list.py sqlite:////tmp/bench_cert.db 2000
    PYTHONPATH=. python bench/bench_certification_list.py \
        postgresql+psycopg://postgres@127.0.0.1:5432/<scratch db> 2000

Rebuilds the given database (migrations + demo seed), files N people with applications at
the Xincheng demo station, then times GET /api/v1/certification/applications as county_xc.
"""
import sys
import tempfile
import time
from datetime import date, timedelta

from app import create_app
from app.extensions import db
from tests.support.database import prepare_database

FACTS = {"urban_resident": True, "residence_since": date(2010, 1, 1),
         "employment_status": "unemployed", "registered_unemployed": True,
         "unemployment_registered_on": date(2026, 1, 1), "social_insurance_months": 50}


def fill(app, count):
    from app.accounts.models import StaffAccount
    from app.certification.demo import demo_id
    from app.certification.services import submit_application
    from app.people import services as people
    with app.app_context():
        staff = db.session.scalar(db.select(StaffAccount)
                                  .where(StaffAccount.username == "station_xc"))
        started = time.perf_counter()
        for i in range(count):
            person = people.create_person(
                staff, name="测试人", residence_region_code="150102001001", facts=FACTS,
                id_number=demo_id("150102", date(1967, 1, 1) + timedelta(days=i), "111"),
                consent={"notice_version": "2025-01", "channel": "station_paper"})
            submit_application(staff, person, commitment={"accepted": True, "version": "2025-01"})
        db.session.commit()
        took = time.perf_counter() - started
        print(f"filed {count} people + applications in {took:.1f} s "
              f"({took / count * 1000:.1f} ms each)")


def main(url, count):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, EVIDENCE_DIR=tempfile.mkdtemp())
    prepare_database(app)
    fill(app, count)
    client = app.test_client()
    token = client.post("/api/v1/auth/staff/login", json={
        "username": "county_xc", "password": "Demo@2025"}).get_json()["access_token"]
    for query in ({"per_page": 100}, {"per_page": 100, "status": "submitted", "category": "older"},
                  {"per_page": 20, "page": 50}, {"per_page": 100, "overdue": "true"}):
        times = []
        for _ in range(11):
            started = time.perf_counter()
            response = client.get("/api/v1/certification/applications", query_string=query,
                                  headers={"Authorization": f"Bearer {token}"})
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
        print(f"{query}: total {response.get_json()['total']}, "
              f"median {sorted(times)[5] * 1000:.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
