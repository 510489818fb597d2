"""The discovery list's outreach: households where nobody contributes, a contact recorded
through the tracking area, invitations through the push outbox once per person and round
(by SMS when WeChat cannot carry them), and the dibao phase-out information."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.core.clock import local_today, utcnow
from app.extensions import db
from app.partners.models import DibaoPhaseOut, PartnerInvitation
from app.people.models import LegalBasis
from app.tracking.models import Case, Contact
from app.wechat.models import PushMessage
from tests.builders.http import auth, error_code, staff_token
from tests.builders.people import NOTICE, id_number, register_self
from tests.partners.test_comparison import SI_HEADER
from tests.partners.test_imports import as_csv, upload

DISCOVERIES = "/api/v1/partners/discoveries"
WOMAN = id_number("150102", date(1985, 3, 10), "022")   # 刘芳
MAN = id_number("150102", date(1983, 7, 8), "015")      # 周强, her husband
OTHER = id_number("150102", date(1990, 2, 2), "024")    # 陈静, household B
WORKER = id_number("150102", date(1988, 6, 30), "075")  # 孙磊, household B, contributes


def dibao(number, name, household="HH-A", end=""):
    return [number, name, household, "户主", "150102001001", "2024-01-01", end]


def _household_lists(client):
    yesterday = local_today() - timedelta(1)
    upload(client, staff_token(client, "civil_xc"), as_csv([
        dibao(WOMAN, "刘芳"), dibao(MAN, "周强"), dibao(OTHER, "陈静", "HH-B"),
        dibao(WORKER, "孙磊", "HH-B")]), as_of=yesterday)
    upload(client, staff_token(client, "county_xc"), as_csv(
        [[WORKER, "孙磊", "150102001001", "", "灵活就业人员", "12", "正常缴费", "202611"]],
        header=SI_HEADER), source="social_insurance", as_of=yesterday)


def _listed(client, token=None):
    body = client.get(DISCOVERIES, headers=auth(token or staff_token(client, "station_xc")))
    assert body.status_code == 200, body.get_json()
    return {i["name"]: i for i in body.get_json()["items"]}


def test_a_dibao_household_where_nobody_contributes_is_a_likely_zero_employment_household(client):
    _household_lists(client)
    listed = _listed(client)
    assert {name: [r["code"] for r in item["reasons"]] for name, item in listed.items()} == {
        "刘*": ["dibao_no_contributions", "household_without_contributions"],
        "周*": ["dibao_no_contributions", "household_without_contributions"],
        "陈*": ["dibao_no_contributions"]}  # 孙磊 of her household contributes
    reason = listed["刘*"]["reasons"][1]
    assert (reason["category"], reason["text"]) == (
        "zero_employment_household", "低保家庭中无人参保缴费，可能为零就业家庭")


def _contact(client, record_id, token=None, **body):
    payload = {"channel": "visit", "contacted_on": local_today().isoformat(),
               "outcome": "reached", "note": "愿意参加培训", **body}
    return client.post(f"{DISCOVERIES}/{record_id}/contacts", json=payload,
                       headers=auth(token or staff_token(client, "station_xc")))


def test_a_contact_is_recorded_in_tracking_and_the_person_then_applies(client, db_session):
    _household_lists(client)
    record_id = _listed(client)["刘*"]["record_id"]
    answer = _contact(client, record_id)
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["channel"], answer.get_json()["outcome"]) == ("visit", "reached")
    case = db_session.scalar(select(Case).where(Case.opened_reason == "discovered"))
    assert case.last_contact_on == local_today()
    assert db_session.scalar(select(func.count()).select_from(Contact).where(
        Contact.case_id == case.id)) == 1
    # Registered from the list on the statutory duty, never on a consent nobody gave.
    basis = db_session.scalar(select(LegalBasis).where(LegalBasis.person_id == case.person_id))
    assert (basis.basis, basis.channel, basis.given_by) == (
        "statutory_duty", "data_import", "department")
    item = _listed(client)["刘*"]
    assert (item["person_id"], item["last_contact_on"]) == (
        case.person_id, local_today().isoformat())
    applied = client.post(f"{DISCOVERIES}/{record_id}/apply", headers=auth(
        staff_token(client, "station_xc")), json={
        "consent": {"notice_version": NOTICE, "channel": "station_paper"},
        "commitment": {"accepted": True, "version": NOTICE}})
    assert applied.status_code == 201, applied.get_json()
    assert "刘*" not in _listed(client)


def test_a_contact_outside_the_region_or_with_bad_input_is_refused_and_records_nothing(
        client, fresh_app):
    _household_lists(client)
    record_id = _listed(client)["刘*"]["record_id"]
    elsewhere = _contact(client, record_id, token=staff_token(client, "station_hlr"))
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "partners.record_not_found"
    fax = _contact(client, record_id, channel="fax")
    assert fax.status_code == 422
    future = _contact(client, record_id, contacted_on=(local_today() + timedelta(2)).isoformat())
    assert future.status_code == 422 and error_code(future) == "tracking.contact_date"
    assert future.get_json()["error"]["message"] == "联系日期应在一年内且不晚于今天"
    civil = _contact(client, record_id, token=staff_token(client, "civil_xc"))
    assert civil.status_code == 403
    with fresh_app.app_context():  # its own session: the refused requests left nothing
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
        assert db.session.scalar(select(func.count()).select_from(Case).where(
            Case.opened_reason == "discovered")) == 0


def _round(client, **overrides):
    now = utcnow()
    body = {"title": "春风行动第一轮", "kind": "campaign_invitation",
            "values": {"campaign": "春风行动专场招聘会", "starts_at": "2027-02-20 09:00",
                       "location": "新城区人力资源市场"},
            "region_code": "150102", "person_status": "any",
            "not_before": (now - timedelta(minutes=1)).isoformat(),
            "not_after": (now + timedelta(days=7)).isoformat(), **overrides}
    response = client.post("/api/v1/push/campaigns", json=body,
                           headers=auth(staff_token(client, "county_xc")))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _zhou_in_the_mini_program(make_person):
    zhou = make_person("zhouqiang")
    zhou.bind_phone()
    register_self(zhou.client, zhou.token, name="周强", number=MAN, facts={})
    return zhou


def _invite(client, campaign_id, token=None):
    return client.post(f"{DISCOVERIES}/invitations", json={"campaign_id": campaign_id},
                       headers=auth(token or staff_token(client, "station_xc")))


def test_an_invitation_goes_once_per_round_and_by_sms_without_a_subscription(
        client, make_person, worker, sms, db_session):
    zhou = _zhou_in_the_mini_program(make_person)
    _household_lists(client)
    round_id = _round(client)
    first, second = _invite(client, round_id), _invite(client, round_id)
    assert first.status_code == 200, first.get_json()
    assert {k: first.get_json()[k] for k in ("invited", "already_invited", "without_account")} \
        == {"invited": 1, "already_invited": 0, "without_account": 2}
    assert (second.get_json()["invited"], second.get_json()["already_invited"]) == (0, 1)
    [queued] = db_session.scalars(select(PushMessage).where(
        PushMessage.kind == "discovery_invitation")).all()
    assert queued.person_account_id == zhou.account_id
    assert queued.page == f"pages/campaigns/detail?id={round_id}"
    assert worker().run(once=True)["sent"] >= 1
    db_session.expire_all()
    row = db_session.get(PushMessage, queued.id)
    assert (row.status, row.channel, row.fallback_reason) == ("sent", "sms", "no_quota")
    [sent] = [m for m in sms.messages()["messages"]
              if m["template_code"] == "SMS_DEMO_DISCOVERY_INVITATION"]
    assert sent["params"]["item"] == "就业困难人员认定"
    # A new round invites again.
    assert _invite(client, _round(client, title="春风行动第二轮")).get_json()["invited"] == 1


def test_an_invitation_needs_a_live_round_of_ones_own_region(client, make_person):
    _zhou_in_the_mini_program(make_person)
    _household_lists(client)
    round_id = _round(client)
    elsewhere = _invite(client, round_id, token=staff_token(client, "station_hlr"))
    assert elsewhere.status_code == 404 and error_code(elsewhere) == "campaign.not_found"
    missing = _invite(client, 999999)
    assert missing.status_code == 404 and error_code(missing) == "campaign.not_found"
    bad = client.post(f"{DISCOVERIES}/invitations", json={"campaign_id": "abc"},
                      headers=auth(staff_token(client, "station_xc")))
    assert bad.status_code == 422


def test_a_round_that_is_over_invites_nobody(client, make_person, db_session):
    from app.campaigns.models import Campaign
    _zhou_in_the_mini_program(make_person)
    _household_lists(client)
    round_id = _round(client)
    campaign = db_session.get(Campaign, round_id)
    campaign.not_after = utcnow() - timedelta(minutes=1)
    db_session.commit()
    over = _invite(client, round_id)
    assert over.status_code == 409 and error_code(over) == "partners.campaign_over"
    assert over.get_json()["error"]["message"] == "该活动轮次已结束，不能再发送邀请"
    assert db_session.scalar(select(func.count()).select_from(PartnerInvitation)) == 0


def test_leaving_dibao_queues_the_phase_out_information_once(client, make_person, db_session):
    zhou = _zhou_in_the_mini_program(make_person)
    civil = staff_token(client, "civil_xc")
    today = local_today()
    upload(client, civil, as_csv([dibao(WOMAN, "刘芳"), dibao(MAN, "周强")]),
           as_of=today - timedelta(10))
    # A newer list: 周强 is gone, 刘芳's membership ended five days ago.
    later = as_csv([dibao(WOMAN, "刘芳", end=(today - timedelta(5)).isoformat())])
    answer = upload(client, civil, later, as_of=today - timedelta(1))
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["ended"], answer.get_json()["phase_outs"]) == (1, 2)
    assert upload(client, civil, later, as_of=today - timedelta(1)).status_code == 200
    newest = upload(client, civil, later + b"\r\n", as_of=today)
    assert newest.get_json()["phase_outs"] == 0  # the same ends, already known
    [message] = db_session.scalars(select(PushMessage).where(
        PushMessage.kind == "dibao_phase_out")).all()
    assert message.person_account_id == zhou.account_id
    assert db_session.scalar(select(func.count()).select_from(DibaoPhaseOut)) == 2
    listed = client.get("/api/v1/partners/dibao-phase-outs",
                        headers=auth(staff_token(client, "station_xc"))).get_json()["items"]
    assert sorted((i["name"], i["ended_on"], i["notified"]) for i in listed) == [
        ("刘*", (today - timedelta(5)).isoformat(), False),
        ("周*", (today - timedelta(1)).isoformat(), True)]
    hailar = client.get("/api/v1/partners/dibao-phase-outs",
                        headers=auth(staff_token(client, "station_hlr")))
    assert hailar.get_json()["items"] == []
    department = client.get("/api/v1/partners/dibao-phase-outs", headers=auth(civil))
    assert department.status_code == 403
