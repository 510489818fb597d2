"""Chinese resident ID number (GB 11643-1999, check char per ISO 7064 MOD 11-2).

Pure: no Flask, no database. A valid checksum does not prove the person exists; it only
catches typos before we store or look anything up.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

from .masking import mask_id_number

# Weight of position i (1..17) is 2**(18 - i) mod 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Not 1900: the standard's own example (440524188001010014) is born in 1880, and very old
# residents do hold 18-digit numbers. Anything earlier is a typo, not a person.
MIN_BIRTH_YEAR = 1850

# Explicit [0-9] rather than \d or str.isdigit(): both accept full-width and other Unicode
# digits, which would then reach int() and the database as "valid".
_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")
_RE_17 = re.compile(r"[0-9]{17}")

REASONS = frozenset({"format", "checksum", "birth_date", "early_birth_date", "future_birth_date"})


class InvalidIdNumber(ValueError):
    """`reason` is a stable string callers map to error codes.

    The message never contains the number itself, so the exception is safe to log.
    """

    def __init__(self, reason: str, message: str | None = None):
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(message or f"invalid ID number ({reason})")
        self.reason = reason


@dataclass(frozen=True, repr=False)
class IdNumber:
    number: str  # always the 18-char form
    address_code: str
    birth_date: date
    gender: str  # "male" | "female"
    sequence: str
    upgraded_from_15: bool

    def __repr__(self):
        # Keep full numbers out of logs and tracebacks (SECURITY.md item 5).
        return (f"IdNumber(number={mask_id_number(self.number)!r}, "
                f"upgraded_from_15={self.upgraded_from_15})")


def check_char(first17: str) -> str:
    if not isinstance(first17, str) or not _RE_17.fullmatch(first17):
        raise InvalidIdNumber("format", "check_char needs exactly 17 ASCII digits")
    s = sum(int(c) * w for c, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[s % 11]


def normalize_id_number(raw: str) -> str:
    """Strip surrounding whitespace and upper-case a trailing x; nothing else.

    Inner spaces and full-width digits are left in place so parsing rejects them: silently
    "fixing" them would hide data-entry problems.
    """
    if not isinstance(raw, str):
        raise InvalidIdNumber("format", "ID number must be a string")
    value = raw.strip()
    if value.endswith("x"):
        value = value[:-1] + "X"
    return value


def _birth_date(yyyymmdd: str, today: date) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidIdNumber("birth_date", "birth date is not a calendar date") from None
    if born.year < MIN_BIRTH_YEAR:
        raise InvalidIdNumber("early_birth_date", "birth year is implausibly early")
    if born > today:
        raise InvalidIdNumber("future_birth_date", "birth date is in the future")
    return born


def parse_id_number(raw: str, today: date) -> IdNumber:
    """Validate an 18-char or legacy 15-digit number; always returns the 18-char form.

    Checks run format -> date -> checksum, so a mistyped date reports the more helpful
    "birth_date" rather than "checksum".
    """
    if isinstance(today, datetime):  # datetime is a date subclass but does not compare
        today = today.date()
    value = normalize_id_number(raw)

    if _RE_18.fullmatch(value):
        upgraded = False
        born = _birth_date(value[6:14], today)
        if check_char(value[:17]) != value[17]:
            raise InvalidIdNumber("checksum", "check character does not match")
        number = value
    elif _RE_15.fullmatch(value):
        # Legacy numbers carry YYMMDD; GB 11643-1999 upgrades them by inserting "19"
        # and appending a computed check char, so there is no checksum to verify.
        upgraded = True
        first17 = value[:6] + "19" + value[6:]
        born = _birth_date(first17[6:14], today)
        number = first17 + check_char(first17)
    else:
        raise InvalidIdNumber("format", "expected 18 chars (17 digits + digit/X) or 15 digits")

    return IdNumber(
        number=number,
        address_code=number[:6],
        birth_date=born,
        gender="male" if int(number[16]) % 2 else "female",
        sequence=number[14:17],
        upgraded_from_15=upgraded,
    )


def age_on(birth: date, on: date) -> int:
    """Full years. A 29 February birthday counts as reached on 1 March in common years."""
    if on < birth:
        raise ValueError("date is before birth")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_inner_mongolia(address_code: str) -> bool:
    # GB/T 2260 province code 15 = Inner Mongolia Autonomous Region.
    return isinstance(address_code, str) and address_code.startswith("15")


def birth_and_gender(number: str) -> tuple[date, str]:
    """(birth date, gender) of an 18-character number parse_id_number accepted before (one
    stored after its check): read from its digits, not checked again."""
    return (date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            "male" if int(number[16]) % 2 else "female")
