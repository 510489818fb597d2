"""Twenty staff pressing "invite" at once (gunicorn, several workers and threads; SQLite by
default, PostgreSQL with TEST_DATABASE_URL): one invitation and one message per person and
round, every answer a 200, never a 500."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.partners.models import PartnerInvitation
from app.wechat.models import PushMessage
from tests.builders.http import auth, staff_token
from tests.partners.test_outreach import _household_lists, _round, _zhou_in_the_mini_program
from tests.support.race import BURST, fire, run_app_server, statuses


@pytest.fixture()
def server(fresh_app):
    with run_app_server(fresh_app) as base_url:
        yield base_url


def _count(app, model, *where):
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def test_twenty_invitations_at_once_queue_one_message(fresh_app, client, make_person, server):
    _zhou_in_the_mini_program(make_person)
    _household_lists(client)
    round_id = _round(client)
    answers = fire(server, "POST", "/api/v1/partners/discoveries/invitations",
                   json={"campaign_id": round_id},
                   headers=auth(staff_token(client, "station_xc")))
    assert statuses(answers) == {200: BURST}, [body for _, body, _ in answers]
    assert sum(body["invited"] for _, body, _ in answers) == 1
    assert sum(body["already_invited"] for _, body, _ in answers) == BURST - 1
    assert _count(fresh_app, PartnerInvitation) == 1
    assert _count(fresh_app, PushMessage, PushMessage.kind == "discovery_invitation") == 1
