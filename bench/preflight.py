"""Checks that fail before any work starts: an unreachable database, a disk too small."""
import shutil

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from config import normalize_database_url

# Measured: 2.1 KB per person on PostgreSQL 15 with every generated table and index
# rounded up, so the check errs on the safe side.
BYTES_PER_PERSON = 3 * 1024


def require_database(url):
    url = normalize_database_url(url)
    if not url.startswith("postgresql"):
        raise SystemExit(f"benchmarks run on PostgreSQL; got {url.split(':', 1)[0]}")
    try:
        with create_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise SystemExit(f"database not reachable ({url.rsplit('@', 1)[-1]}): "
                         f"{str(exc.orig).strip().splitlines()[0]}")
    return url


def data_directory(url):
    with create_engine(url).connect() as conn:
        return conn.execute(text("SHOW data_directory")).scalar()


def require_disk(url, persons):
    """Refuse a size the database's disk cannot hold (with a 20 % margin)."""
    needed = int(persons * BYTES_PER_PERSON * 1.2)
    try:
        free = shutil.disk_usage(data_directory(url)).free
    except (OSError, Exception):  # noqa: BLE001 - a remote server: fall back to this disk
        free = shutil.disk_usage("/").free
    if needed > free:
        raise SystemExit(f"{persons:,} persons need about {needed / 2**30:.1f} GiB; only "
                         f"{free / 2**30:.1f} GiB free on the database disk")
