"""WeChat field rules (pure: no Flask, no database). The fake WeChat server's own rules are
the oracle: whatever render() returns, the fake (like WeChat) must accept."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from app.wechat.fields import FIELD_TYPES, FieldValueError, render
from fakes.wechat import FIELD_RULES


def accepted(field_type, value):
    return FIELD_RULES[field_type](value)


def test_every_field_type_has_a_rule_at_the_fake():
    assert set(FIELD_TYPES) <= set(FIELD_RULES)


def test_thing_is_cut_to_twenty_characters_with_an_ellipsis():
    text = "内蒙古自治区呼和浩特市新城区海拉尔东路街道示范社区家门口就业服务站"
    out = render("thing", text)
    assert len(out) == 20 and out.endswith("…") and out.startswith("内蒙古自治区呼和浩特市")
    assert accepted("thing", out)
    assert render("thing", "就业困难人员认定") == "就业困难人员认定"


def test_thing_drops_line_breaks_and_control_characters():
    assert render("thing", " 第一行\n第二行\t\x00 ") == "第一行 第二行"


def test_phrase_keeps_at_most_five_chinese_characters_and_is_never_cut():
    assert render("phrase", "已通过") == "已通过"
    assert render("phrase", "审核未通过") == "审核未通过"
    assert render("phrase", "OK 已通过!") == "已通过"
    for too_long in ("审核未通过了吧", "服务站已受理"):
        with pytest.raises(FieldValueError) as err:
            render("phrase", too_long)
        assert err.value.reason == "phrase_too_long"
    with pytest.raises(FieldValueError) as err:
        render("phrase", "approved")
    assert err.value.reason == "phrase_needs_chinese"


def test_names():
    assert render("name", "张三") == "张三"
    assert render("name", "阿卜杜热合曼·买买提艾力江") == "阿卜杜热合曼·买买提"
    assert render("name", "王5") == "王"
    assert render("name", "Alexander Christopher Smith") == "Alexander Christophe"
    for value in ("阿卜杜热合曼·买买提艾力江", "王5", "Alexander Christopher Smith"):
        assert accepted("name", render("name", value))


def test_dates_and_times_are_written_the_wechat_way_in_beijing_time():
    assert render("date", date(2026, 11, 28)) == "2026年11月28日"
    assert render("date", "2026-01-05") == "2026年1月5日"
    # 16:30 UTC is already the next day in Beijing
    assert render("date", datetime(2026, 11, 27, 16, 30, tzinfo=timezone.utc)) == "2026年11月28日"
    assert render("time", datetime(2026, 11, 28, 7, 1, tzinfo=timezone.utc)) == \
        "2026年11月28日 15:01"
    assert render("time", "2026-11-28T15:01:00+08:00") == "2026年11月28日 15:01"
    assert render("time", "2026年11月28日 15:01") == "2026年11月28日 15:01"
    moment = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)
    later = datetime(2026, 11, 28, 3, 30, tzinfo=timezone.utc)
    assert render("time", (moment, later)) == "2026年11月28日 09:00~2026年11月28日 11:30"
    for value in ("2026年11月28日", "2026年11月28日 09:00~2026年11月28日 11:30"):
        assert accepted("date", value)
    with pytest.raises(FieldValueError):
        render("time", date(2026, 11, 28))
    with pytest.raises(FieldValueError):
        render("date", "2026-02-30")
    with pytest.raises(FieldValueError):
        render("date", "next tuesday")


def test_amounts():
    assert render("amount", Decimal("1234.5")) == "1234.50元"
    assert render("amount", 800) == "800元"
    assert render("amount", "¥1,200.00") == "¥1200"
    assert render("amount", "300元") == "300元"
    for value in (Decimal("1234.5"), 800, "¥1,200.00"):
        assert accepted("amount", render("amount", value))
    for bad in (-1, "abc", 10 ** 11, True):
        with pytest.raises(FieldValueError):
            render("amount", bad)


def test_numbers_strings_and_phone_numbers():
    assert render("number", 42) == "42"
    assert render("number", Decimal("3.50")) == "3.50"
    with pytest.raises(FieldValueError):
        render("number", "forty-two")
    assert render("character_string", "受理编号 SQ-2026-000123") == "SQ-2026-000123"
    long_code = "A" * 40
    assert render("character_string", long_code) == "A" * 29 + "..."
    assert render("letter", "abc-123-XYZ") == "abcXYZ"
    assert render("phone_number", "0471-6900001") == "0471-6900001"
    with pytest.raises(FieldValueError):
        render("phone_number", "0471-6900001 转 8888 或 0471-6900002")
    with pytest.raises(FieldValueError):
        render("thing", "   ")
    with pytest.raises(FieldValueError):
        render("thing", None)


@settings(max_examples=300, deadline=None)
@given(field_type=st.sampled_from(["thing", "phrase", "name", "letter", "character_string"]),
       text=st.text(max_size=80))
def test_any_text_comes_out_valid_or_is_refused(field_type, text):
    try:
        out = render(field_type, text)
    except FieldValueError:
        return
    assert accepted(field_type, out), (field_type, text, out)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31),
                    timezones=st.just(timezone.utc)))
def test_any_moment_is_a_valid_time_and_date(moment):
    assert accepted("time", render("time", moment))
    assert accepted("date", render("date", moment))


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2))
def test_any_amount_in_range_is_valid(amount):
    assert accepted("amount", render("amount", amount))
