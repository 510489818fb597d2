"""The one month arithmetic (app.core.months): the two month counts differ only where a
month ends early, and that difference is kept on purpose (each rule set was written for it)."""
from datetime import date

from app.core.months import add_months, full_months, months_between


def test_clamped_end_of_month_counts_for_the_catalog_but_not_for_certification_facts():
    start, end = date(2025, 1, 31), date(2025, 2, 28)
    assert add_months(start, 1) == end
    assert months_between(start, end) == 1
    assert full_months(start, end) == 0


def test_the_counts_agree_away_from_month_ends():
    start = date(2024, 3, 15)
    for end in (date(2024, 3, 15), date(2024, 4, 14), date(2024, 4, 15), date(2026, 9, 30)):
        assert months_between(start, end) == full_months(start, end)


def test_earlier_end_is_negative_for_the_catalog_and_zero_for_facts():
    assert months_between(date(2025, 5, 1), date(2025, 3, 1)) == -2
    assert full_months(date(2025, 5, 1), date(2025, 3, 1)) == 0
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
