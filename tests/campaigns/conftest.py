"""Campaign fixtures: the demo persons (app.certification.demo) given WeChat accounts."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import PersonAccount
from app.core.clock import utcnow
from app.extensions import db
from app.people.models import Person
from tests.builders.http import auth, staff_token
from tests.wechat.conftest import Person as WeChatPerson  # noqa: F401 - re-exported fixtures
from tests.wechat.conftest import (catalog, fake_sms_url, person, sms, templates,  # noqa: F401
                                   worker)

INVITATION = {"campaign": "春风行动专场招聘会", "starts_at": "2027-02-20 09:00",
              "location": "新城区人力资源市场"}


@pytest.fixture()
def accounts(db_session):
    """Every demo person gets an active person account (as if they had signed in).
    Returns {person name: account id}."""
    out = {}
    for person in db_session.scalars(select(Person).order_by(Person.id)):
        account = PersonAccount(openid=f"campaign-test-{person.id}", active=True)
        db_session.add(account)
        db_session.flush()
        person.person_account_id = account.id
        out[person.name] = account.id
    db_session.commit()
    return out


def body(**overrides):
    now = utcnow()
    data = {"title": "春风行动", "kind": "campaign_invitation", "values": dict(INVITATION),
            "region_code": "150102", "person_status": "certified",
            "not_before": (now - timedelta(minutes=1)).isoformat(),
            "not_after": (now + timedelta(days=7)).isoformat()}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def create(client, username="county_xc", expect=201, **overrides):
    response = client.post("/api/v1/push/campaigns", json=body(**overrides),
                           headers=auth(staff_token(client, username)))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def messages_of(campaign_id):
    from app.wechat.models import PushMessage
    db.session.expire_all()
    return db.session.scalars(select(PushMessage).where(PushMessage.campaign_id == campaign_id)
                              .order_by(PushMessage.id)).all()
