"""Dynamic codes shown in the mini-program, usable offline (pure: no Flask, no database).

Like offline payment codes: when a device is registered the server gives it a random
per-device secret once; the mini-program then renders, every STEP seconds and without
network, `D1.<device_id>.<step>.<mac>` where mac = HMAC-SHA256(secret, "<device_id>.<step>")
truncated to 80 bits. Only the server (which keeps the secret encrypted) can verify it.
A code is accepted during its own step and the next one, so it dies at most 2 × STEP
seconds after it was drawn (60 s with STEP = 30): a screenshot is useless a minute later.
The code carries no personal data: the device id is random.
"""
import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "D1"
STEP_SECONDS = 30
ACCEPTED_STEPS = 2          # the current step and the one before it
MAC_CHARS = 16              # base32 characters = 80 bits
_FORMAT = re.compile(r"^D1\.([A-Z2-7]{16})\.(\d{1,12})\.([A-Z2-7]{16})$")


class DynamicCodeError(ValueError):
    """`reason`: malformed | expired | not_yet_valid | forged (stable, mapped to API codes)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DynamicCode:
    device_id: str
    step: int
    mac: str

    def __str__(self):
        return f"{PREFIX}.{self.device_id}.{self.step}.{self.mac}"


def new_device():
    """(device_id, secret): 80-bit random id and 256-bit secret, both base32 without padding."""
    device_id = base64.b32encode(secrets.token_bytes(10)).decode()
    secret = base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=")
    return device_id, secret


def step_at(unix_seconds):
    return int(unix_seconds) // STEP_SECONDS


def _mac(secret, device_id, step):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, f"{device_id}.{step}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:MAC_CHARS]


def draw_code(device_id, secret, unix_seconds):
    """What the mini-program renders at a given moment (the server can draw it too)."""
    step = step_at(unix_seconds)
    return DynamicCode(device_id, step, _mac(secret, device_id, step))


def parse_code(content):
    match = _FORMAT.match(content.strip()) if isinstance(content, str) else None
    if not match:
        raise DynamicCodeError("malformed")
    return DynamicCode(match.group(1), int(match.group(2)), match.group(3))


def verify_code(code, secret, unix_seconds):
    """Raise DynamicCodeError unless `code` is authentic and still within its window."""
    if not hmac.compare_digest(code.mac, _mac(secret, code.device_id, code.step)):
        raise DynamicCodeError("forged")
    age = step_at(unix_seconds) - code.step
    if age < 0:
        raise DynamicCodeError("not_yet_valid")
    if age >= ACCEPTED_STEPS:
        raise DynamicCodeError("expired")


def expires_at(code):
    """Unix time from which the server refuses the code."""
    return (code.step + ACCEPTED_STEPS) * STEP_SECONDS
