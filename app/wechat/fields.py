"""WeChat subscribe-message field rules: check a value and shorten it so WeChat accepts it.

Pure (no Flask, no database). WeChat rejects a whole message with 47003 when one value breaks
its type's rule (WECHAT.md "Subscribe messages"), so every value goes through `render()`
when the message is enqueued: free texts are cut (with "…" where the type allows it; a
phrase is a fixed status word and is never cut, it must fit), dates and
times are written the way WeChat wants them, and what cannot be made valid (a phrase
without Chinese, a number that is not a number) raises FieldValueError at once, in the
caller's transaction, instead of failing later in the worker.

Lengths count characters (code points), as WeChat documents them.
"""
import re
import unicodedata
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from app.core.clock import DISPLAY_TZ
from app.core.i18n import fixed

FIELD_TYPES = ("thing", "phrase", "name", "number", "letter", "character_string",
               "phone_number", "amount", "time", "date")

THING_MAX = 20
PHRASE_MAX = 5
NAME_CJK_MAX = 10
NAME_LATIN_MAX = 20
STRING_MAX = 32  # number, letter, character_string
PHONE_MAX = 17
AMOUNT_DIGITS_MAX = 10
ELLIPSIS = "…"

_CJK = re.compile(r"[\u3400-\u9fff]")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff]")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_NOT_LETTER = re.compile(r"[^A-Za-z]")
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_NOT_PHONE = re.compile(r"[^0-9+\-() ]")
_NOT_LATIN_NAME = re.compile(r"[^A-Za-z .'·-]")
_CURRENCY = "¥￥$€£"
YUAN = fixed("元")  # WeChat's amount field: currency sign or 元, as its rules define
_DATE_TEXT = (re.compile(fixed(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")),
              re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"))


class FieldValueError(ValueError):
    """A value that no shortening can make valid; `reason` is a stable word for programs."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def clean_text(value):
    """One line of visible text: control characters dropped, runs of blanks collapsed."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in str(value))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return re.sub(r"\s+", " ", text).strip()


def cut(text, limit, ellipsis=ELLIPSIS):
    """text itself when short enough, else its start plus the ellipsis, `limit` chars in all."""
    if len(text) <= limit:
        return text
    return text[:limit - len(ellipsis)].rstrip() + ellipsis if ellipsis else text[:limit]


def _require(text, reason="empty"):
    if not text:
        raise FieldValueError(reason)
    return text


def render_thing(value):
    """≤20 characters of any kind; longer text is cut with "…"."""
    return cut(_require(clean_text(value)), THING_MAX)


def render_phrase(value):
    """≤5 Chinese characters and nothing else; other characters are dropped.

    Never cut: a status word cut short says something else ("服务站已受理" -> "服务站已受"),
    so a longer phrase is refused (phrase_too_long) and every status word we ship is chosen
    to fit (tests/wechat/test_sent_values.py enumerates them).
    """
    text = _require(_NOT_CJK.sub("", clean_text(value)), "phrase_needs_chinese")
    if len(text) > PHRASE_MAX:
        raise FieldValueError("phrase_too_long")
    return text


def render_name(value):
    """A Chinese name ≤10 characters (no digits), or a Latin one ≤20 letters."""
    text = clean_text(value)
    if _CJK.search(text):
        # Chinese (mixed with letters counts as Chinese): Chinese, letters and the middle
        # dot of transliterated names only; cut without an ellipsis, which WeChat refuses.
        chinese = re.sub(r"[^\u3400-\u9fffA-Za-z·]", "", text)[:NAME_CJK_MAX]
        if _CJK.search(chinese):
            return chinese
    text = re.sub(r" +", " ", _NOT_LATIN_NAME.sub("", text)).strip()
    return _require(text)[:NAME_LATIN_MAX].rstrip()


def render_number(value):
    """Digits with an optional sign and decimals, ≤32 characters; never shortened."""
    if isinstance(value, bool):
        raise FieldValueError("not_a_number")
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = format(value, "f") if isinstance(value, Decimal) else clean_text(value)
    if not _NUMBER.fullmatch(text):
        raise FieldValueError("not_a_number")
    if len(text) > STRING_MAX:
        raise FieldValueError("number_too_long")
    return text


def render_letter(value):
    """≤32 Latin letters; other characters are dropped."""
    return _require(_NOT_LETTER.sub("", clean_text(value)))[:STRING_MAX]


def render_character_string(value):
    """≤32 printable ASCII characters (codes, numbers); others are dropped, the end cut."""
    text = _NOT_PRINTABLE_ASCII.sub("", clean_text(value)).strip()
    return cut(_require(text), STRING_MAX, "...")


def render_phone_number(value):
    """Digits and + - ( ) blanks, ≤17 characters; never shortened (a cut number is wrong)."""
    text = _NOT_PHONE.sub("", clean_text(value)).strip()
    if not any(ch.isdigit() for ch in text):
        raise FieldValueError("not_a_phone_number")
    if len(text) > PHONE_MAX:
        raise FieldValueError("phone_number_too_long")
    return text


def render_amount(value):
    """`1234.5` -> `1234.50元`; a currency sign or 元 in a text value is kept."""
    if isinstance(value, bool):
        raise FieldValueError("not_an_amount")
    prefix = suffix = ""
    if isinstance(value, str):
        text = clean_text(value).replace(",", "").replace(" ", "")
        if text[:1] and text[0] in _CURRENCY:
            prefix, text = text[0], text[1:]
        if text.endswith(YUAN):
            suffix, text = YUAN, text[:-1]
        value = text
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError, TypeError):
        raise FieldValueError("not_an_amount") from None
    if not amount.is_finite() or amount < 0:
        raise FieldValueError("not_an_amount")
    amount = amount.quantize(Decimal("0.01"))
    text = format(amount, "f")
    if text.endswith(".00"):
        text = text[:-3]
    if len(text.split(".")[0]) > AMOUNT_DIGITS_MAX:
        raise FieldValueError("amount_too_large")
    return f"{prefix}{text}{suffix or ('' if prefix else YUAN)}"


def _as_local(moment, tz):
    if moment.tzinfo is None:  # our convention: naive datetimes are UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz)


def _date_text(day):
    return fixed("{year}年{month}月{day}日").format(year=day.year, month=day.month, day=day.day)


def _parse_moment(value):
    """A datetime or a date from a Python value or an ISO / Chinese date text."""
    if isinstance(value, (datetime, date)):
        return value
    text = clean_text(value)
    for pattern in _DATE_TEXT:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                raise FieldValueError("not_a_date") from None
    chinese = re.fullmatch(fixed(r"(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{1,2}):(\d{2})"), text)
    try:
        if chinese:
            return datetime(*map(int, chinese.groups()), tzinfo=DISPLAY_TZ)
        return datetime.fromisoformat(text)
    except ValueError:
        raise FieldValueError("not_a_date") from None


def _range(value, render_one):
    """WeChat accepts `a~b` for time and date fields: pass a (start, end) pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise FieldValueError("range_needs_two_values")
        return f"{render_one(value[0])}~{render_one(value[1])}"
    return render_one(value)


def render_time(value, tz=DISPLAY_TZ):
    """A moment as `2026年11月28日 15:01` in Beijing time (aware values are converted)."""
    def one(item):
        moment = _parse_moment(item)
        if not isinstance(moment, datetime):
            raise FieldValueError("time_needs_a_time_of_day")
        local = _as_local(moment, tz)
        return f"{_date_text(local)} {local.hour:02d}:{local.minute:02d}"
    return _range(value, one)


def render_date(value, tz=DISPLAY_TZ):
    """A day as `2026年11月28日`; a datetime is taken in Beijing time first."""
    def one(item):
        moment = _parse_moment(item)
        if isinstance(moment, datetime):
            moment = _as_local(moment, tz).date()
        return _date_text(moment)
    return _range(value, one)


RENDERERS = {
    "thing": render_thing,
    "phrase": render_phrase,
    "name": render_name,
    "number": render_number,
    "letter": render_letter,
    "character_string": render_character_string,
    "phone_number": render_phone_number,
    "amount": render_amount,
    "time": render_time,
    "date": render_date,
}
assert set(RENDERERS) == set(FIELD_TYPES)


def render(field_type, value):
    """The value as WeChat accepts it for `field_type`, or FieldValueError."""
    if value is None:
        raise FieldValueError("empty")
    try:
        renderer = RENDERERS[field_type]
    except KeyError:
        raise ValueError(f"unknown WeChat field type {field_type!r}") from None
    return renderer(value)
