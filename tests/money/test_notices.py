"""The person hears of every step of their claim and of each payment's outcome, once: a
notice per step through the push outbox, its dedupe key naming the step, unique in the
database."""
import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.money import notify
from app.money.models import Claim, ClaimEvent
from app.wechat.models import PushMessage
from tests.builders.http import auth, staff_token
from tests.builders.money import act, approved_claim, build, claim_myself, flexible_seeker, return_file


def notices(app, claim_id):
    """[(kind, status or result phrase, note)] of a claim's notices, oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(PushMessage).where(
            PushMessage.dedupe_key.like(f"money:claim:{claim_id}:%")).order_by(PushMessage.id)).all()
        found = []
        for row in rows:
            data = json.loads(row.payload)["data"]
            found.append((row.kind, data["phrase2"]["value"],
                          data.get("thing5", data.get("thing4", {})).get("value")))
        db.session.remove()
        return found


def test_each_step_of_a_claim_tells_the_person_once(client, fresh_app):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token, months=3)
    act(client, "station_xc", claim["id"], "check", {"note": "材料齐全"})
    act(client, "county_xc", claim["id"], "approve")
    sent = notices(fresh_app, claim["id"])
    assert [(kind, phrase) for kind, phrase, _ in sent] == [
        ("application_progress", "已提交"), ("application_progress", "初审通过"),
        ("application_result", "审批通过")]
    assert sent[0][2].startswith("预计") and sent[0][2].endswith("日前办结")
    assert sent[2][2] == "核定补贴1440.00元"
    # Every value is free of the account number and the person's name.
    with fresh_app.app_context():
        payloads = [r.payload for r in db.session.scalars(select(PushMessage))]
        assert not any("6217000010001234567" in p or "张三" in p for p in payloads)


def test_the_outbox_refuses_a_second_notice_of_one_step(client, fresh_app):
    """Queueing a step's notice again is a no-op, and a hand-written duplicate row fails on
    the database's unique key."""
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token, months=1)
    with fresh_app.app_context():
        row = db.session.get(Claim, claim["id"])
        event = db.session.scalar(select(ClaimEvent).where(ClaimEvent.claim_id == row.id))
        notify.claim_step(row, event)
        notify.claim_step(row, event)
        db.session.commit()
        first = db.session.scalar(select(PushMessage).where(
            PushMessage.dedupe_key == f"money:claim:{row.id}:event:{event.id}"))
        copy = {c.name: getattr(first, c.name) for c in PushMessage.__table__.columns
                if c.name != "id"}
        db.session.add(PushMessage(**copy))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert len(notices(fresh_app, claim["id"])) == 1


def test_return_and_refusal_carry_the_reason(client, fresh_app):
    token, _ = flexible_seeker(client)
    claim = claim_myself(client, token)
    act(client, "station_xc", claim["id"], "return", {"note": "缴费凭证不清晰"})
    client.post(f"/api/v1/money/my/claims/{claim['id']}/resubmit", json={}, headers=auth(token))
    act(client, "station_xc", claim["id"], "check")
    act(client, "county_xc", claim["id"], "refuse", {"note": "未按规定缴纳社会保险费"})
    sent = notices(fresh_app, claim["id"])
    assert [phrase for _, phrase, _ in sent] == ["已提交", "需补充材料", "已重新提交", "初审通过",
                                                 "未获批准"]
    assert sent[1][2] == "缴费凭证不清晰" and sent[4][2] == "未按规定缴纳社会保险费"


def test_paid_and_failed_payments_are_told_once_per_claim_and_file(client, fresh_app):
    _, _, claim = approved_claim(client)
    finance = staff_token(client, "finance_xc")
    batch = build(client, token=finance)
    client.post(f"/api/v1/money/batches/{batch['id']}/approve",
                headers=auth(staff_token(client, "finance_xc2")))
    client.post(f"/api/v1/money/batches/{batch['id']}/send", headers=auth(finance))
    payments = client.get(f"/api/v1/money/batches/{batch['id']}",
                          headers=auth(finance)).get_json()["payments"]
    content = return_file([(payments[0]["id"], "paid", "480.00", ""),
                           (payments[1]["id"], "paid", "480.00", ""),
                           (payments[2]["id"], "failed", "480.00", "账户已销户")])
    answer = client.post(f"/api/v1/money/batches/{batch['id']}/reconcile", headers=auth(finance),
                         json={"content": content})
    assert answer.status_code == 200, answer.get_json()
    again = client.post(f"/api/v1/money/batches/{batch['id']}/reconcile", headers=auth(finance),
                        json={"content": content})
    assert again.status_code == 409
    sent = notices(fresh_app, claim["id"])[3:]
    assert sent == [("application_progress", "已发放", "960.00元已转入尾号4567卡"),
                    ("application_progress", "发放失败", "请到服务站更正收款账户")]
