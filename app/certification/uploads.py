"""Evidence files: checked by content, images rebuilt from pixels (SECURITY.md 16).

Pure: no Flask, no database. What passes:
- JPEG, PNG or PDF by magic bytes, with a file name whose every extension is harmless and
  whose last extension (and declared Content-Type, when given) agrees with the content;
- no markup or second file hidden inside (polyglots), nothing after the image's end marker;
- images within the pixel cap, decoded, oriented, shrunk to a sensible size and re-encoded
  from raw pixels, so EXIF (GPS), comments and any payload are gone;
- PDFs without scripts, launch actions or embedded files, also inside object streams
  (they are stored as sent: there is no safe re-encoder for PDF here).
"""
import hashlib
import re
import warnings
import zlib
from dataclasses import dataclass
from io import BytesIO


JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {"jpg": JPEG, "jpeg": JPEG, "png": PNG, "pdf": PDF}
DANGEROUS = {"php", "php3", "php4", "php5", "php7", "phtml", "phar", "pht", "jsp", "jspx",
             "asp", "aspx", "cer", "asa", "cgi", "pl", "py", "rb", "sh", "bash", "exe", "dll",
             "bat", "cmd", "com", "js", "mjs", "html", "htm", "xhtml", "shtml", "svg", "hta",
             "htaccess", "jar", "war", "swf", "vbs", "ps1"}
# Markup or a second file inside the parts of a file that are not compressed pixel data
# (5+ bytes each, so high-entropy data does not match by chance).
MARKUP = (b"<?php", b"<script", b"<html", b"<!doctype", b"<iframe", b"<body", b"<svg ",
          b"<svg>", b"<svg\n", b"javascript:")
SECOND_FILE = (b"%pdf-", b"pk\x03\x04", b"\x89png")  # an EXIF thumbnail is a JPEG: allowed
# PDF names that run code, open other files or carry files (after #xx decoding).
PDF_ACTIVE = {b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia",
              b"XFA", b"GoToE", b"SubmitForm", b"ImportData"}
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+-]|#[0-9A-Fa-f]{2}){2,40})")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm[^>]*>>\s*stream\r?\n")
PDF_INFLATE_CAP = 16 * 1024 * 1024
PNG_END = b"IEND\xaeB`\x82"
MAX_SIDE = 4096  # evidence photos need no more; also bounds memory while re-encoding
_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")


class UploadRefused(ValueError):
    """`code` is a stable suffix: evidence.<code>."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    sha256: str
    width: int | None = None
    height: int | None = None


def sniff(data):
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def check_filename(filename):
    """The type the name claims; refuses `x.php.jpg`, `x.jpg.exe` and names without a type."""
    if not filename or not _NAME.match(filename):
        raise UploadRefused("bad_filename")
    parts = [p.strip().lower() for p in filename.split(".")]
    if len(parts) < 2 or any(p in DANGEROUS for p in parts[1:]):
        raise UploadRefused("bad_filename")
    claimed = EXTENSIONS.get(parts[-1])
    if claimed is None:
        raise UploadRefused("unsupported_type")
    return claimed


def _jpeg_header(data):
    """Every segment before the compressed scan (APPn/EXIF, COM, tables)."""
    pos, parts = 2, []
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: compressed pixels follow
            return b"".join(parts)
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        parts.append(data[pos:pos + 2 + length])
        pos += 2 + length
    raise UploadRefused("corrupt")


def _png_ancillary(data):
    """Every chunk except compressed pixels; the file must end right after IEND."""
    pos, parts = 8, []
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if kind != b"IDAT":
            parts.append(data[pos + 4:end])
        if kind == b"IEND":
            if end != len(data):
                raise UploadRefused("polyglot")
            return b"".join(parts)
        pos = end
    raise UploadRefused("corrupt")


def _pdf_object_streams(data):
    """Decompressed object streams, where PDF 1.5+ may hide dictionaries (bounded)."""
    budget, out = PDF_INFLATE_CAP, []
    for match in _OBJSTM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[match.end():match.end() + budget + 1], budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        if budget <= 0:
            raise UploadRefused("too_large")
        out.append(chunk)
    return out


def _pdf_names(blob):
    for match in _PDF_NAME.finditer(blob):
        yield _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _refuse_hidden_content(data, kind):
    if kind == JPEG:
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise UploadRefused("polyglot")
        exposed = _jpeg_header(data)
    elif kind == PNG:
        exposed = _png_ancillary(data)
    else:
        exposed = data
        if not data.rstrip().endswith(b"%%EOF"):
            raise UploadRefused("polyglot")
    lowered = exposed.lower()
    markers = MARKUP + (SECOND_FILE if kind != PDF else ())
    if any(marker in lowered for marker in markers):
        raise UploadRefused("polyglot")
    if kind == PDF:
        for blob in [data, *_pdf_object_streams(data)]:
            if any(name in PDF_ACTIVE for name in _pdf_names(blob)):
                raise UploadRefused("pdf_active_content")


def _reencode(data, kind, max_pixels):
    # Pillow imported here, not at start-up: only evidence uploads need it in a web worker.
    from PIL import Image, ImageOps, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data))
            if Image.MIME.get(image.format) != kind:
                raise UploadRefused("type_mismatch")
            width, height = image.size
            if width * height > max_pixels:
                raise UploadRefused("too_many_pixels")
            if kind == JPEG:
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused("too_many_pixels") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise UploadRefused("corrupt") from None
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    mode = "RGBA" if kind == PNG and has_alpha else "RGB"
    pixels = image.convert(mode)
    # A fresh image from raw pixels carries no metadata at all (EXIF, XMP, ICC, text chunks).
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = BytesIO()
    if kind == JPEG:
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue(), clean.size


def inspect_upload(data, filename, declared_type=None, *, max_bytes, max_pixels):
    """Return a CleanFile ready to store, or raise UploadRefused with a stable code."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large")
    claimed = check_filename(filename)
    actual = sniff(data)
    if actual is None:
        raise UploadRefused("unsupported_type")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared in ("image/jpg", "image/pjpeg"):
        declared = JPEG
    if claimed != actual or (declared and declared != "application/octet-stream"
                             and declared != actual):
        raise UploadRefused("type_mismatch")
    _refuse_hidden_content(data, actual)
    if actual == PDF:
        return CleanFile(data, PDF, hashlib.sha256(data).hexdigest())
    cleaned, (width, height) = _reencode(data, actual, max_pixels)
    return CleanFile(cleaned, actual, hashlib.sha256(cleaned).hexdigest(), width, height)
