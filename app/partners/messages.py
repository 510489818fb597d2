"""The Chinese message of every row-report code (stable codes live in app/partners/rows.py
and imports.py; a department reads these messages beside the line and column)."""
from flask_babel import lazy_gettext as _l

PROBLEM_MESSAGES = {
    "partners.missing_value": _l("必填项为空"),
    "partners.id_number_not_text": _l("身份证号码须以文本格式填写（数字格式会丢失位数）"),
    "partners.bad_id_number": _l("身份证号码不正确"),
    "partners.bad_name": _l("姓名含有不允许的字符"),
    "partners.bad_text": _l("内容过长或含有控制字符"),
    "partners.bad_date": _l("日期格式不正确，应为 YYYY-MM-DD"),
    "partners.bad_month": _l("年月格式不正确，应为 YYYYMM"),
    "partners.bad_number": _l("数值不正确"),
    "partners.bad_amount": _l("金额不正确"),
    "partners.bad_code": _l("取值不在规定的代码表内"),
    "partners.bad_region": _l("行政区划代码应为12位数字"),
    "partners.region_outside": _l("该社区（村）不在本名单的行政区划内"),
    "partners.duplicate_row": _l("与文件中前面的行重复（同一身份证号码）"),
    "partners.unreadable_rest": _l("文件此后的内容无法读取"),
}


def problem_message(code):
    return PROBLEM_MESSAGES.get(code, code)
