"""The occupation list vacancies are filed under. Pure: no Flask, no database.

Reference data, not code: `data/occupations.csv` holds a short list of occupations that
small employers around the stations actually post, each with the major group of the
national occupation classification (职业分类大典: 3 clerical, 4 service, 5 farming and
herding, 6 production) and keywords that link a person's free-text skills and trades to it.
Codes are our own stable slugs, so the list can grow without renumbering.
"""
import csv
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "occupations.csv"


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str
    major_group: int
    keywords: tuple[str, ...]


def load_occupations(path=DATA_FILE):
    with open(path, encoding="utf-8") as handle:
        return {row["code"]: Occupation(row["code"], row["name"], int(row["major_group"]),
                                        tuple(k for k in row["keywords"].split("|") if k))
                for row in csv.DictReader(handle)}


OCCUPATIONS = load_occupations()


def occupation_name(code):
    occupation = OCCUPATIONS.get(code)
    return occupation.name if occupation else code
