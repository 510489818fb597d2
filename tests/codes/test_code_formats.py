"""Pure code formats (SECURITY.md 18-19): dynamic codes die within 60 s, printed codes are
opaque and rotatable, and every image decodes with an independent decoder (zxing-cpp)."""
import io

import cairosvg
import pytest
import zxingcpp
from hypothesis import given, strategies as st
from PIL import Image

from app.codes.dynamic import (STEP_SECONDS, DynamicCodeError, draw_code, expires_at, new_device,
                               parse_code, verify_code)
from app.codes.images import qr_png, qr_svg
from app.codes.printed import (PrintedCodeError, code_url, hash_token, new_printed_code,
                               parse_printed, scene_of)

NOW = 1_795_000_000


def _decode(image):
    return [result.text for result in zxingcpp.read_barcodes(image)]


@given(st.integers(min_value=0, max_value=2 * STEP_SECONDS - 1),
       st.integers(min_value=1_600_000_000, max_value=2_000_000_000))
def test_a_drawn_code_is_accepted_for_less_than_a_minute(offset, drawn_at):
    device_id, secret = new_device()
    code = draw_code(device_id, secret, drawn_at)
    assert STEP_SECONDS < expires_at(code) - drawn_at <= 2 * STEP_SECONDS
    if drawn_at + offset < expires_at(code):
        verify_code(parse_code(str(code)), secret, drawn_at + offset)
    else:
        with pytest.raises(DynamicCodeError):
            verify_code(parse_code(str(code)), secret, drawn_at + offset)


def test_a_screenshot_is_refused_61_seconds_later():
    device_id, secret = new_device()
    code = draw_code(device_id, secret, NOW)
    verify_code(code, secret, NOW + 1)
    with pytest.raises(DynamicCodeError) as refused:
        verify_code(code, secret, NOW + 61)
    assert refused.value.reason == "expired"


def test_forged_and_future_codes_are_refused():
    device_id, secret = new_device()
    _, other_secret = new_device()
    with pytest.raises(DynamicCodeError) as forged:
        verify_code(draw_code(device_id, other_secret, NOW), secret, NOW)
    assert forged.value.reason == "forged"
    with pytest.raises(DynamicCodeError) as future:
        verify_code(draw_code(device_id, secret, NOW + 300), secret, NOW)
    assert future.value.reason == "not_yet_valid"


@pytest.mark.parametrize("content", ["", "D1", "D1.abc.1.x", "P1.short", None, "D1." + "A" * 90,
                                     "d1.AAAAAAAAAAAAAAAA.1.AAAAAAAAAAAAAAAA"])
def test_malformed_dynamic_codes(content):
    with pytest.raises(DynamicCodeError) as refused:
        parse_code(content)
    assert refused.value.reason == "malformed"


def test_printed_code_is_opaque_versioned_and_fits_a_wechat_scene():
    code = new_printed_code(3)
    assert len(code.token) == 22 and str(code).startswith("P3.")  # 128 random bits
    assert len(scene_of(code)) <= 32
    assert parse_printed(str(code)) == code
    assert parse_printed(code_url("https://jy.example.cn/", code)) == code
    assert code.token_hash == hash_token(code.token) and code.token not in code.token_hash
    assert new_printed_code(3).token != code.token


@pytest.mark.parametrize("content", ["P0.aaaaaaaaaaaaaaaaaaaaaa", "P1.short", "https://x/c/",
                                     "P1.aaaaaaaaaaaaaaaaaaaaa%", 42])
def test_malformed_printed_codes(content):
    with pytest.raises(PrintedCodeError):
        parse_printed(content)


def test_png_and_svg_decode_to_the_url_and_hold_no_personal_data():
    code = new_printed_code(1)
    url = code_url("https://jy.example.cn", code)
    png = Image.open(io.BytesIO(qr_png(url)))
    svg = Image.open(io.BytesIO(cairosvg.svg2png(bytestring=qr_svg(url), output_width=400,
                                                 background_color="white")))
    assert _decode(png) == [url] and _decode(svg) == [url]
    assert url.rsplit("/", 1)[-1] == str(code)
