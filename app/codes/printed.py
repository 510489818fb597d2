"""Printed codes for people without a smartphone (pure: no Flask, no database).

The card carries `P<version>.<token>`: a 128-bit random token (only its SHA-256 is stored)
and the code's version, so that a lost card is rotated and the old one stops at once. The
same text is the `scene` of the WeChat mini-program code (≤32 chars of WeChat's alphabet)
and the last part of the URL in the plain QR image.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass

_FORMAT = re.compile(r"^P([1-9]\d{0,5})\.([A-Za-z0-9_-]{22})$")
_URL_TAIL = re.compile(r"/c/(P[^/?#]+)$")
SCENE_ALPHABET = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")


class PrintedCodeError(ValueError):
    def __init__(self, reason="malformed"):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PrintedCode:
    version: int
    token: str

    def __str__(self):
        return f"P{self.version}.{self.token}"

    @property
    def token_hash(self):
        return hash_token(self.token)


def new_printed_code(version):
    return PrintedCode(version, secrets.token_urlsafe(16))


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def parse_printed(content):
    """Accepts the bare text (scene) or the URL printed in the QR image."""
    if not isinstance(content, str):
        raise PrintedCodeError()
    content = content.strip()
    tail = _URL_TAIL.search(content)
    match = _FORMAT.match(tail.group(1) if tail else content)
    if not match:
        raise PrintedCodeError()
    return PrintedCode(int(match.group(1)), match.group(2))


def code_url(base_url, code):
    return f"{base_url.rstrip('/')}/c/{code}"


def scene_of(code):
    scene = str(code)
    if not SCENE_ALPHABET.match(scene):
        raise PrintedCodeError("scene")
    return scene
