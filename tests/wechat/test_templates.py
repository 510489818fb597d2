"""The message-kind catalog (pure: no Flask, no database)."""
import json
from datetime import date

import pytest

from app.wechat.templates import CATALOG_FILE, CatalogError, MessageDataError, load_catalog
from fakes.wechat import check_template_data

KINDS = {"application_progress", "application_result", "job_recommendation",
         "follow_up_reminder", "policy_expiring", "campaign_invitation", "event_invitation",
         "staff_daily_digest", "discovery_invitation", "dibao_phase_out"}


def test_the_shipped_catalog_has_every_kind():
    catalog = load_catalog()
    assert set(catalog.kinds) == KINDS
    assert catalog.version
    assert all(kind.template_id and kind.sms_template_code for kind in catalog.kinds.values())


def test_render_fills_defaults_and_passes_the_fake_wechat_rules():
    catalog = load_catalog()
    rendered = catalog.render("application_result", {
        "item": "就业困难人员认定申请（城镇登记失业一年以上人员类别）",
        "result": "已通过", "decided_on": date(2026, 11, 28)}, page_query={"id": 42})
    assert rendered.data == {
        "thing1": {"value": "就业困难人员认定申请（城镇登记失业一年…"},
        "phrase2": {"value": "已通过"},
        "date3": {"value": "2026年11月28日"},
        "thing4": {"value": "详情请在小程序中查看"},
    }
    assert rendered.page == "pages/applications/detail?id=42"
    assert rendered.sms_params == {"item": "就业困难人员认定申请（城镇登记失业一年…", "result": "已通过"}
    kind = catalog.get("application_result")
    assert check_template_data(rendered.data, kind.wechat_fields()) is None


@pytest.mark.parametrize("values, code, detail", [
    ({"result": "已通过", "decided_on": "2026-11-28"}, "push.missing_field", ["item"]),
    ({"item": "认定", "result": "已通过", "decided_on": "2026-11-28", "idcard": "x"},
     "push.unknown_field", ["idcard"]),
    ({"item": "认定", "result": "passed", "decided_on": "2026-11-28"}, "push.invalid_field",
     "result"),
])
def test_bad_values_are_refused_with_a_stable_code(values, code, detail):
    with pytest.raises(MessageDataError) as err:
        load_catalog().render("application_result", values)
    assert err.value.code == code
    assert detail in (err.value.details.get("fields"), err.value.details.get("field"))


def test_unknown_kind_and_bad_page_query():
    catalog = load_catalog()
    with pytest.raises(MessageDataError) as err:
        catalog.render("lottery_win", {})
    assert err.value.code == "push.unknown_kind"
    values = {"job": "保洁员", "employer": "某物业公司", "salary": "3000元/月", "location": "新城区"}
    with pytest.raises(MessageDataError) as err:
        catalog.render("job_recommendation", values, page_query={"id": ["a"]})
    assert err.value.code == "push.invalid_page_query"


def test_environment_overrides_template_ids_and_sms_codes():
    catalog = load_catalog(template_ids='{"job_recommendation": "RealTmplId_abc123"}',
                           sms_codes={"job_recommendation": "SMS_123456"})
    kind = catalog.get("job_recommendation")
    assert kind.template_id == "RealTmplId_abc123" and kind.sms_template_code == "SMS_123456"
    assert [k.name for k in catalog.kinds_for_template("RealTmplId_abc123")] == \
        ["job_recommendation"]
    with pytest.raises(CatalogError):
        load_catalog(template_ids='{"no_such_kind": "x"}')
    with pytest.raises(CatalogError):
        load_catalog(template_ids="not json")


def test_a_broken_catalog_file_is_refused(tmp_path):
    raw = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    raw["kinds"]["application_result"]["fields"][0]["key"] = "phrase1"  # type says thing
    broken = tmp_path / "templates.json"
    broken.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError):
        load_catalog(broken)
