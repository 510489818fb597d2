"""Evidence checks: type by content, polyglots, pixel bombs, EXIF removal (pure)."""
import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from app.certification.uploads import JPEG, PDF, PNG, UploadRefused, inspect_upload

LIMITS = {"max_bytes": 2_000_000, "max_pixels": 4_000_000}
PDF_OK = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def jpeg(size=(64, 48), **save):
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", **save)
    return out.getvalue()


def png(size=(32, 32), **save):
    out = BytesIO()
    Image.new("RGBA", size, (0, 90, 200, 128)).save(out, "PNG", **save)
    return out.getvalue()


def refused(data, name, declared=None, **limits):
    with pytest.raises(UploadRefused) as info:
        inspect_upload(data, name, declared, **{**LIMITS, **limits})
    return info.value.code


def png_with_header(width, height):
    """A tiny file whose header claims an enormous image (a decompression bomb)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def test_jpeg_is_reencoded_without_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"      # Make
    exif[0x0110] = "Model X"         # Model
    exif[0x8825] = {1: "N", 2: (40.0, 50.0, 0.0), 3: "E", 4: (111.0, 40.0, 0.0)}  # GPS
    original = jpeg(exif=exif.tobytes())
    assert b"Exif" in original and b"PhoneMaker" in original
    clean = inspect_upload(original, "身份证.JPG", "image/jpeg", **LIMITS)
    assert clean.content_type == JPEG and (clean.width, clean.height) == (64, 48)
    assert b"Exif" not in clean.data and b"PhoneMaker" not in clean.data
    assert not Image.open(BytesIO(clean.data)).getexif()


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 某某小区")
    original = png(pnginfo=info)
    clean = inspect_upload(original, "scan.png", "image/png", **LIMITS)
    assert clean.content_type == PNG and b"Comment" not in clean.data


def test_plain_pdf_passes_unchanged():
    clean = inspect_upload(PDF_OK, "证明.pdf", "application/pdf", **LIMITS)
    assert clean.content_type == PDF and clean.data == PDF_OK


@pytest.mark.parametrize("name", ["photo.php.jpg", "photo.jpg.php", "x.PHP5.png",
                                  "a.phtml.pdf", "../../etc/passwd.jpg", "noext", "a.jsp.jpeg"])
def test_dangerous_names_are_refused(name):
    assert refused(jpeg(), name) in ("bad_filename", "unsupported_type")


def test_content_must_match_name_and_declared_type():
    assert refused(png(), "photo.jpg") == "type_mismatch"
    assert refused(jpeg(), "photo.jpg", "application/pdf") == "type_mismatch"
    assert refused(PDF_OK, "scan.png") == "type_mismatch"
    assert refused(b"<html><script>alert(1)</script></html>", "photo.jpg") == "unsupported_type"
    assert refused(b"GIF89a" + b"\x00" * 20, "photo.jpg") == "unsupported_type"


def test_polyglots_are_refused():
    assert refused(jpeg() + b"<?php system($_GET['c']); ?>", "a.jpg") == "polyglot"
    assert refused(jpeg(comment=b"<?php echo 1; ?>"), "a.jpg") == "polyglot"
    assert refused(jpeg(comment=b"%PDF-1.4 hidden"), "a.jpg") == "polyglot"
    assert refused(png() + b"PK\x03\x04zipdata", "a.png") == "polyglot"
    assert refused(PDF_OK.replace(b"%%EOF\n", b"%%EOF\n<html>"), "a.pdf") == "polyglot"
    assert refused(PDF_OK.replace(b"/Catalog", b"/Catalog /Note (<script>x</script>)"),
                   "a.pdf") == "polyglot"


def test_pdf_scripts_are_refused_even_encoded_or_compressed():
    js = PDF_OK.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    assert refused(js, "a.pdf") == "pdf_active_content"
    hex_named = PDF_OK.replace(b"/Catalog", b"/Catalog /OpenAction << /S /Java#53cript >>")
    assert refused(hex_named, "a.pdf") == "pdf_active_content"
    hidden = zlib.compress(b"2 0 << /S /Launch /F (cmd.exe) >>")
    objstm = (b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>\nstream\n" +
              hidden + b"\nendstream\nendobj\n")
    assert refused(PDF_OK.replace(b"trailer", objstm + b"trailer"), "a.pdf") == \
        "pdf_active_content"


def test_pixel_bombs_are_refused():
    assert refused(png_with_header(30000, 30000), "bomb.png") == "too_many_pixels"
    assert refused(png_with_header(200000, 200000), "bomb.png") == "too_many_pixels"
    assert refused(png(size=(2100, 2000)), "big.png") == "too_many_pixels"


def test_size_limits_and_broken_files():
    assert refused(b"", "a.jpg") == "empty"
    assert refused(jpeg(), "a.jpg", max_bytes=100) == "too_large"
    assert refused(jpeg()[:-200] + b"\xff\xd9", "a.jpg") == "corrupt"


def test_large_photos_are_shrunk():
    clean = inspect_upload(jpeg(size=(5000, 600)), "wide.jpg", **{**LIMITS,
                                                                "max_pixels": 10_000_000})
    assert max(clean.width, clean.height) <= 4096
