"""Twenty identical requests at once against the real app under gunicorn (SQLite by
default, PostgreSQL with TEST_DATABASE_URL): one approval of one claim, one batch of one
region, never a 500, never a second line, payment or ledger entry."""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.money.models import Batch, ClaimLine, LedgerEntry, Payment
from tests.builders.http import auth, staff_token
from tests.builders.money import act, approved_claim, claim_myself, flexible_seeker
from tests.support.race import BURST, error_codes, fire, run_app_server, statuses


def count(app, model, *where):
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def assert_one_effect(answers, ok_status, losers):
    got = statuses(answers)
    assert not [s for s in got if s >= 500], got
    assert got.get(ok_status) == 1, (got, error_codes(answers))
    assert set(error_codes(answers)) <= set(losers), error_codes(answers)
    assert sum(got.values()) == BURST


def test_twenty_parallel_approvals_of_one_claim_have_one_effect(fresh_app, client):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token, months=3)
    act(client, "station_xc", claim["id"], "check")
    county = staff_token(client, "county_xc")
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"/api/v1/money/claims/{claim['id']}/approve", json={},
                       headers=auth(county))
    assert_one_effect(answers, 200, {"money.claim_state", "money.period_paid"})
    assert count(fresh_app, ClaimLine, ClaimLine.claim_id == claim["id"]) == 3
    assert count(fresh_app, AuditEntry, AuditEntry.action == "money.claim_approved") == 1
    # One notice per step: submitted, checked, approved — never a second approval notice.
    from app.wechat.models import PushMessage
    assert count(fresh_app, PushMessage,
                 PushMessage.dedupe_key.like(f"money:claim:{claim['id']}:event:%")) == 3


def test_twenty_parallel_batch_builds_of_one_region_make_one_batch(fresh_app, client):
    approved_claim(client, months=2)
    finance = staff_token(client, "finance_xc")
    body = {"region_code": "150102", "fund_source": "employment_fund", "payee_type": "person"}
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", "/api/v1/money/batches", json=body, headers=auth(finance))
    assert_one_effect(answers, 201, {"money.nothing_to_batch"})
    assert count(fresh_app, Batch) == 1
    assert count(fresh_app, Payment) == 2
    assert count(fresh_app, LedgerEntry, LedgerEntry.kind == "payment") == 1


@pytest.mark.parametrize("months", [1])
def test_one_month_of_two_claims_is_written_once_by_the_database(fresh_app, client, months):
    """Past every Python check (a hand-written line for a month already approved), the
    unique constraint refuses the second payment of the month."""
    from sqlalchemy.exc import IntegrityError

    from app.core.conflicts import conflict_for
    _, person_id, claim = approved_claim(client, months=months)
    with fresh_app.app_context():
        line = db.session.scalar(select(ClaimLine).where(ClaimLine.claim_id == claim["id"]))
        db.session.add(ClaimLine(**{c.name: getattr(line, c.name) for c in ClaimLine.__table__.columns
                                    if c.name not in ("id", "batch_id")}))
        with pytest.raises(IntegrityError) as caught:
            db.session.flush()
        db.session.rollback()
        assert conflict_for(caught.value).code == "money.period_paid"
        db.session.remove()


def test_twenty_parallel_advances_of_one_post_quarter_pay_once(fresh_app, client):
    """预拨 exactly once: one settlement row and one ledger entry per post and quarter
    (uq_money_settlements_quarter), whatever the number of finance clicks."""
    from app.money.models import PostSettlement
    from tests.money.test_posts import _post
    from tests.builders.codes import certified_seeker
    _, person_id = certified_seeker(client, "zhangsan")
    station = staff_token(client, "station_xc")
    post, quarter = _post(client, fresh_app, station, headcount=1)
    assert client.post(f"/api/v1/money/posts/{post['id']}/approve",
                       headers=auth(staff_token(client, "county_xc"))).status_code == 200
    placed = client.post(f"/api/v1/money/posts/{post['id']}/placements", headers=auth(station),
                         json={"person_id": person_id, "starts_on": quarter.isoformat()})
    assert placed.status_code == 201, placed.get_json()
    finance = staff_token(client, "finance_xc")
    with run_app_server(fresh_app) as server:
        answers = fire(server, "POST", f"/api/v1/money/posts/{post['id']}/advance",
                       json={"quarter": quarter.isoformat()}, headers=auth(finance))
    assert_one_effect(answers, 201, {"money.quarter_advanced"})
    assert count(fresh_app, PostSettlement) == 1
    assert count(fresh_app, LedgerEntry, LedgerEntry.kind == "advance") == 1
    assert count(fresh_app, AuditEntry, AuditEntry.action == "money.post_advanced") == 1
