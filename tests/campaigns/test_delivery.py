"""A campaign through the worker: counts from its messages, and the send window."""
from datetime import timedelta

from sqlalchemy import select

from app.campaigns import services
from app.core.clock import utcnow
from app.people.models import Person
from tests.builders.http import auth, staff_token
from tests.campaigns.conftest import create, messages_of

TMPL = "demo-tmpl-campaign-invitation"


def link(db_session, name, account_id):
    """The signed-in WeChat person is the demo person `name`."""
    for person in db_session.scalars(select(Person)):
        if person.name == name:
            person.person_account_id = account_id
    db_session.commit()


def counts(client, campaign_id):
    response = client.get(f"/api/v1/push/campaigns/{campaign_id}",
                          headers=auth(staff_token(client, "county_xc")))
    assert response.status_code == 200
    return response.get_json()["counts"]


def test_worker_sends_and_the_campaign_counts(client, accounts, person, worker, wechat,
                                              db_session):
    link(db_session, "张丽", person.account_id)
    person.subscribe(TMPL)
    campaign = create(client, person_status="any")
    services.run_due()
    result = worker().run(once=True)
    assert result["sent"] == 1 and result["failed"] == 3
    [sent] = wechat.messages()["messages"]
    assert sent["touser"] == person.openid and sent["template_id"] == TMPL
    assert sent["data"]["thing1"] == {"value": "春风行动专场招聘会"}
    assert sent["page"] == f"pages/campaigns/detail?id={campaign['id']}"
    # the three others have no subscription and no phone: no quota, nothing sent
    assert counts(client, campaign["id"]) == {"queued": 0, "sent": 1, "sms_fallback": 0,
                                              "no_quota": 3, "failed": 3, "unknown": 0,
                                              "expired": 0, "total": 4}


def test_nothing_is_sent_after_the_window(client, accounts, person, worker, wechat,
                                          db_session):
    link(db_session, "张丽", person.account_id)
    person.subscribe(TMPL)
    now = utcnow()
    campaign = create(client, person_status="any",
                      not_after=(now + timedelta(hours=1)).isoformat())
    services.run_due()
    late = worker()
    late.clock = lambda: now + timedelta(hours=2)
    assert late.run(once=True)["sent"] == 0
    assert wechat.messages()["total"] == 0
    assert {m.status for m in messages_of(campaign["id"])} == {"expired"}
    assert counts(client, campaign["id"])["expired"] == 4


def test_a_message_claimed_before_the_window_closed_is_not_sent_after(
        client, accounts, person, worker, wechat, db_session):
    link(db_session, "张丽", person.account_id)
    person.subscribe(TMPL)
    now = utcnow()
    campaign = create(client, category="disabled",
                      not_after=(now + timedelta(hours=1)).isoformat())
    services.run_due()
    slow = worker()
    batch = slow.claim()
    assert len(batch) == 1
    slow.clock = lambda: now + timedelta(hours=2)  # the worker stalled past not_after
    slow.deliver(batch)
    assert wechat.messages()["total"] == 0
    [message] = messages_of(campaign["id"])
    assert message.status == "expired" and message.last_error == "window_closed"
    from tests.wechat.conftest import quota
    assert quota(db_session, person.account_id, TMPL) == 1  # the subscription is kept
