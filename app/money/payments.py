"""Payment batches: build, export, send, reconcile; correcting a failed payment.

Money leaves only from payable claim lines (approved, not yet batched or paid). Building a
batch locks its fund's row first: of concurrent builds for one region, fund and payee type
the first takes every payable line and the rest find none (409); a batch that would
overdraw the fund is refused. The lines are taken with a conditional update (status still
payable), and each payment is (line, attempt) unique, with at most two attempts: a failed
payment may go into one new batch once its account was corrected, never more (OpenSPP's
re-batching rule, openIMIS's "off by default" made explicit). Reconciliation is line by
line from the bank's return file, kept raw; a return file can partly succeed, and unknown,
duplicate or conflicting lines are reported, never applied.
"""
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.audit.services import record
from app.core.clock import local_today, utcnow
from app.core.concurrency import guarded_update, lock_row
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.models import get_in_scope, subtree_codes
from app.core.regions import region_in_scope
from app.extensions import db
from app.jobs.models import Employer
from app.people.models import Person
from app.people.services import own_person, who

from . import export, notify
from .claims import claims_of_person, require
from .funds import fund_account, fund_for, post_entry, spend
from .models import BankReturn, Batch, Claim, ClaimLine, Fund, Payment


def _batch_account(batch_id):
    return f"payees:batch:{batch_id}"


def _payable(region_code, source, payee_type):
    return (select(ClaimLine.id, ClaimLine.amount_fen, ClaimLine.claim_id)
            .where(ClaimLine.region_code.in_(subtree_codes(region_code)),
                   ClaimLine.fund_source == source, ClaimLine.payee_type == payee_type,
                   ClaimLine.status == "payable")
            .order_by(ClaimLine.id))


def _payees(claim_ids):
    """{claim id: (payee name, account, bank)} in a few queries."""
    rows = db.session.execute(select(Claim.id, Claim.person_id, Claim.employer_id,
                                     Claim.account_number, Claim.account_bank)
                              .where(Claim.id.in_(claim_ids))).all()
    names = {}
    person_ids = {r.person_id for r in rows if r.employer_id is None}
    for chunk in _chunks(sorted(person_ids)):
        names.update(db.session.execute(select(Person.id, Person.name)
                                        .where(Person.id.in_(chunk))).all())
    employers = dict(db.session.execute(select(Employer.id, Employer.name).where(
        Employer.id.in_({r.employer_id for r in rows if r.employer_id}))).all())
    return {r.id: (employers[r.employer_id] if r.employer_id else names[r.person_id],
                   r.account_number, r.account_bank) for r in rows}


def _chunks(items, size=5000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def build_batch(staff, *, region_code, fund_source, payee_type):
    """Put every payable line of a region (its subtree), fund source and payee type into
    one new batch, fixing its line count, total and checksum, and move the total out of
    the fund. Refused when nothing is payable or the fund would be overdrawn."""
    require(staff, "batch.manage")
    region_in_scope(staff, region_code)
    fund = fund_for(region_code, fund_source)
    if fund is None:
        raise Conflict("money.no_fund", _l("该地区尚未设立这项资金账户"))
    lock_row(Fund, fund.id)  # one build (or other spending) of this fund at a time
    lines = db.session.execute(_payable(region_code, fund_source, payee_type)).all()
    if not lines:
        raise Conflict("money.nothing_to_batch", _l("没有待发放的补贴明细"))
    total = sum(line.amount_fen for line in lines)
    batch = Batch(batch_no=f"PB{local_today():%Y%m%d}{region_code}{secrets.token_hex(3).upper()}",
                  region_code=region_code, fund_id=fund.id, payee_type=payee_type,
                  status="built", line_count=len(lines), total_fen=total, checksum="",
                  built_by=who(staff), built_by_staff_id=staff.id, paid_count=0, failed_count=0)
    db.session.add(batch)
    db.session.flush()
    ids = [line.id for line in lines]
    taken = 0
    for chunk in _chunks(ids):
        taken += db.session.execute(
            update(ClaimLine).where(ClaimLine.id.in_(chunk), ClaimLine.status == "payable")
            .values(status="batched", batch_id=batch.id)
            .execution_options(synchronize_session=False)).rowcount
    if taken != len(ids):
        raise Conflict("money.batch_race", _l("补贴明细已被其他批次占用，请重试"))
    attempts = {}  # earlier payments of these lines (a corrected failure: attempt 2)
    for chunk in _chunks(ids):
        attempts.update(db.session.execute(
            select(Payment.line_id, func.count()).where(Payment.line_id.in_(chunk))
            .group_by(Payment.line_id)).all())
    payees = _payees(sorted({line.claim_id for line in lines}))
    rows = []
    for line in lines:
        name, account, bank = payees[line.claim_id]
        rows.append({"batch_id": batch.id, "line_id": line.id,
                     "attempt": attempts.get(line.id, 0) + 1, "amount_fen": line.amount_fen,
                     "paid_fen": 0, "payee_name": name, "account_number": account,
                     "account_bank": bank, "status": "issued"})
    # A Core insert (EncryptedText still encrypts): 50,000 lines without 50,000 ORM objects.
    db.session.execute(Payment.__table__.insert(), rows)
    db.session.flush()
    checksum_rows = db.session.execute(
        select(Payment.id, Payment.account_number, Payment.amount_fen)
        .where(Payment.batch_id == batch.id).order_by(Payment.id)).all()
    batch.checksum = export.batch_checksum(checksum_rows)
    spend(db.session.get(Fund, fund.id), "payment", _batch_account(batch.id), total,
          who(staff), reference=batch.batch_no)
    db.session.flush()
    record("money.batch_built", "batch", batch.id,
           details={"batch_no": batch.batch_no, "lines": batch.line_count,
                    "total_fen": total, "fund_id": fund.id, "checksum": batch.checksum})
    return batch


def get_batch(staff, batch_id):
    """A batch of the caller's subtree with its payments (names and accounts masked)."""
    require(staff, "batch.read")
    batch = get_in_scope(Batch, staff, batch_id)
    batch.payments = db.session.scalars(select(Payment).where(Payment.batch_id == batch.id)
                                        .order_by(Payment.id)).all()
    return batch


def approve_batch(staff, batch_id):
    """A second finance officer (never the builder) approves a built batch: only then can
    it be exported for the bank and sent."""
    require(staff, "batch.manage")
    batch = get_in_scope(Batch, staff, batch_id)
    if staff.id == batch.built_by_staff_id:
        raise Forbidden("money.second_person_required",
                        _l("生成批次的人员不能审核该批次，须由另一名工作人员办理"))
    if not guarded_update(batch, {"status": "built"},
                          {"status": "approved", "approved_by_staff_id": staff.id}):
        raise Conflict("money.batch_state", _l("批次当前状态不能进行此操作"), {"status": batch.status})
    record("money.batch_approved", "batch", batch.id, details={"batch_no": batch.batch_no})
    return batch


def export_batch(staff, batch_id, fmt):
    """The bank file of a batch (CSV or XLSX): the header with batch number, line count,
    total and checksum, then one line per payment with the payee's masked name and the
    account number in full (the only place it is shown). Audited."""
    from app.core.masking import mask_name
    require(staff, "batch.manage")
    batch = get_in_scope(Batch, staff, batch_id)
    if batch.status == "built":
        raise Conflict("money.batch_not_approved", _l("批次须经另一名工作人员审核后才能导出"))
    payments = db.session.scalars(select(Payment).where(Payment.batch_id == batch.id)
                                  .order_by(Payment.id)).all()
    lines = {line.id: line for line in db.session.scalars(
        select(ClaimLine).where(ClaimLine.batch_id == batch.id))}
    rows = [{"payment_id": p.id, "payee_name": mask_name(p.payee_name),
             "account_number": p.account_number, "account_bank": p.account_bank,
             "amount_fen": p.amount_fen,
             "period": lines[p.line_id].period.isoformat()[:7] if p.line_id in lines else "",
             "policy": lines[p.line_id].policy if p.line_id in lines else ""}
            for p in payments]
    if export.batch_checksum((r["payment_id"], r["account_number"], r["amount_fen"])
                             for r in rows) != batch.checksum:
        raise Conflict("money.batch_checksum", _l("批次数据与生成时不一致，已停止导出"))
    header = export.header_rows(batch.batch_no, batch.line_count, batch.total_fen, batch.checksum)
    body = export.render_xlsx(header, rows) if fmt == "xlsx" else export.render_csv(header, rows)
    record("money.batch_exported", "batch", batch.id,
           details={"format": fmt, "lines": len(rows), "sha256": hashlib.sha256(body).hexdigest()})
    return batch, body


def send_batch(staff, batch_id):
    """Mark an approved batch as sent to the bank (once)."""
    require(staff, "batch.manage")
    batch = get_in_scope(Batch, staff, batch_id)
    if not guarded_update(batch, {"status": "approved"},
                          {"status": "sent", "sent_by": who(staff), "sent_at": utcnow()}):
        raise Conflict("money.batch_state", _l("批次当前状态不能进行此操作"), {"status": batch.status})
    record("money.batch_sent", "batch", batch.id, details={"batch_no": batch.batch_no})
    return batch


def reconcile_batch(staff, batch_id, content):
    """Apply the bank's return file to a sent batch, line by line. Paid lines are paid;
    failed lines keep their reason and their money goes back to the fund; unknown,
    duplicate or conflicting lines are reported and change nothing."""
    require(staff, "batch.manage")
    batch = get_in_scope(Batch, staff, batch_id)
    if batch.status not in ("sent", "reconciled"):
        raise Conflict("money.batch_state", _l("批次尚未发送，不能对账"), {"status": batch.status})
    lock_row(Batch, batch.id)
    digest = hashlib.sha256(content.encode()).hexdigest()
    if db.session.scalar(select(BankReturn.id).where(BankReturn.batch_id == batch.id,
                                                     BankReturn.file_sha256 == digest)):
        raise Conflict("money.return_duplicate", _l("这份回盘文件已经对过账"))
    rows, errors = export.parse_return(content)
    payments = {p.id: p for p in db.session.scalars(
        select(Payment).where(Payment.batch_id == batch.id))}
    lines = {line.id: line for line in db.session.scalars(
        select(ClaimLine).where(ClaimLine.batch_id == batch.id))}
    paid = failed = already = returned_fen = 0
    outcomes = []  # (claim id, status, fen, account tail) for the persons' notices
    now = utcnow()
    for row in rows:
        payment = payments.get(row["payment_id"])
        if payment is None:
            errors.append({"line": row["line"], "code": "unknown", "payment_id": row["payment_id"]})
            continue
        if payment.status != "issued":
            same = payment.status == row["status"]
            already += same
            if not same:
                errors.append({"line": row["line"], "code": "conflicting",
                               "payment_id": payment.id})
            continue
        if row["amount_fen"] != payment.amount_fen:
            errors.append({"line": row["line"], "code": "amount_mismatch", "payment_id": payment.id})
            continue
        line = lines[payment.line_id]
        payment.status, payment.bank_ref, payment.reconciled_at = row["status"], row["bank_ref"], now
        outcomes.append((line.claim_id, row["status"], payment.amount_fen,
                         payment.account_number[-4:]))
        if row["status"] == "paid":
            payment.paid_fen = payment.amount_fen
            line.status = "paid"
            paid += 1
        else:
            payment.failure_reason = (row["reason"] or "unspecified")[:200]
            line.status = "failed"
            returned_fen += payment.amount_fen
            failed += 1
    if returned_fen:  # the returned payments' money goes back to the fund (支付退票)
        post_entry(db.session.get(Fund, batch.fund_id), "refund", _batch_account(batch.id),
                   fund_account(batch.fund_id), returned_fen, who(staff),
                   reference=batch.batch_no, note=f"{failed} payments returned")
    batch.paid_count += paid
    batch.failed_count += failed
    if batch.paid_count + batch.failed_count == batch.line_count:
        batch.status = "reconciled"
    summary = {"paid": paid, "failed": failed, "already": already, "errors": errors}
    db.session.add(BankReturn(batch_id=batch.id, file_sha256=digest, raw=content,
                              summary=summary, uploaded_by=who(staff)))
    db.session.flush()
    notify.payment_outcomes(f"{batch.id}:{digest[:16]}", outcomes)
    record("money.batch_reconciled", "batch", batch.id,
           details={"paid": paid, "failed": failed, "already": already,
                    "errors": len(errors), "status": batch.status})
    return {"batch": batch, **summary}


def correct_payment(staff, payment_id, *, account_number, account_bank):
    """After a failed payment, the corrected account goes on the claim and the line is
    payable again, for one more batch only."""
    require(staff, "payment.correct")
    payment = db.session.get(Payment, payment_id)
    line = db.session.get(ClaimLine, payment.line_id) if payment else None
    if line is None:
        raise NotFound("money.payment_not_found", _l("支付记录不存在"))
    claim = get_in_scope(Claim, staff, line.claim_id)
    if payment.status != "failed" or line.status != "failed":
        raise Conflict("money.payment_state", _l("只有发放失败的款项可以更正后重新发放"))
    if payment.attempt >= 2:
        raise Conflict("money.rebatch_used", _l("该笔款项已重新发放过一次，请线下核查处理"))
    if not guarded_update(line, {"status": "failed"}, {"status": "payable", "batch_id": None}):
        raise Conflict("money.payment_state", _l("只有发放失败的款项可以更正后重新发放"))
    claim.account_number, claim.account_bank = account_number, account_bank
    db.session.flush()
    record("money.payment_corrected", "payment", payment.id,
           details={"line_id": line.id, "claim_id": claim.id})
    return line


def money_of_account(account):
    """The person's own claims and the payments made on them."""
    person = own_person(account, required=False)
    if person is None:
        return {"claims": [], "payments": []}
    claims = claims_of_person(person.id)
    line_ids = [line.id for claim in claims for line in claim.lines]
    payments = db.session.scalars(select(Payment).where(Payment.line_id.in_(line_ids))
                                  .order_by(Payment.id)).all() if line_ids else []
    return {"claims": claims, "payments": payments}
