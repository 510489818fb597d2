"""Staff reminders: one digest per staff member and day, pushed through the outbox to the
WeChat the staff member linked with a one-time code; codes work once, expire, and only the
two sides they are meant for can use them."""
import json
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import func, select

from app.accounts.models import StaffAccount
from app.core.clock import DISPLAY_TZ, local_today
from app.extensions import db
from app.tracking.models import StaffDigest, StaffDigestLink
from app.wechat.models import PushMessage
from app.wechat.templates import load_catalog
from fakes.wechat import check_template_data
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, error_code, person_token, staff_token
from tests.builders.tracking import BASE, get, run_daily

DIGESTS = PushMessage.kind == "staff_daily_digest"


def link_code(client, staff="station_xc"):
    response = client.post(f"{BASE}/digest/link-code", headers=auth(staff_token(client, staff)))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def redeem(client, code, login="wang_station"):
    return client.post(f"{BASE}/my/staff-link", json={"code": code},
                       headers=auth(person_token(client, login)))


def messages(app, *where):
    with app.app_context():
        return db.session.scalars(select(PushMessage).where(DIGESTS, *where)
                                  .order_by(PushMessage.id)).all()


def test_the_digest_goes_out_once_a_day_to_the_linked_wechat(client, fresh_app):
    token, _ = certified_seeker(client)
    assert client.post(f"{BASE}/my/help-requests", json={"topic": "想找工作"},
                       headers=auth(token)).status_code == 201
    today = local_today()
    # Not linked yet: the digest is written, nothing is pushed, the console says so.
    counts = run_daily(fresh_app)
    assert counts["digests_written"] == 1 and counts["digests_pushed"] == 0
    digest = get(client, "station_xc", "/digest")
    assert digest["counts"]["open"] == 1 and digest["push_status"] is None
    assert get(client, "station_xc", "/digest/link")["linked"] is False

    linked = redeem(client, link_code(client))
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["linked"] is True
    assert get(client, "station_xc", "/digest/link")["linked"] is True

    # Linked the same day: today's digest goes now, and only once however often the job runs.
    assert run_daily(fresh_app)["digests_pushed"] == 1
    assert run_daily(fresh_app)["digests_pushed"] == 0
    with fresh_app.app_context():
        staff_id = db.session.scalar(select(StaffAccount.id).where(
            StaffAccount.username == "station_xc"))
    [message] = messages(fresh_app)
    assert message.dedupe_key == f"track:digest:{staff_id}:{today.isoformat()}"
    data = json.loads(message.payload)["data"]
    assert data == {"thing1": {"value": "今日帮扶待办"}, "number2": {"value": "1"},
                    "number3": {"value": "0"}, "number4": {"value": "0"},
                    "thing5": {"value": "请登录工作台办理"}}
    kind = load_catalog().get("staff_daily_digest")
    assert check_template_data(data, kind.wechat_fields()) is None  # what WeChat accepts
    shown = get(client, "station_xc", "/digest")
    assert (shown["push_status"], shown["push_channel"]) == ("queued", "wechat")

    # The next day: one more, with the request now due or overdue.
    tomorrow = today + timedelta(days=1)
    assert run_daily(fresh_app, tomorrow)["digests_pushed"] == 1
    assert len(messages(fresh_app)) == 2
    # Nobody else had open tasks: nobody else got a digest.
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count(func.distinct(StaffDigest.staff_id)))) == 1


def test_a_staff_member_who_left_gets_no_digest(client, fresh_app):
    token, _ = certified_seeker(client)
    client.post(f"{BASE}/my/help-requests", json={"topic": "想找工作"}, headers=auth(token))
    assert redeem(client, link_code(client)).status_code == 200
    with fresh_app.app_context():
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        staff.active = False
        db.session.commit()
    assert run_daily(fresh_app)["digests_pushed"] == 0
    assert messages(fresh_app) == []


def test_link_codes_work_once_expire_and_a_wechat_serves_one_staff_member(client, fresh_app):
    first = link_code(client)
    assert len(first) == 10 and first.isalnum()
    newer = link_code(client)  # a new code replaces the older one
    refused = redeem(client, first)
    assert refused.status_code == 404 and error_code(refused) == "tracking.link_code_invalid"
    assert refused.get_json()["error"]["message"]
    assert redeem(client, newer.lower()).status_code == 200  # typed in lower case: same code
    again = redeem(client, newer)
    assert again.status_code == 404 and error_code(again) == "tracking.link_code_invalid"

    # A code past its ten minutes is dead.
    late = link_code(client, "township_xc")
    later = datetime.now(DISPLAY_TZ) + timedelta(minutes=11)
    with time_machine.travel(later, tick=True):
        expired = redeem(client, late, "li_township")
    assert expired.status_code == 404 and error_code(expired) == "tracking.link_code_invalid"

    # The WeChat that receives station_xc's digests cannot take township_xc's too.
    taken = redeem(client, link_code(client, "township_xc"), "wang_station")
    assert taken.status_code == 409 and error_code(taken) == "tracking.wechat_linked_elsewhere"
    assert get(client, "township_xc", "/digest/link")["linked"] is False

    # Unlinking stops it; unlinking twice says there is nothing to unlink.
    token = auth(staff_token(client, "station_xc"))
    assert client.delete(f"{BASE}/digest/link", headers=token).get_json()["linked"] is False
    gone = client.delete(f"{BASE}/digest/link", headers=token)
    assert gone.status_code == 404 and error_code(gone) == "tracking.digest_not_linked"
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffDigestLink).where(
            StaffDigestLink.person_account_id.is_not(None))) == 0


def test_codes_are_only_for_their_two_sides_and_bad_codes_are_refused(client, fresh_app):
    code = link_code(client)
    person = auth(person_token(client, "someone"))
    staff = auth(staff_token(client, "station_xc"))
    # A person cannot mint codes or read a staff digest; staff cannot redeem as a WeChat.
    assert client.post(f"{BASE}/digest/link-code", headers=person).status_code == 401
    assert client.get(f"{BASE}/digest", headers=person).status_code == 401
    assert client.post(f"{BASE}/my/staff-link", json={"code": code},
                       headers=staff).status_code == 401
    assert client.post(f"{BASE}/digest/link-code",
                       headers=auth(staff_token(client, "auditor"))).status_code == 403
    for body in ({}, {"code": ""}, {"code": "短码"}, {"code": "A" * 33}, {"code": code, "x": 1},
                 {"code": 12345}):
        response = client.post(f"{BASE}/my/staff-link", json=body, headers=person)
        assert response.status_code == 422, body
        assert error_code(response) == "request.invalid", body
    # Guessing: a wrong code of the right shape is simply invalid, the live one still works.
    wrong = client.post(f"{BASE}/my/staff-link", json={"code": "ABCDEFGHJK"}, headers=person)
    assert wrong.status_code == 404 and error_code(wrong) == "tracking.link_code_invalid"
    assert redeem(client, code, "someone").status_code == 200


def test_the_township_is_told_of_the_requests_escalated_in_its_subtree(client, fresh_app):
    token, _ = certified_seeker(client)
    client.post(f"{BASE}/my/help-requests", json={"topic": "想找工作"}, headers=auth(token))
    assert redeem(client, link_code(client, "township_xc"), "li_township").status_code == 200
    assert run_daily(fresh_app)["digests_pushed"] == 0  # nothing escalated yet
    later = local_today() + timedelta(days=10)  # the response deadline passed
    counts = run_daily(fresh_app, later)
    assert counts["requests_escalated"] == 1 and counts["digests_pushed"] == 1
    [message] = messages(fresh_app)
    with fresh_app.app_context():
        township = db.session.scalar(select(StaffAccount).where(
            StaffAccount.username == "township_xc"))
        digest = db.session.scalar(select(StaffDigest).where(
            StaffDigest.staff_id == township.id, StaffDigest.day == later))
    assert message.dedupe_key == f"track:digest:{township.id}:{later.isoformat()}"
    assert digest.counts == {"open": 1, "overdue": 1, "due_today": 0, "help_requests": 1,
                             "follow_ups": 0, "escalated": 1}
    # Only the worker and their township: nobody above, nobody elsewhere.
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffDigest).where(
            StaffDigest.day == later)) == 2  # station_xc's own and township_xc's
