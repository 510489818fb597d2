"""Partner lists from the console: a department uploads its own kind of list through the
API's import service and reads the counts and the row report (line, column, code, Chinese
message); a refused form keeps what was typed; roles without the permission get 403."""
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.core.clock import local_today
from app.extensions import db
from app.partners.models import PartnerImport
from tests.builders.console import console_login
from tests.partners.test_imports import as_csv, first_list


def _upload(client, csrf, content=None, expect=303, **fields):
    data = {"csrf_token": csrf, "source": "dibao", "as_of": local_today().isoformat(), **fields}
    if content is not None:
        data["file"] = (io.BytesIO(content), "list.csv")
    response = client.post("/console/lists", data=data, content_type="multipart/form-data")
    assert response.status_code == expect, response.get_data(as_text=True)[:800]
    return response


def _imports(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PartnerImport))


def test_a_department_uploads_its_list_and_reads_the_row_report(client, fresh_app):
    csrf = console_login(client, "civil_xc")
    assert "部门名单" in client.get("/console/").get_data(as_text=True)  # in the menu
    page = client.get("/console/lists").get_data(as_text=True)
    assert "低保家庭成员名单" in page and "持证残疾人名单" not in page  # only its own kinds
    content = as_csv(first_list())
    done = _upload(client, csrf, content)
    assert "done=imported" in done.headers["Location"]
    report = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "名单已导入" in report
    assert re.search(r'id="rows-total">5<', report) and re.search(r'id="rows-failed">2<', report)
    assert "partners.bad_id_number" in report and "身份证号码不正确" in report
    assert "partners.duplicate_row" in report and "<td>3</td><td>身份证号码</td>" in report
    again = _upload(client, csrf, content)
    assert "done=duplicate" in again.headers["Location"]
    assert "该文件此前已导入" in client.get(again.headers["Location"]).get_data(as_text=True)
    listing = client.get("/console/lists").get_data(as_text=True)
    assert "导入记录" in listing and listing.count("低保家庭成员名单") >= 2
    assert _imports(fresh_app) == 1
    console_login(client, "auditor")  # reads the reports, uploads nothing
    assert "身份证号码不正确" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert "上传名单" not in client.get("/console/lists").get_data(as_text=True)


def test_bad_uploads_are_refused_with_a_reason_and_what_was_typed(client, fresh_app):
    csrf = console_login(client, "civil_xc")
    content = as_csv(first_list())
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    cases = [
        ({"source": ""}, content, 422, "console.list_source", "请选择名单类型"),
        ({"as_of": "2026-02-30"}, content, 422, "console.list_as_of", "请填写名单日期"),
        ({}, None, 422, "console.list_file", "请选择要上传的名单文件"),
        ({"as_of": tomorrow}, content, 422, "partners.as_of_in_future", "名单日期不能晚于今天"),
        ({"region_code": "150702"}, content, 404, "region.not_found", ""),
        ({"source": "disability"}, content, 403, "partners.source_not_yours", "不能上传此类名单"),
        ({"source": "nosuch"}, content, 404, "partners.unknown_source", "名单类型不存在"),
    ]
    for change, file, status, code, message in cases:
        body = _upload(client, csrf, file, expect=status, **change).get_data(as_text=True)
        assert code in body and message in body, (change, body[:600])
    kept = _upload(client, csrf, content, expect=422, as_of=tomorrow).get_data(as_text=True)
    assert f'value="{tomorrow}"' in kept and 'value="dibao" selected' in kept
    no_csrf = client.post("/console/lists", data={"source": "dibao"},
                          content_type="multipart/form-data")
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    assert client.get("/console/lists/999999").status_code == 404
    assert _imports(fresh_app) == 0


def test_roles_without_lists_are_forbidden(client, fresh_app):
    for username in ("station_xc", "security_admin"):
        csrf = console_login(client, username)
        assert "部门名单" not in client.get("/console/").get_data(as_text=True)
        assert client.get("/console/lists").status_code == 403
        _upload(client, csrf, as_csv(first_list()), expect=403)
    csrf = console_login(client, "auditor")
    refused = _upload(client, csrf, as_csv(first_list()), expect=403)
    assert "auth.forbidden" in refused.get_data(as_text=True)
    assert _imports(fresh_app) == 0
