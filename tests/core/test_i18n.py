"""Text and Join: product text carried by pure modules and rendered at the edge."""
from datetime import date

import pytest

from app.core.i18n import N_, Join, Text, render_all


def identity(template):
    return template


def test_the_template_and_every_nested_text_are_translated_then_filled():
    seen = []
    catalog = {"{label}已享受至法定退休年龄": "until retirement: {label}",
               "社会保险补贴": "social insurance subsidy"}

    def translate(template):
        seen.append(template)
        return catalog.get(template, template)
    text = Text(N_("{label}已享受至法定退休年龄"), label=Text("社会保险补贴"))
    assert text.render(translate) == "until retirement: social insurance subsidy"
    assert seen == ["{label}已享受至法定退休年龄", "社会保险补贴"]
    assert text.render(identity) == "社会保险补贴已享受至法定退休年龄"


def test_a_translation_may_reorder_the_placeholders():
    text = Text(N_("{label}已累计享受{months_used}个月，达到{cap_months}个月上限"),
                label="L", months_used=30, cap_months=36)
    assert text.render(lambda t: "{cap_months}/{months_used} ({label})") == "36/30 (L)"


def test_placeholders_are_filled_by_name_only_and_once():
    text = Text("{a}|{b}|{a.__class__}|{0}|{}", a="{b}", b=date(2025, 1, 2))
    # A value with braces is not expanded again; unknown or odd placeholders stay as written.
    assert text.render(identity) == "{b}|2025-01-02|{a.__class__}|{0}|{}"


def test_an_empty_template_is_never_looked_up():
    # gettext("") answers the catalog's header.
    def translate(template):
        assert template, "empty msgid looked up"
        return template
    assert Text("").render(translate) == ""
    assert Join(["a", "b"], "").render(translate) == "ab"


def test_join_translates_its_separator_and_items():
    items = Join([Text("男"), "5", Join([Text("甲"), Text("乙")], "、")], "；")
    assert items.render(identity) == "男；5；甲、乙"
    assert items.render(lambda t: {"；": "; ", "、": ", "}.get(t, t.upper())) == "男; 5; 甲, 乙"


def test_texts_are_immutable_values():
    params = {"a": 1}
    text = Text("{a}", params)
    params["a"] = 2
    assert text.render(identity) == "1"
    with pytest.raises(AttributeError):
        text.template = "x"
    with pytest.raises(TypeError):
        text.params["a"] = 3
    with pytest.raises(AttributeError):
        Join([], "、").items = ()
    assert Text("{a}", a=1) == Text("{a}", {"a": 1}) and Text("{a}", a=1) != Text("{a}", a=2)
    assert len({Text("{a}", a=Text("x")), Text("{a}", a=Text("x")), Join(["x"], "、")}) == 2
    assert Text("x") != "x"


def test_render_all_walks_results():
    value = {"a": [Text("{n}个月", n=3), ("x", Join([1, 2], "、"))], "b": date(2025, 1, 1),
             "c": None}
    assert render_all(value, identity) == {"a": ["3个月", ["x", "1、2"]],
                                           "b": date(2025, 1, 1), "c": None}
