"""GB 32100-2015 check character: property tests over generated codes."""
import pytest
from hypothesis import given, strategies as st

from app.jobs.creditcode import (ALPHABET, InvalidCreditCode, check_character,
                                 is_valid_credit_code, validate_credit_code)

chars = st.sampled_from(ALPHABET)
digits = st.sampled_from("0123456789")


@st.composite
def valid_codes(draw):
    body = (draw(chars) + draw(chars) + "".join(draw(digits) for _ in range(6))
            + "".join(draw(chars) for _ in range(9)))
    return body + check_character(body)


def test_published_examples_pass():
    # Codes printed on real business licences (public registration data).
    assert is_valid_credit_code("91350100M000100Y43")
    assert is_valid_credit_code("91110000600037341L")


@given(valid_codes())
def test_generated_valid_codes_pass(code):
    assert validate_credit_code(code) == code


@given(valid_codes(), st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_substitution_fails(code, position, replacement):
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = code[:position] + replacement + code[position + 1:]
    assert not is_valid_credit_code(changed)


@given(valid_codes(), st.integers(0, 17),
       st.sampled_from("IOZSV") | st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")))
def test_forbidden_letters_and_lower_case_are_refused(code, position, bad):
    changed = code[:position] + bad + code[position + 1:]
    with pytest.raises(InvalidCreditCode) as caught:
        validate_credit_code(changed)
    assert caught.value.reason == "character"


@given(valid_codes())
def test_lower_case_of_a_valid_code_is_refused(code):
    if code.lower() != code:
        assert not is_valid_credit_code(code.lower())


@pytest.mark.parametrize("code, reason", [
    ("", "length"), ("91350100M000100Y4", "length"), ("91350100M000100Y433", "length"),
    (None, "length"), ("91A50100M000100Y43", "division"), ("91350100M000100Y44", "check"),
])
def test_reasons(code, reason):
    with pytest.raises(InvalidCreditCode) as caught:
        validate_credit_code(code)
    assert caught.value.reason == reason
