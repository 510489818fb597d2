"""Statements per request for `make bench`: a counter of SQL statements per worker process.

Off unless BENCH_STATS_DIR is set (only bench/run.py sets it). Each worker then counts every
statement it sends (SQLAlchemy's before_cursor_execute: queries, inserts, the rate limiter's
upserts; not BEGIN or COMMIT, which psycopg sends without a cursor) into an 8-byte file
`<pid>` in that directory, mapped into memory so counting costs no system call. The bench
reads the files before and after each row and divides by the requests wrk made.

Why not the database's counters: pg_stat_statements is not preloaded on this machine kind,
and pg_stat_database counts transactions and tuples of every client (the baseline, the
bench's own preparation, other work), not statements of our workers.
"""
import mmap
import os
import struct
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_FORMAT = "<Q"


class StatementCounter:
    def __init__(self, path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, struct.calcsize(_FORMAT))
            self._map = mmap.mmap(fd, struct.calcsize(_FORMAT))
        finally:
            os.close(fd)
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1
        struct.pack_into(_FORMAT, self._map, 0, self.count)


def install_statement_counter(app):
    directory = app.config.get("BENCH_STATS_DIR")
    if not directory:
        return None
    Path(directory).mkdir(parents=True, exist_ok=True)
    counter = StatementCounter(Path(directory) / str(os.getpid()))
    event.listen(Engine, "before_cursor_execute", counter)
    return counter


def read_statement_counts(directory):
    """{pid: statements so far} of every worker that counted into `directory`."""
    counts = {}
    for path in Path(directory).glob("[0-9]*"):
        data = path.read_bytes()
        if len(data) == struct.calcsize(_FORMAT):
            counts[int(path.name)] = struct.unpack(_FORMAT, data)[0]
    return counts
