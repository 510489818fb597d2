"""The row checks: the checker made once per file gives exactly what the general parser
gives for every ID number, the usual form (its fast path) and every other one."""
from datetime import date

from hypothesis import given, strategies as st

from app.core.idnumber import InvalidIdNumber, check_char, parse_id_number
from app.partners.imports import catalog
from app.partners.rows import RowChecker

TODAY = date(2026, 12, 3)
SOURCE = catalog()[1]["social_insurance"]
POSITIONS = {column.field: i for i, column in enumerate(SOURCE.columns)}


def _general(raw):
    try:
        return parse_id_number(raw, TODAY).number, None
    except InvalidIdNumber as exc:
        return None, exc.reason


def _checked(checker, raw):
    cells = [raw, "张三", "150102001001", "", "单位职工", "12", "正常缴费", "202611"]
    values, problems = checker.check(cells)
    id_problems = [p for p in problems if p.column == "身份证号码"]
    return values["id_number"], id_problems[0].details.get("reason") if id_problems else None


def _valid(first17):
    return first17 + check_char(first17)


CASES = [_valid("15010219800101001"), _valid("15010219800101001").lower(),
         " " + _valid("15010220261203001"), _valid("15010220261204001"),  # born tomorrow
         _valid("15010219000229001"), _valid("15010220000229001"), _valid("15010218490101001"),
         "150102198001010010", "150102800101001", "15010219800101001", "15010219800101001Y",
         "１５０１０２１９８００１０１００１"]


def test_the_usual_form_and_every_other_give_what_the_general_parser_gives():
    checker = RowChecker(SOURCE, POSITIONS, TODAY)
    for raw in CASES + CASES:  # the second round reads the remembered birth dates
        assert _checked(checker, raw) == _general(raw), raw


@given(st.text(alphabet="0123456789Xx ", min_size=15, max_size=19))
def test_any_id_cell_is_checked_as_the_general_parser_checks_it(raw):
    if not raw.strip():
        return  # an empty cell is a missing value, not an ID number
    assert _checked(RowChecker(SOURCE, POSITIONS, TODAY), raw) == _general(raw)
