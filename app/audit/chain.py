"""The hash chain itself: pure, so it is tested without Flask or the database."""
import hashlib
import json

GENESIS = "0" * 64
FIELDS = ("seq", "occurred_at", "actor_type", "actor_id", "action", "target_type",
          "target_id", "result", "ip", "request_id", "details")


def entry_hash(prev_hash, entry):
    """SHA-256 over the previous hash and a canonical JSON of the entry's fields."""
    payload = {name: entry[name] for name in FIELDS}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def verify_chain(entries, head=None):
    """Walk entries in seq order; return a list of problems (empty when intact).

    `entries` yields dicts with FIELDS plus prev_hash and hash; `head` is the (seq, hash)
    the database says is the newest, so deleting the last rows is caught too.
    """
    problems = []
    prev_hash, expected_seq = GENESIS, 1
    for entry in entries:
        if entry["seq"] != expected_seq:
            problems.append(f"seq {expected_seq}: missing (next present is {entry['seq']})")
        if entry["prev_hash"] != prev_hash:
            problems.append(f"seq {entry['seq']}: link to previous entry broken")
        if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            problems.append(f"seq {entry['seq']}: content does not match its hash")
        prev_hash, expected_seq = entry["hash"], entry["seq"] + 1
    if head is not None and (head[0] != expected_seq - 1 or head[1] != prev_hash):
        problems.append(f"head says seq {head[0]}, chain ends at seq {expected_seq - 1}")
    return problems
