"""Checkpoints of the chain's head, kept outside the database.

A line `{"seq": …, "hash": …, "key_id": …, "at": …}` is appended to AUDIT_CHECKPOINT_FILE
(opened with O_APPEND, one write per line, fsynced) and the same facts go to the log stream.
Whoever can rewrite the database cannot rewrite these, so deleting the newest entries and
fixing the head is caught by `flask audit verify`, which compares against the latest line.
"""
import json
import logging
import os

from .chain import Checkpoint

log = logging.getLogger("app.audit.checkpoint")
_TAIL_BYTES = 64 * 1024


def append_checkpoint(path, checkpoint):
    """Append one line; O_APPEND means earlier lines are never rewritten by this process."""
    line = json.dumps({"seq": checkpoint.seq, "hash": checkpoint.hash,
                       "key_id": checkpoint.key_id, "at": checkpoint.at},
                      separators=(",", ":")) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("audit checkpoint seq=%d key_id=%s at=%s hash=%s", checkpoint.seq,
             checkpoint.key_id, checkpoint.at, _grouped(checkpoint.hash))


def _grouped(digest):
    """The hash in 8-character groups: the log filter redacts long digit runs (ID numbers,
    phones), which a hex digest can contain; groups keep the logged hash whole."""
    return "-".join(digest[i:i + 8] for i in range(0, len(digest), 8))


def read_latest_checkpoint(path):
    """The last complete line of the file, or None when the file does not exist (a torn last
    line, from a crash mid-write, is skipped). ValueError when nothing in it is readable."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - _TAIL_BYTES))
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    for raw in reversed(lines):
        checkpoint = _parse(raw)
        if checkpoint is not None:
            return checkpoint
    if not lines:
        return None
    raise ValueError(f"{path} holds no readable checkpoint line")


def _parse(raw):
    try:
        data = json.loads(raw)
        return Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]),
                          key_id=data.get("key_id"), at=str(data["at"]))
    except (ValueError, KeyError, TypeError):
        return None
