"""The audit chain itself: pure, so it is tested without Flask or the database.

Each entry carries `hash = HMAC-SHA-256(key, prev_hash + canonical JSON of its fields)` with a
key from configuration (AUDIT_CHAIN_KEYS), never from the database: someone who can write to
the database can edit rows but cannot compute the hashes that make them verify. `key_id`
names the key that signed the entry, so keys rotate like the field keys (app/core/crypto.py).

Entries written before the keyed chain (migration 0011) have `key_id` NULL and a bare
SHA-256; they stay valid only as a prefix: an unkeyed entry after a keyed one is refused, and
the first keyed entry binds the hash of the last unkeyed one.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64
FIELDS = ("seq", "occurred_at", "actor_type", "actor_id", "action", "target_type",
          "target_id", "result", "ip", "request_id", "details")


class ChainKeys:
    """The key ring: {key_id: key bytes}; the active key signs new entries."""

    def __init__(self, keys, active_key_id):
        if active_key_id not in keys:
            raise ValueError(f"active audit key {active_key_id!r} is not in the key ring")
        self._keys = {key_id: bytes(key) for key_id, key in keys.items()}
        self.active_key_id = active_key_id

    def __contains__(self, key_id):
        return key_id in self._keys

    def key(self, key_id):
        return self._keys[key_id]


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                            default=str)


def _canonical(entry, keyed):
    """Canonical JSON of the signed fields; `entry` is any mapping (a dict, a result row)
    whose occurred_at is an ISO string or an aware datetime."""
    payload = {name: entry[name] for name in FIELDS}
    if isinstance(payload["occurred_at"], datetime):
        payload["occurred_at"] = payload["occurred_at"].isoformat()
    if keyed:
        payload["key_id"] = entry["key_id"]
    return _ENCODER.encode(payload)


def legacy_hash(prev_hash, entry):
    """Unkeyed SHA-256 of entries written before migration 0011 (anyone can compute it)."""
    return hashlib.sha256((prev_hash + _canonical(entry, False)).encode("utf-8")).hexdigest()


def keyed_hash(prev_hash, entry, key):
    """HMAC-SHA-256 over the previous hash and the entry's fields, its key id included."""
    message = (prev_hash + _canonical(entry, True)).encode("utf-8")
    return hmac.digest(key, message, "sha256").hex()


def entry_hash(prev_hash, entry, keys):
    """The hash `entry` must carry: keyed by entry["key_id"], or legacy when it is None.
    Raises KeyError for a key id the ring does not hold."""
    if entry.get("key_id") is None:
        return legacy_hash(prev_hash, entry)
    return keyed_hash(prev_hash, entry, keys.key(entry["key_id"]))


@dataclass(frozen=True)
class Checkpoint:
    """The head as it was anchored outside the database at `at` (ISO time, UTC)."""
    seq: int
    hash: str
    key_id: str | None
    at: str


class ChainVerifier:
    """Walks entries in seq order one at a time (memory stays bounded whatever the length);
    `check` and `finish` return the problems found, each naming the seq it concerns."""

    def __init__(self, keys, checkpoint=None):
        self.keys = keys
        self.checkpoint = checkpoint
        self.checked = 0
        self.prev_hash, self.expected_seq, self.keyed_seen = GENESIS, 1, False
        self.checkpoint_seen = False

    def check(self, entry):
        problems = []
        seq = entry["seq"]
        if seq != self.expected_seq:
            problems.append(f"seq {self.expected_seq}: missing (next present is {seq})")
        if entry["prev_hash"] != self.prev_hash:
            problems.append(f"seq {seq}: link to previous entry broken")
        problems.extend(self._check_hash(entry))
        problems.extend(self._check_against_checkpoint(entry))
        self.checked += 1
        self.prev_hash, self.expected_seq = entry["hash"], seq + 1
        return problems

    def _check_hash(self, entry):
        seq, key_id = entry["seq"], entry.get("key_id")
        if key_id is None and self.keyed_seen:
            return [f"seq {seq}: unkeyed hash after keyed entries (rewritten without the key)"]
        if key_id is not None:
            self.keyed_seen = True
            if key_id not in self.keys:
                return [f"seq {seq}: signed with key {key_id!r}, which AUDIT_CHAIN_KEYS lacks"]
        if not hmac.compare_digest(entry_hash(entry["prev_hash"], entry, self.keys),
                                   entry["hash"]):
            return [f"seq {seq}: content does not match its hash"]
        return []

    def _check_against_checkpoint(self, entry):
        cp = self.checkpoint
        if cp is None or entry["seq"] != cp.seq:
            return []
        self.checkpoint_seen = True
        if entry["hash"] != cp.hash or entry.get("key_id") != cp.key_id:
            return [f"seq {cp.seq}: differs from the checkpoint of {cp.at}"]
        return []

    def finish(self, head=None):
        """Problems at the end of the chain: `head` is the database's (seq, hash)."""
        last_seq = self.expected_seq - 1
        problems = []
        if head is not None and (head[0] != last_seq or head[1] != self.prev_hash):
            problems.append(f"head says seq {head[0]}, chain ends at seq {last_seq}")
        cp = self.checkpoint
        if cp is not None:
            if head is not None and head[0] < cp.seq:
                problems.append(f"head seq {head[0]} is behind the checkpoint of {cp.at} "
                                f"(seq {cp.seq}): the newest entries were removed")
            if last_seq < cp.seq:
                problems.append(f"seq {last_seq + 1}..{cp.seq}: missing, the checkpoint of "
                                f"{cp.at} recorded seq {cp.seq}")
            elif cp.seq and not self.checkpoint_seen:
                problems.append(f"seq {cp.seq}: missing, recorded by the checkpoint of {cp.at}")
        return problems


def verify_chain(entries, keys, head=None, checkpoint=None):
    """Every problem of a whole chain, as a list (empty when intact): for small chains."""
    verifier = ChainVerifier(keys, checkpoint)
    problems = []
    for entry in entries:
        problems.extend(verifier.check(entry))
    return problems + verifier.finish(head)
