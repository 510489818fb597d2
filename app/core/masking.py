"""Display masks applied to every response by default (SECURITY.md "Personal data" item 2).

Pure: no Flask, no database. Full values only leave through audited reveal endpoints.
Every mask accepts None and returns None so serializers can call it on optional fields.
"""
from .names import SEPARATORS


def _mask_fallback(value: str) -> str:
    # Unexpected shape: we cannot know which part is sensitive, so keep almost nothing.
    if len(value) >= 4:
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return "*" * len(value)


def mask_id_number(value: str | None) -> str | None:
    """`152101199001011234` -> `152***********1234` (first 3 and last 4 of 18 chars)."""
    if value is None:
        return None
    value = value.strip()
    if len(value) == 18:
        return value[:3] + "*" * 11 + value[-4:]
    return _mask_fallback(value)


def mask_phone(value: str | None) -> str | None:
    """`13812345678` -> `138****5678`."""
    if value is None:
        return None
    value = value.strip()
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    return _mask_fallback(value)


def mask_name(value: str | None) -> str | None:
    """Keep the first character: `张三` -> `张*`, `欧阳娜娜` -> `欧***`, `Tom` -> `T**`;
    separators stay, so `阿拉坦·巴根` -> `阿**·**` still reads as a two-part name.

    A one-character name would be shown whole by that rule, so it becomes `*`.
    """
    if value is None:
        return None
    value = value.strip()
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "".join(ch if ch in SEPARATORS else "*" for ch in value[1:])
