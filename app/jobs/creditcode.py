"""Unified social credit code (统一社会信用代码), GB 32100-2015. Pure: no Flask, no database.

18 characters from a 31-character alphabet (digits and capital letters without I, O, Z, S
and V): registration authority (1), organisation category (1), administrative division
code (6 digits), organisation code (9), check character (1). The check character makes
the weighted sum of all 18 values divisible by 31, with weights 3^(i-1) mod 31. Since 31
is prime and no weight is 0 mod 31, changing any one character always breaks the check.

Lower case is refused rather than upper-cased: the code is printed in capitals on every
business licence, so lower case signals a typing or OCR slip the clerk should look at.
"""
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: value for value, ch in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, ...
LENGTH = 18


class InvalidCreditCode(ValueError):
    """`reason` is one of: length, character, division, check."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def check_character(body):
    """The 18th character for the first 17 (which must already use the alphabet)."""
    if len(body) != LENGTH - 1:
        raise InvalidCreditCode("length")
    try:
        total = sum(VALUES[ch] * weight for ch, weight in zip(body, WEIGHTS))
    except KeyError:
        raise InvalidCreditCode("character") from None
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(raw):
    """Strip surrounding whitespace, as ID numbers are: a code pasted with a trailing space
    is the same code. Everything inside stays as typed, so a wrong letter is still refused."""
    return raw.strip() if isinstance(raw, str) else raw


def validate_credit_code(code):
    """Return the code unchanged when valid; raise InvalidCreditCode(reason) otherwise."""
    if not isinstance(code, str) or len(code) != LENGTH:
        raise InvalidCreditCode("length")
    if any(ch not in VALUES for ch in code):
        raise InvalidCreditCode("character")
    if not code[2:8].isdigit():
        raise InvalidCreditCode("division")
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode("check")
    return code


def is_valid_credit_code(code):
    try:
        validate_credit_code(code)
    except InvalidCreditCode:
        return False
    return True
