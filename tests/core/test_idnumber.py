"""Resident ID numbers: fixed examples from SECURITY.md plus Hypothesis properties."""
from datetime import date, datetime

import pytest
from hypothesis import given, strategies as st

from app.core.idnumber import (
    WEIGHTS, IdNumber, InvalidIdNumber, age_on, birth_and_gender, check_char, is_inner_mongolia,
    normalize_id_number, parse_id_number,
)

# Fixed so that runs are reproducible; "today" is always passed in, never read.
TODAY = date(2025, 6, 15)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def make_id(address: str, yyyymmdd: str, sequence: str) -> str:
    first17 = address + yyyymmdd + sequence
    return first17 + check_char(first17)


def reason_of(raw, today=TODAY):
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(raw, today)
    return info.value.reason


addresses = st.integers(0, 999_999).map(lambda n: f"{n:06d}")
sequences = st.integers(0, 999).map(lambda n: f"{n:03d}")
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@st.composite
def valid_ids(draw):
    born = draw(births)
    return make_id(draw(addresses), born.strftime("%Y%m%d"), draw(sequences)), born


# ---- fixed examples -------------------------------------------------------------------

def test_weights_are_powers_of_two_mod_11():
    assert WEIGHTS == tuple(2 ** (17 - i) % 11 for i in range(17))


def test_official_example_female_1949():
    parsed = parse_id_number("11010519491231002X", TODAY)
    assert parsed == IdNumber("11010519491231002X", "110105", date(1949, 12, 31),
                              "female", "002", False)


def test_official_example_born_1880_is_accepted_as_male():
    parsed = parse_id_number("440524188001010014", TODAY)
    assert parsed.birth_date == date(1880, 1, 1)
    assert parsed.gender == "male"


def test_official_invalid_example_fails_checksum():
    assert reason_of("360426199101010072") == "checksum"


def test_lower_case_x_and_surrounding_whitespace_accepted():
    assert normalize_id_number("  11010519491231002x\n") == "11010519491231002X"
    assert parse_id_number(" 11010519491231002x ", TODAY).number == "11010519491231002X"


@pytest.mark.parametrize("yyyymmdd,ok", [
    ("20000229", True),   # divisible by 400: leap
    ("19960229", True),
    ("19000229", False),  # divisible by 100 only: not leap
    ("19990229", False),
    ("19990230", False),
    ("19991301", False),
    ("19990001", False),
    ("19990100", False),
])
def test_calendar_dates(yyyymmdd, ok):
    number = make_id("110105", yyyymmdd, "001")
    if ok:
        assert parse_id_number(number, TODAY).birth_date.strftime("%Y%m%d") == yyyymmdd
    else:
        assert reason_of(number) == "birth_date"


def test_birth_before_1850_rejected():
    assert reason_of(make_id("110105", "18491231", "001")) == "early_birth_date"
    assert parse_id_number(make_id("110105", "18500101", "001"), TODAY).birth_date.year == 1850


def test_future_birth_date_rejected_but_today_allowed():
    assert reason_of(make_id("110105", "20250616", "001")) == "future_birth_date"
    assert parse_id_number(make_id("110105", "20250615", "001"), TODAY).birth_date == TODAY


def test_today_may_be_a_datetime():
    parsed = parse_id_number("11010519491231002X", datetime(2025, 1, 1, 12, 0))
    assert parsed.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize("raw", [
    "", "X", "11010519491231002", "110105194912310021X", "11010519491231002Y",
    "1101051949123100 2X", "X1010519491231002X", "110105194912310X2X",
    "11010549123100X",  # 15-digit form has no check char
    "11010519491231002X".translate(FULLWIDTH), "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
])
def test_format_errors(raw):
    assert reason_of(raw) == "format"


def test_non_string_is_format_error():
    assert reason_of(None) == "format"
    assert reason_of(11010519491231002) == "format"


def test_legacy_15_digit_upgrade_fixed():
    parsed = parse_id_number("110105491231002", TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.upgraded_from_15 and parsed.gender == "female"
    assert reason_of("110105490230002") == "birth_date"


def test_check_char_rejects_bad_input():
    assert check_char("11010519491231002") == "X"
    with pytest.raises(InvalidIdNumber):
        check_char("1101051949123100")


def test_age_on():
    born = date(1949, 12, 31)
    assert age_on(born, date(2019, 12, 30)) == 69
    assert age_on(born, date(2019, 12, 31)) == 70
    leapling = date(2000, 2, 29)
    assert age_on(leapling, date(2001, 2, 28)) == 0
    assert age_on(leapling, date(2001, 3, 1)) == 1
    assert age_on(leapling, date(2004, 2, 29)) == 4
    with pytest.raises(ValueError):
        age_on(born, date(1949, 12, 30))


def test_is_inner_mongolia():
    assert is_inner_mongolia("150102")
    assert not is_inner_mongolia("110105")
    assert not is_inner_mongolia("51")
    assert parse_id_number(make_id("152101", "19900101", "123"), TODAY).address_code == "152101"


def test_repr_and_errors_do_not_leak_the_number():
    parsed = parse_id_number("11010519491231002X", TODAY)
    assert "11010519491231002X" not in repr(parsed)
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number("360426199101010072", TODAY)
    assert "360426199101010072" not in str(info.value)


# ---- properties -----------------------------------------------------------------------

@given(valid_ids())
def test_generated_valid_numbers_parse(case):
    number, born = case
    parsed = parse_id_number(number, TODAY)
    assert parsed.number == number
    assert parsed.birth_date == born
    assert parsed.gender == ("male" if int(number[16]) % 2 else "female")
    assert parsed.sequence == number[14:17] and parsed.address_code == number[:6]
    assert not parsed.upgraded_from_15


@given(valid_ids(), st.integers(0, 17), st.data())
def test_any_single_char_change_is_rejected(case, position, data):
    number, _ = case
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    mutated = number[:position] + replacement + number[position + 1:]
    reason = reason_of(mutated)
    # Every weight is non-zero mod 11 (a prime), so a one-digit change always moves S.
    if 6 <= position < 14:
        assert reason in {"checksum", "birth_date", "early_birth_date", "future_birth_date"}
    else:
        assert reason == "checksum"


@given(addresses, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
       sequences)
def test_15_digit_numbers_upgrade(address, born, sequence):
    legacy = address + born.strftime("%y%m%d") + sequence
    parsed = parse_id_number(legacy, TODAY)
    assert parsed.upgraded_from_15
    assert len(parsed.number) == 18
    assert parsed.number[:6] == address and parsed.number[6:14] == born.strftime("%Y%m%d")
    assert parsed.gender == ("male" if int(sequence[-1]) % 2 else "female")
    again = parse_id_number(parsed.number, TODAY)
    assert (again.birth_date, again.gender, again.upgraded_from_15) == (born, parsed.gender, False)


@given(valid_ids())
def test_full_width_digits_rejected(case):
    number, _ = case
    assert reason_of(number.translate(FULLWIDTH)) == "format"


@given(st.text(alphabet="0123456789", max_size=25).filter(lambda s: len(s) not in (15, 18)))
def test_wrong_lengths_rejected(digits):
    assert reason_of(digits) == "format"


@given(valid_ids(), st.integers(0, 16),
       st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZxyz -/"))
def test_letters_inside_rejected(case, position, letter):
    number, _ = case
    assert reason_of(number[:position] + letter + number[position + 1:]) == "format"


@given(valid_ids())
def test_birth_and_gender_of_a_stored_number_are_those_the_parser_gives(case):
    number, born = case
    parsed = parse_id_number(number, TODAY)
    assert birth_and_gender(parsed.number) == (parsed.birth_date, parsed.gender)
    assert birth_and_gender(parsed.number)[0] == born


def test_birth_and_gender_of_an_upgraded_15_digit_number():
    parsed = parse_id_number("150102800820062", TODAY)
    assert birth_and_gender(parsed.number) == (date(1980, 8, 20), "female") == \
        (parsed.birth_date, parsed.gender)  # sex digit 2: even
