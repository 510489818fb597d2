"""Field encryption (AES-256-GCM) and HMAC blind index (SECURITY.md "Personal data" item 1).

Pure: no Flask, no database. Keys come from configuration, never from the database.
Error messages never include key material or plaintext.
"""
import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12  # 96-bit random nonce: GCM's native size
TAG_BYTES = 16
MIN_INDEX_KEY_BYTES = 16

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_TOKEN = re.compile(r"v1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]+)")
_BLOB_HEADER = re.compile(rb"v1\.([A-Za-z0-9_-]{1,16})\.")
_B64_ANY = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


class DecryptionError(Exception):
    """Token is malformed, tampered with, or sealed by a key we do not hold."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _associated_data(key_id: str) -> bytes:
    # Binds the version and key id to the ciphertext, so editing the header fails
    # even if two ids happen to share key material.
    return b"v1." + key_id.encode("ascii")


class FieldCipher:
    def __init__(self, keys: dict[str, bytes], active_key_id: str):
        if not keys:
            raise ValueError("at least one key is required")
        for key_id, key in keys.items():
            if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
                raise ValueError("key ids must match [A-Za-z0-9_-]{1,16}")
            if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be exactly {KEY_BYTES} bytes")
        if active_key_id not in keys:
            raise ValueError(f"active key {active_key_id!r} is not in the key ring")
        self._aead = {key_id: AESGCM(bytes(key)) for key_id, key in keys.items()}
        self.active_key_id = active_key_id

    def encrypt(self, plaintext: str) -> str:
        if not isinstance(plaintext, str):
            raise TypeError("plaintext must be str")
        key_id = self.active_key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[key_id].encrypt(
            nonce, plaintext.encode("utf-8"), _associated_data(key_id))
        return f"v1.{key_id}.{_b64url(nonce + sealed)}"

    def decrypt(self, token: str) -> str:
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            raise DecryptionError("malformed token")
        key_id, payload = match.groups()
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptionError("unknown key id")
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionError("malformed token") from None
        # Unpadded base64 has spare bits in its last char; reject non-canonical text so
        # that no edit to the token string can still decrypt.
        if _b64url(raw) != payload or len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("malformed token")
        try:
            plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id))
            return plain.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise DecryptionError("token failed authentication") from None

    def seal_bytes(self, data: bytes) -> bytes:
        """Encrypt a file's bytes: `v1.<key id>.` + nonce + ciphertext + tag (no base64)."""
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("data must be bytes")
        key_id = self.active_key_id
        nonce = os.urandom(NONCE_BYTES)
        header = f"v1.{key_id}.".encode("ascii")
        return header + nonce + self._aead[key_id].encrypt(
            nonce, bytes(data), _associated_data(key_id) + b".bytes")

    def open_bytes(self, blob: bytes) -> bytes:
        match = _BLOB_HEADER.match(blob) if isinstance(blob, (bytes, bytearray)) else None
        if match is None:
            raise DecryptionError("malformed blob")
        key_id = match.group(1).decode("ascii")
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptionError("unknown key id")
        raw = bytes(blob[match.end():])
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("malformed blob")
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                _associated_data(key_id) + b".bytes")
        except InvalidTag:
            raise DecryptionError("blob failed authentication") from None


def _decode_key(text: str, key_id: str) -> bytes:
    if not _B64_ANY.fullmatch(text) or (set(text) & set("+/") and set(text) & set("-_")):
        raise ValueError(f"key {key_id!r} is not base64 (standard or urlsafe)")
    body = text.rstrip("=").translate(str.maketrans("-_", "+/"))
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"key {key_id!r} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"key {key_id!r} decodes to {len(key)} bytes, need {KEY_BYTES}")
    return key


def parse_key_ring(spec: str) -> tuple[dict[str, bytes], str]:
    """`"k2:BASE64,k1:BASE64"` -> ({"k2": ..., "k1": ...}, "k2"). The first key is active;
    the others stay only to decrypt data written before a rotation."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("key ring is empty; expected 'id:base64key[,id:base64key...]'")
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(spec.split(","), start=1):
        key_id, sep, encoded = entry.strip().partition(":")
        key_id, encoded = key_id.strip(), encoded.strip()
        if not sep or not encoded:
            raise ValueError(f"key ring entry {position} must look like 'id:base64key'")
        if not _KEY_ID.fullmatch(key_id):
            raise ValueError(f"key ring entry {position}: id must match [A-Za-z0-9_-]{{1,16}}")
        if key_id in keys:
            raise ValueError(f"key ring entry {position}: duplicate key id {key_id!r}")
        keys[key_id] = _decode_key(encoded, key_id)
    return keys, next(iter(keys))


def normalize_for_index(value: str) -> str:
    return value.strip().upper()


def blind_index(value: str, key: bytes) -> str:
    """HMAC-SHA256 hex of an already-normalised value: equality lookup without plaintext.

    Keyed (not a bare hash) because an ID number has too little entropy: an unkeyed hash
    could be reversed by enumerating every plausible number.
    """
    return hmac.new(_index_key(key), value.encode("utf-8"), hashlib.sha256).hexdigest()


def blind_indexer(key):
    """blind_index(value, key) as a function for many values: the keyed HMAC state is made
    once and copied per value (a partner list's million rows)."""
    keyed = hmac.new(_index_key(key), digestmod=hashlib.sha256)

    def index(value):
        digest = keyed.copy()
        digest.update(value.encode("utf-8"))
        return digest.hexdigest()
    return index


def _index_key(key):
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_INDEX_KEY_BYTES:
        raise ValueError(f"blind index key must be at least {MIN_INDEX_KEY_BYTES} bytes")
    return bytes(key)


def generate_key() -> str:
    """A fresh 32-byte key as standard base64, for `DATA_ENCRYPTION_KEYS` entries."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")
