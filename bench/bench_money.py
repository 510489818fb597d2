"""A league's monthly batch: 50,000 approved monthly subsidy lines built, exported (CSV and
XLSX) and reconciled from a bank return file, through the money services, on PostgreSQL.
Target (issue 16): at most 2 minutes for build + export + reconcile.

    createdb -h 127.0.0.1 -U postgres bench_money
    BENCH_MONEY_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_money \\
        .venv/bin/python -m bench.bench_money [--lines 50000]

The database is emptied, migrated and seeded first (never point it at a database you keep).
The lines are written directly (persons with 12 approved months each, one claim per person)
since their approval is not what is measured; everything timed runs the real services.
"""
import argparse
import os
import time
from datetime import date

from sqlalchemy import select, text

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_money"
MONTHS = 12
POLICY = "social_insurance_subsidy_flexible"


def _prepare(app, lines):
    import flask_migrate

    from app.core.idnumber import check_char
    from app.extensions import db
    from app.money.funds import fund_account, open_fund, post_entry
    from app.money.models import Claim, ClaimLine
    from app.people.models import Person
    from app.people.services import index_of
    from app.seed import seed_demo

    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    flask_migrate.upgrade(directory="migrations")
    seed_demo()
    persons = -(-lines // MONTHS)
    people = []
    for n in range(persons):
        first17 = f"15010219{70 + n % 20:02d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        number = first17 + check_char(first17)
        people.append(Person(name=f"测试{n}", id_number=number,
                             id_number_index=index_of(f"{number}-{n}"),
                             birth_date=date(1970 + n % 20, 1 + n % 12, 1 + n % 28), gender="male",
                             residence_region_code="150102001001", created_by="system:bench"))
    db.session.add_all(people)
    db.session.flush()
    claims = [Claim(person_id=p.id, policy=POLICY, region_code="150102001001",
                    payee_type="person", channel="self", status="approved",
                    steps=["station_check", "county_approve"], month_from=date(2026, 1, 1),
                    month_to=date(2026, 12, 1), periods=MONTHS, amount_fen=48000 * MONTHS,
                    catalog_version="2025.1", eligibility={}, claimed_on=date(2026, 12, 1),
                    account_number=f"62170000{p.id:011d}", account_bank="中国银行",
                    entered_by=f"person:{p.id}", version=3) for p in people]
    db.session.add_all(claims)
    db.session.flush()
    rows = [{"claim_id": c.id, "person_id": c.person_id, "policy": POLICY,
             "period": date(2026, m, 1), "amount_fen": 48000, "region_code": "150102001001",
             "fund_source": "employment_fund", "payee_type": "person", "status": "payable"}
            for c in claims for m in range(1, MONTHS + 1)][:lines]
    db.session.execute(ClaimLine.__table__.insert(), rows)
    fund = open_fund("150102", "employment_fund")
    post_entry(fund, "allocation", "finance:150102", fund_account(fund.id), 48000 * lines,
               "system:bench", reference="BENCH")
    db.session.commit()
    return len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_MONEY_DATABASE_URL", DEFAULT_URL)
    from app import create_app
    from app.accounts.models import StaffAccount
    from app.extensions import db
    from app.money import payments

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.test_request_context():
        started = time.perf_counter()
        made = _prepare(app, args.lines)
        print(f"prepared {made} payable lines in {time.perf_counter() - started:.1f} s")
        finance = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "finance_xc"))
        times = {}

        def timed(name, work):
            start = time.perf_counter()
            result = work()
            db.session.commit()
            times[name] = time.perf_counter() - start
            return result

        batch = timed("build", lambda: payments.build_batch(
            finance, region_code="150102", fund_source="employment_fund", payee_type="person"))
        batch_id = batch.id
        second = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "finance_xc2"))
        timed("approve", lambda: payments.approve_batch(second, batch_id))
        csv_size = len(timed("export csv", lambda: payments.export_batch(finance, batch_id, "csv")[1]))
        xlsx_size = len(timed("export xlsx", lambda: payments.export_batch(finance, batch_id, "xlsx")[1]))
        timed("send", lambda: payments.send_batch(finance, batch_id))
        ids = db.session.scalars(text(f"SELECT id FROM money_payments WHERE batch_id = {batch_id} ORDER BY id")).all()
        content = "payment_id,status,amount,bank_ref,reason\n" + "".join(
            f"{pid},paid,480.00,R{pid},\n" if n % 50 else f"{pid},failed,480.00,R{pid},账户已销户\n"
            for n, pid in enumerate(ids, 1))
        result = timed("reconcile", lambda: payments.reconcile_batch(finance, batch_id, content))
        total = sum(times.values())
        for name, seconds in times.items():
            print(f"{name:<12} {seconds:7.2f} s")
        print(f"{'total':<12} {total:7.2f} s   (lines {made}, csv {csv_size} B, xlsx {xlsx_size} B, "
              f"paid {result['paid']}, failed {result['failed']}, errors {len(result['errors'])})")
        print("target: build + export + reconcile <= 120 s:", "met" if total <= 120 else "NOT met")


if __name__ == "__main__":
    main()
