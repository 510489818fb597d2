"""Creating campaigns (scope, segment, bad input), expanding them into the outbox, counts."""
from datetime import timedelta

from sqlalchemy import select, update

from app.audit.models import AuditEntry
from app.campaigns import services
from app.campaigns.models import Campaign
from app.certification.models import Certification
from app.core.clock import utcnow
from app.extensions import db
from app.wechat.models import PushMessage
from tests.builders.http import auth, staff_token
from tests.campaigns.conftest import body, create, messages_of


def test_county_officer_creates_a_campaign_for_certified_persons(client, accounts, db_session):
    campaign = create(client, category="disabled", holiday="spring_festival")
    assert campaign["matched_at_creation"] == 1  # 张丽, certified as disabled
    assert campaign["status"] == "scheduled" and campaign["enqueued"] == 0
    assert campaign["counts"]["total"] == 0
    # nothing is queued by the request itself
    assert db_session.scalar(select(PushMessage).where(
        PushMessage.campaign_id == campaign["id"])) is None
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.created"))
    assert entry.target_id == str(campaign["id"])
    assert entry.details["matched"] == 1 and entry.details["category"] == "disabled"
    assert "张丽" not in str(entry.details)
    shown = client.get(f"/api/v1/push/campaigns/{campaign['id']}",
                       headers=auth(staff_token(client, "city_hhht")))
    assert shown.status_code == 200 and shown.get_json()["title"] == "春风行动"
    listed = client.get("/api/v1/push/campaigns", headers=auth(staff_token(client, "county_xc")))
    assert [c["id"] for c in listed.get_json()["items"]] == [campaign["id"]]


def test_region_outside_the_senders_subtree_is_not_found(client, accounts):
    refused = create(client, "county_xc", expect=404, region_code="150702")
    assert refused["error"]["code"] == "campaign.region_not_found"
    unknown = create(client, "county_xc", expect=404, region_code="150102999")
    assert unknown["error"]["code"] == "campaign.region_not_found"
    # the region admin may target the other league; the county officer cannot see it
    other = create(client, "region_admin", region_code="150702", person_status="applied")
    assert other["matched_at_creation"] == 1  # 巴特
    hidden = client.get(f"/api/v1/push/campaigns/{other['id']}",
                        headers=auth(staff_token(client, "county_xc")))
    assert hidden.status_code == 404
    listed = client.get("/api/v1/push/campaigns", headers=auth(staff_token(client, "county_xc")))
    assert listed.get_json()["total"] == 0
    assert client.get("/api/v1/push/campaigns/99999999999999999999",
                      headers=auth(staff_token(client, "county_xc"))).status_code == 404


def test_only_campaign_managers_may_create(client, accounts):
    for username in ("station_xc", "township_xc", "auditor"):
        response = client.post("/api/v1/push/campaigns", json=body(),
                               headers=auth(staff_token(client, username)))
        assert response.status_code == 403, username


def test_bad_input_is_a_clear_4xx(client, accounts):
    assert create(client, expect=422, category="graduate")["error"]["code"] == \
        "campaign.empty_segment"
    assert create(client, expect=422, kind="no_such_kind")["error"]["code"] == \
        "push.unknown_kind"
    assert create(client, expect=422, values={"campaign": "招聘会"})["error"]["code"] == \
        "push.missing_field"
    assert create(client, expect=422, values={"campaign": "招聘会", "starts_at": "x",
                                               "location": "市场", "bogus": "1"}
                  )["error"]["code"] == "push.unknown_field"
    assert create(client, expect=422, not_after=...)["error"]["code"]
    assert create(client, expect=422, person_status="any", category="older")["error"][
        "code"] == "campaign.category_needs_status"
    now = utcnow()
    assert create(client, expect=422, not_before=now.isoformat(),
                  not_after=(now - timedelta(hours=1)).isoformat())["error"]["code"] == \
        "campaign.invalid_window"
    assert create(client, expect=422, not_after=(now + timedelta(days=200)).isoformat()
                  )["error"]["code"] == "campaign.window_too_long"
    assert create(client, expect=422, not_before="2027-01-01T00:00:00")  # no time zone
    assert create(client, expect=422, wants="lottery")


def test_segments(client, accounts):
    applied = create(client, person_status="applied")  # open applications in 150102
    assert applied["matched_at_creation"] == 3  # 王建国, 李秀英, 赵刚
    assert create(client, person_status="any")["matched_at_creation"] == 4
    assert create(client, person_status="any", wants="startup")["matched_at_creation"] == 1
    assert create(client, person_status="applied", category="older"
                  )["matched_at_creation"] == 1
    assert create(client, "township_xc", expect=403)
    # an exited certification
    db.session.execute(update(Certification).values(status="exited"))
    db.session.commit()
    assert create(client, person_status="exited", category="disabled"
                  )["matched_at_creation"] == 1
    assert create(client, expect=422)["error"]["code"] == "campaign.empty_segment"


def test_expansion_queues_one_message_per_recipient_and_is_resumable(client, accounts,
                                                                    db_session):
    campaign = create(client, person_status="any")
    cid = campaign["id"]
    # the first batch only, as if the command were killed after it
    assert services.expand_batch(cid, batch_size=2) == 2
    assert len(messages_of(cid)) == 2
    db_session.expire_all()
    assert db_session.get(Campaign, cid).status == "expanding"
    # a crash after the insert but before the cursor moved: the batch runs again, no copies
    db_session.execute(update(Campaign).where(Campaign.id == cid).values(cursor_person_id=0))
    db_session.commit()
    assert services.run_due() == {cid: 2}
    rows = messages_of(cid)
    assert len(rows) == 4
    assert sorted(m.dedupe_key for m in rows) == sorted(
        f"campaign:{cid}:{accounts[name]}" for name in ("王建国", "李秀英", "张丽", "赵刚"))
    first = rows[0]
    assert first.kind == "campaign_invitation" and first.status == "queued"
    assert first.page == f"pages/campaigns/detail?id={cid}"
    assert first.expires_at is not None and first.template_id == "demo-tmpl-campaign-invitation"
    assert first.payload  # decrypts
    db_session.expire_all()
    done = db_session.get(Campaign, cid)
    assert done.status == "queued" and done.expanded_at is not None
    assert services.run_due() == {}  # nothing twice
    assert len(messages_of(cid)) == 4
    actions = db_session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "campaign")).all()
    assert actions.count("campaign.expanded") == 1
    assert actions.count("campaign.expansion_started") == 1
    counts = client.get(f"/api/v1/push/campaigns/{cid}",
                        headers=auth(staff_token(client, "county_xc"))).get_json()["counts"]
    assert counts["queued"] == 4 and counts["total"] == 4


def test_window_not_yet_open_waits(client, accounts):
    now = utcnow()
    campaign = create(client, not_before=(now + timedelta(days=1)).isoformat(),
                      not_after=(now + timedelta(days=2)).isoformat())
    assert services.run_due() == {}
    later = now + timedelta(days=1, minutes=1)
    assert services.run_due(now=later) == {campaign["id"]: 1}
    [message] = messages_of(campaign["id"])
    assert message.next_attempt_at >= now + timedelta(days=1)


def test_window_closed_before_expansion_expires_the_campaign(client, accounts, db_session):
    campaign = create(client)
    late = utcnow() + timedelta(days=8)
    assert services.run_due(now=late) == {campaign["id"]: 0}
    db_session.expire_all()
    assert db_session.get(Campaign, campaign["id"]).status == "expired"
    assert messages_of(campaign["id"]) == []


def test_cli_runs_due_campaigns(fresh_app, client, accounts):
    campaign = create(client, person_status="any")
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["push", "campaigns", "run", "--batch", "100"])
    assert result.exit_code == 0, result.output
    assert f"campaign {campaign['id']}: 4 message(s) queued" in result.output
    again = runner.invoke(args=["push", "campaigns", "run"])
    assert again.exit_code == 0 and "no campaign due" in again.output
