"""Funds and their ledger (django-hordak's design, simplified to transfers).

A fund is a region's money of one source. Every movement is one ledger entry that takes a
positive amount from one account and gives it to another, so the book balances by
construction; balances are computed from the entries up to a date, never stored. Finance
allocates money into a fund; a batch moves its total out (`payees:batch:<id>`) when built;
a payment the bank returned comes back; a unit's recovery comes in from `unit:<id>`.

Anything that spends a fund first locks the fund's row (SELECT ... FOR UPDATE), so two
concurrent spenders see each other's entries and a batch that would overdraw is refused.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.audit.services import record
from app.core.clock import local_today
from app.core.concurrency import lock_row
from app.core.errors import Conflict, ValidationFailed
from app.core.models import get_in_scope, subtree_codes
from app.core.regions import region_in_scope
from app.extensions import db
from app.people.services import who

from .claims import require
from .models import Fund, LedgerEntry
from .payrules import FUND_SOURCES


def fund_account(fund_id):
    return f"fund:{fund_id}"


def balance_fen(fund_id, on=None):
    """The fund's balance at the end of `on` (default today): in minus out."""
    account = fund_account(fund_id)
    query = select(func.coalesce(func.sum(case(
        (LedgerEntry.to_account == account, LedgerEntry.amount_fen),
        else_=-LedgerEntry.amount_fen)), 0)).where(LedgerEntry.fund_id == fund_id)
    if on is not None:
        query = query.where(LedgerEntry.posted_on <= on)
    return int(db.session.scalar(query))


def post_entry(fund, kind, from_account, to_account, amount_fen, actor, reference=None,
               note=None, posted_on=None):
    """One balanced movement touching `fund`. The caller holds the fund's lock when it
    spends from the fund."""
    if amount_fen <= 0:
        raise ValidationFailed("money.amount_positive", _l("金额必须大于零"))
    entry = LedgerEntry(fund_id=fund.id, kind=kind, posted_on=posted_on or local_today(),
                        from_account=from_account, to_account=to_account,
                        amount_fen=amount_fen, reference=reference, note=note,
                        created_by=actor)
    db.session.add(entry)
    return entry


def spend(fund, kind, to_account, amount_fen, actor, reference=None, note=None):
    """Take money out of a fund, refusing an overdraw. Locks the fund's row first."""
    lock_row(Fund, fund.id)
    db.session.flush()
    available = balance_fen(fund.id)
    if amount_fen > available:
        raise Conflict("money.fund_overdrawn", _l("资金余额不足，不能发放"),
                       {"balance_fen": available, "needed_fen": amount_fen})
    return post_entry(fund, kind, fund_account(fund.id), to_account, amount_fen, actor,
                      reference, note)


def fund_for(region_code, source):
    return db.session.scalar(select(Fund).where(Fund.region_code == region_code,
                                                Fund.source == source))


def open_fund(region_code, source, name=None):
    """The region's fund of `source`, created when missing (seed and first allocation)."""
    fund = fund_for(region_code, source)
    if fund is None:
        fund = Fund(region_code=region_code, source=source,
                    name=name or f"{region_code}-{source}")
        db.session.add(fund)
        db.session.flush()
    return fund


def allocate(staff, fund_id, *, amount_fen, reference, posted_on=None):
    """Finance allocates money into a fund of its subtree (an allocation from finance)."""
    require(staff, "fund.allocate")
    fund = get_in_scope(Fund, staff, fund_id)
    if posted_on is not None and posted_on > local_today():
        raise ValidationFailed("money.future_posting", _l("入账日期不能晚于今天"),
                               {"field": "posted_on"})
    entry = post_entry(fund, "allocation", f"finance:{fund.region_code}", fund_account(fund.id),
                       amount_fen, who(staff), reference, posted_on=posted_on)
    db.session.flush()
    record("money.fund_allocated", "fund", fund.id,
           details={"amount_fen": amount_fen, "reference": reference, "entry_id": entry.id})
    return fund_view(fund)


def fund_view(fund, on=None, entries=False):
    view = {"id": fund.id, "region_code": fund.region_code, "source": fund.source,
            "name": fund.name, "balance_fen": balance_fen(fund.id, on), "as_of": on or local_today()}
    if entries:
        query = select(LedgerEntry).where(LedgerEntry.fund_id == fund.id)
        if on is not None:
            query = query.where(LedgerEntry.posted_on <= on)
        view["entries"] = db.session.scalars(query.order_by(LedgerEntry.id.desc()).limit(200)).all()
    return view


def show_fund(staff, fund_id, on=None):
    """A fund of the caller's subtree with its balance at the end of `on` and its entries."""
    require(staff, "fund.read")
    return fund_view(get_in_scope(Fund, staff, fund_id), on, entries=True)


def list_funds(staff, on=None):
    """The funds of the caller's subtree with their balances."""
    require(staff, "fund.read")
    funds = db.session.scalars(select(Fund).where(
        Fund.region_code.in_(subtree_codes(staff.region_code))).order_by(Fund.id)).all()
    return [fund_view(f, on) for f in funds]


def create_fund(staff, region_code, source):
    """Open a fund for a region of the caller's subtree (finance)."""
    require(staff, "fund.allocate")
    region_in_scope(staff, region_code)
    if source not in FUND_SOURCES:
        raise ValidationFailed("money.unknown_fund_source", _l("资金来源不存在"), {"field": "source"})
    fund = open_fund(region_code, source)
    record("money.fund_opened", "fund", fund.id, details={"region_code": region_code,
                                                          "source": source})
    return fund_view(fund)
