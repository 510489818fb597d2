"""Statutory retirement ages under the 2025 reform: known points of the official tables
(NPC Standing Committee decision of 2024-09-13, annexes 1-3) and the month arithmetic."""
from datetime import date

import pytest

from app.core.months import add_months, months_between
from app.policies.retirement import candidate_groups, retirement_age, retirement_date


@pytest.mark.parametrize("born, age, retires", [
    # Men, 60 -> 63, one month more every 4 months of birth from 1965-01.
    (date(1964, 12, 10), (60, 0), date(2024, 12, 10)),   # before the reform
    (date(1965, 1, 10), (60, 1), date(2025, 2, 10)),     # annex 1, first row: 1965-01..04
    (date(1965, 4, 30), (60, 1), date(2025, 5, 30)),
    (date(1965, 5, 1), (60, 2), date(2025, 7, 1)),       # 1965-05..08 -> 60y2m, 2025-07..10
    (date(1965, 12, 31), (60, 3), date(2026, 3, 31)),    # 1965-09..12 -> 60y3m, 2025-12..2026-03
    (date(1968, 6, 15), (60, 11), date(2029, 5, 15)),
    (date(1976, 8, 1), (62, 11), date(2039, 7, 1)),
    (date(1976, 9, 1), (63, 0), date(2039, 9, 1)),       # 1976-09 and later: 63
    (date(1976, 12, 1), (63, 0), date(2039, 12, 1)),
    (date(1990, 3, 3), (63, 0), date(2053, 3, 3)),
])
def test_men(born, age, retires):
    assert retirement_age("male_60", born) == age
    assert retirement_date("male_60", born) == retires


@pytest.mark.parametrize("born, age, retires", [
    (date(1969, 12, 1), (55, 0), date(2024, 12, 1)),
    (date(1970, 1, 1), (55, 1), date(2025, 2, 1)),       # annex 2, first row
    (date(1970, 5, 1), (55, 2), date(2025, 7, 1)),
    (date(1981, 8, 1), (57, 11), date(2039, 7, 1)),
    (date(1981, 9, 1), (58, 0), date(2039, 9, 1)),       # 1981-09 and later: 58
])
def test_women_from_55(born, age, retires):
    assert retirement_age("female_55", born) == age
    assert retirement_date("female_55", born) == retires


@pytest.mark.parametrize("born, age, retires", [
    (date(1974, 12, 1), (50, 0), date(2024, 12, 1)),
    (date(1975, 1, 1), (50, 1), date(2025, 2, 1)),       # annex 3: one month every 2 months
    (date(1975, 2, 28), (50, 1), date(2025, 3, 28)),
    (date(1975, 3, 1), (50, 2), date(2025, 5, 1)),
    (date(1984, 10, 1), (54, 11), date(2039, 9, 1)),
    (date(1984, 11, 1), (55, 0), date(2039, 11, 1)),     # 1984-11 and later: 55
    (date(1995, 7, 1), (55, 0), date(2050, 7, 1)),
])
def test_women_from_50(born, age, retires):
    assert retirement_age("female_50", born) == age
    assert retirement_date("female_50", born) == retires


def test_candidate_groups():
    assert [g.code for g in candidate_groups("male")] == ["male_60"]
    assert sorted(g.code for g in candidate_groups("female")) == ["female_50", "female_55"]
    assert [g.code for g in candidate_groups("female", 55)] == ["female_55"]
    assert candidate_groups("female", 60) == ()
    assert candidate_groups(None) == ()


def test_month_arithmetic():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
    assert months_between(date(2024, 3, 1), date(2025, 12, 1)) == 21
    assert months_between(date(2024, 3, 15), date(2024, 4, 14)) == 0
    assert months_between(date(2024, 3, 15), date(2024, 4, 15)) == 1
    assert months_between(date(2025, 1, 31), date(2025, 2, 28)) == 1
    assert months_between(date(2025, 5, 1), date(2025, 3, 1)) == -2
