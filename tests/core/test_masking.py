"""Display masks: exact shapes from SECURITY.md, and nothing a leak scanner would catch."""
import re

import pytest
from hypothesis import given, strategies as st

from app.core.masking import mask_id_number, mask_name, mask_phone

# The same patterns the response hook in SECURITY.md item 2 greps for.
LEAK = re.compile(r"\d{17}[\dX]|1\d{10}")


def test_id_number_shape():
    assert mask_id_number("15210119900101123X") == "152***********123X"
    assert mask_id_number("11010519491231002X") == "110***********002X"


def test_phone_shape():
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("name,masked", [
    ("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "*"), ("Tom", "T**"), ("", ""),
])
def test_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_name])
def test_none_passes_through(mask):
    assert mask(None) is None


@pytest.mark.parametrize("value,masked", [
    ("110105491231002", "1*************2"),  # legacy 15-digit ID
    ("1234", "1**4"),
    ("123", "***"),
    ("", ""),
])
def test_id_other_lengths_keep_almost_nothing(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize("value,masked", [
    ("+8613812345678", "+************8"), ("010-1234", "0******4"), ("110", "***"),
])
def test_phone_other_lengths_keep_almost_nothing(value, masked):
    assert mask_phone(value) == masked


@given(st.text(alphabet="0123456789X", max_size=30))
def test_masked_ids_never_look_like_ids_or_phones(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert not LEAK.search(masked)


@given(st.text(alphabet="0123456789+", max_size=30))
def test_masked_phones_never_look_like_ids_or_phones(value):
    masked = mask_phone(value)
    assert len(masked) == len(value)
    assert not LEAK.search(masked)
