"""Campaigns from the console: a county admin creates one for a segment of their subtree
through the API's campaign service (the form shows the chosen kind's fields); a refused form
comes back with its code, a Chinese message and what was typed; other roles get 403."""
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import PersonAccount
from app.campaigns.models import Campaign
from app.core.clock import DISPLAY_TZ, utcnow
from app.extensions import db
from app.people.models import Person
from tests.builders.console import console_login, console_post


def _minutes(delta):
    return (utcnow().astimezone(DISPLAY_TZ) + delta).strftime("%Y-%m-%dT%H:%M")


GOOD = {"kind": "campaign_invitation", "title": "春风行动",
        "value_campaign": "春风行动专场招聘会", "value_starts_at": "2027-02-20 09:00",
        "value_location": "新城区人力资源市场", "region_code": "150102",
        "person_status": "certified"}


def _good():
    return {**GOOD, "not_before": _minutes(timedelta(minutes=-1)),
            "not_after": _minutes(timedelta(days=7))}


def _with_accounts(app):
    """The demo persons signed in once (so a campaign can reach them)."""
    with app.app_context():
        for person in db.session.scalars(select(Person).order_by(Person.id)):
            account = PersonAccount(openid=f"console-campaign-{person.id}", active=True)
            db.session.add(account)
            db.session.flush()
            person.person_account_id = account.id
        db.session.commit()


def _campaigns(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Campaign))


def test_a_county_admin_creates_a_campaign_and_sees_it_listed(client, fresh_app):
    _with_accounts(fresh_app)
    csrf = console_login(client, "county_xc")
    assert "专项推送" in client.get("/console/").get_data(as_text=True)  # in the menu
    form = client.get("/console/campaigns?kind=campaign_invitation").get_data(as_text=True)
    assert 'name="value_campaign"' in form and "活动名称" in form
    done = console_post(client, "/console/campaigns", csrf, **_good())
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已创建" in page and "春风行动" in page and "待发送" in page
    with fresh_app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.kind, campaign.region_code, campaign.values["location"]) == (
            "campaign_invitation", "150102", "新城区人力资源市场")
        assert campaign.matched_at_creation > 0


def test_bad_campaigns_are_refused_with_a_reason_and_what_was_typed(client, fresh_app):
    csrf = console_login(client, "county_xc")
    cases = [
        ({"title": ""}, 422, "console.campaign_title", "请填写活动名称"),
        ({"not_before": "明天"}, 422, "console.campaign_time", "请填写开始发送时间"),
        ({"category": "king"}, 422, "console.campaign_category", "请选择人员类别"),
        ({"person_status": "any", "category": "older"}, 422, "campaign.category_needs_status",
         "按人员类别筛选时须选择认定状态"),
        ({"value_location": ""}, 422, "push.missing_field", "消息缺少必填内容"),
        ({"not_after": _minutes(timedelta(minutes=-5))}, 422, "campaign.invalid_window",
         "发送时间窗口不正确"),
        ({"not_after": _minutes(timedelta(days=120))}, 422, "campaign.window_too_long",
         "发送时间窗口过长"),
        ({}, 422, "campaign.empty_segment", "该条件下没有可以接收消息的人员"),  # no accounts
        ({"region_code": "150702"}, 404, "campaign.region_not_found", "不在您的管辖范围内"),
    ]
    for change, status, code, message in cases:
        body = console_post(client, "/console/campaigns", csrf, expect=status,
                            **{**_good(), **change}).get_data(as_text=True)
        assert code in body and message in body, (change, body[:600])
        if "title" not in change:
            assert 'value="春风行动"' in body  # what was typed is kept
    no_csrf = client.post("/console/campaigns", data=_good())
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    assert _campaigns(fresh_app) == 0


def test_other_roles_are_forbidden(client, fresh_app):
    _with_accounts(fresh_app)
    for username in ("station_xc", "auditor", "security_admin"):
        csrf = console_login(client, username)
        assert "专项推送" not in client.get("/console/").get_data(as_text=True)
        assert client.get("/console/campaigns").status_code == 403
        refused = console_post(client, "/console/campaigns", csrf, expect=403, **_good())
        assert "auth.forbidden" in refused.get_data(as_text=True)
    assert _campaigns(fresh_app) == 0
