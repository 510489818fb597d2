"""Demo funds (development and testing only): 新城区's employment-assistance fund with an
allocation from finance, so the demo claims can be paid."""
from sqlalchemy import select

from app.extensions import db

from .funds import fund_account, open_fund, post_entry
from .models import LedgerEntry

DEMO_FUNDS = [("150102", "employment_fund", "新城区就业补助资金", 5_000_000)]  # 50,000.00 yuan


def seed_money_demo():
    """Open the demo funds and allocate their first money; leave existing ones alone."""
    created = 0
    for region, source, name, amount_fen in DEMO_FUNDS:
        fund = open_fund(region, source, name)
        if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.fund_id == fund.id).limit(1)):
            continue
        post_entry(fund, "allocation", f"finance:{region}", fund_account(fund.id), amount_fen,
                   "system:seed", reference="DEMO-ALLOC-1")
        created += 1
    db.session.flush()
    return created
