"""Pure helpers for the GB/T 2260 region tree (no Flask, no database).

Codes: 6 digits for region/league/banner level (GB/T 2260), 9 for townships/streets and
12 for villages/communities (statistical division codes). The tree is stored as a closure
table so that "everything under 150100" is one indexed lookup, not recursion.
"""
import csv
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "regions_150000.csv"
LEVELS = {1: "province", 2: "prefecture", 3: "county", 4: "township", 5: "village"}


def level_of(code):
    """1 region, 2 league/city, 3 banner/county, 4 township/street, 5 village/community."""
    if len(code) == 12:
        return 5
    if len(code) == 9:
        return 4
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValueError(f"not a division code: {code!r}")
    if code.endswith("0000"):
        return 1
    return 2 if code.endswith("00") else 3


def read_region_file(path=DATA_FILE):
    """Rows of (code, name, parent_code or None) from the shipped division list."""
    with open(path, encoding="utf-8") as handle:
        return [(row["code"], row["name"], row["parent_code"] or None)
                for row in csv.DictReader(handle)]


def closure_rows(regions):
    """(ancestor, descendant, depth) for every pair, self included, from (code, parent) pairs.

    Parents must come before their children, as they do in the shipped file.
    """
    ancestors = {}
    rows = []
    for code, parent in regions:
        chain = [code] + (ancestors[parent] if parent else [])
        ancestors[code] = chain
        rows.extend((ancestor, code, depth) for depth, ancestor in enumerate(chain))
    return rows
