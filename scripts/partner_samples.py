"""Writes the small sample lists of each partner department into scripts/samples/partners/
(as committed; run again to regenerate): `.venv/bin/python -m scripts.partner_samples`.

Headers are those of app/partners/sources.json. The rows fit the demo seed (app/certification
/demo.py): 李秀英 is on the dibao list (her dibao category is confirmed without a
certificate), 张丽 (certified, disabled) is on the disability list and now contributes as an
employee (the county is proposed her exit), 赵刚 has been registered unemployed for more than
6 months (the tax-relief proof). The others are made up and registered nowhere: the
discovery list of station_xc finds them. ID numbers are valid (GB 11643) except one, on
purpose, and the dibao list repeats one person, on purpose: the row report names both.
"""
import csv
from datetime import date
from pathlib import Path

import openpyxl

from app.core.idnumber import check_char
from app.partners.rows import load_sources

OUT = Path(__file__).resolve().parent / "samples" / "partners"
COMMUNITY = "150102001001"  # 示范社区, the demo station's community


def person_id(address, born, sequence):
    first17 = f"{address}{born:%Y%m%d}{sequence}"
    return first17 + check_char(first17)


LI_XIUYING = person_id("150102", date(1980, 8, 20), "062")   # seed: applied, dibao
ZHANG_LI = person_id("150105", date(1996, 5, 12), "048")     # seed: certified, disabled
ZHAO_GANG = person_id("150102", date(1975, 11, 2), "013")    # seed: registered unemployed
WANG_JIANGUO = person_id("150102", date(1969, 3, 15), "031")  # seed: registered 5 months
LIU_FANG = person_id("150102", date(1985, 3, 10), "022")     # not registered: discovered
ZHOU_QIANG = person_id("150102", date(1983, 7, 8), "015")    # her husband: discovered
MA_JUN = person_id("150102", date(1990, 9, 1), "037")        # disabled, not working
WU_MIN = person_id("150102", date(1979, 4, 18), "044")       # registered unemployed 18 months
BA_TU = person_id("150102", date(1978, 12, 5), "051")        # land-lost
SUN_LEI = person_id("150102", date(1988, 6, 30), "075")      # flexible worker, contributing
_good = person_id("150102", date(1992, 1, 1), "019")
BAD_ID = _good[:-1] + ("0" if _good[-1] != "0" else "1")     # wrong check character


def _headers(source):
    _, sources = load_sources()
    return [column.header for column in sources[source].columns]


DIBAO = [
    [LI_XIUYING, "李秀英", "DB-0001", "户主", COMMUNITY, "2024-03-01", ""],
    [LIU_FANG, "刘芳", "DB-0002", "户主", COMMUNITY, "2025-06-01", ""],
    [ZHOU_QIANG, "周强", "DB-0002", "配偶", COMMUNITY, "2025-06-01", ""],
    [BAD_ID, "高峰", "DB-0003", "户主", COMMUNITY, "2025-09-01", ""],
    [LIU_FANG, "刘芳", "DB-0002", "户主", COMMUNITY, "2025-06-01", ""],  # the duplicate
]
# A month later: 周强 has left dibao (his membership ended): the phase-out information.
DIBAO_LATER = [DIBAO[0], DIBAO[1]]
DISABILITY = [
    [ZHANG_LI, "张丽", COMMUNITY, "肢体残疾", "三级", "2030-05-31"],
    [MA_JUN, "马军", COMMUNITY, "视力残疾", "二级", "2029-12-31"],
]
UNEMPLOYMENT = [
    [ZHAO_GANG, "赵刚", COMMUNITY, "2026-03-16", "登记失业"],
    [WANG_JIANGUO, "王建国", COMMUNITY, "2026-07-10", "登记失业"],
    [WU_MIN, "吴敏", COMMUNITY, "2025-06-02", "登记失业"],
]
SOCIAL_INSURANCE = [
    [ZHANG_LI, "张丽", COMMUNITY, "新城区某科技有限公司", "单位职工", "4", "正常缴费", "202611"],
    [SUN_LEI, "孙磊", COMMUNITY, "", "灵活就业人员", "36", "正常缴费", "202611"],
]
LAND_LOST = [
    [BA_TU, "巴图", COMMUNITY, "2025年第3批", "2025-04-01", "800.00"],
]


def _csv(name, source, rows):
    with open(OUT / name, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_headers(source))
        writer.writerows(rows)


def _xlsx(name, source, rows):
    """As a department's Excel saves it: every cell text (an ID number as a number loses
    digits, which the import reports)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(_headers(source))
    for row in rows:
        sheet.append(row)
    book.save(OUT / name)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    _csv("dibao.csv", "dibao", DIBAO)
    _csv("dibao_later.csv", "dibao", DIBAO_LATER)
    _xlsx("disability.xlsx", "disability", DISABILITY)
    _csv("unemployment.csv", "unemployment", UNEMPLOYMENT)
    _csv("social_insurance.csv", "social_insurance", SOCIAL_INSURANCE)
    _csv("land_lost.csv", "land_lost", LAND_LOST)
    print(f"sample lists written to {OUT}")


if __name__ == "__main__":
    main()
