"""Publishing a policy catalog version from the console: the region admin pastes the YAML,
the API's publish service compiles it; a broken one comes back with every problem beside
the line it names and the text as typed; only region admins publish (others 403)."""
import yaml

from tests.builders.console import console_login
from tests.policies.test_api import new_document


def _publish(client, csrf, source, expect=303):
    response = client.post("/console/catalog", data={"csrf_token": csrf, "source": source},
                           content_type="multipart/form-data")
    assert response.status_code == expect, response.get_data(as_text=True)[:800]
    return response


def test_the_region_admin_publishes_a_version(client, fresh_app):
    csrf = console_login(client, "region_admin")
    assert "政策目录" in client.get("/console/").get_data(as_text=True)  # in the menu
    # A whole catalog, with Chinese comments, beyond the app-wide 64 KB form limit.
    source = "# " + "注" * 15_000 + "\n" + yaml.safe_dump(new_document(), allow_unicode=True,
                                                         sort_keys=False)
    assert len(source.encode()) > 64 * 1024
    done = _publish(client, csrf, source)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已发布政策目录版本 2026.1" in page and "<td>2026.1</td>" in page


def test_a_broken_version_shows_each_problem_at_its_line(client, fresh_app):
    csrf = console_login(client, "region_admin")
    document = new_document()
    document["policies"][5]["code"] = document["policies"][0]["code"]
    source = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    body = _publish(client, csrf, source, expect=422).get_data(as_text=True)
    assert "policies.invalid_document" in body and "政策规则文档有误" in body
    assert "rules.duplicate_code" in body and "/policies/5/code" in body
    line = [n for n, text in enumerate(source.splitlines(), 1)  # the second one is wrong
            if text.strip() == "- code: tax_relief_hiring_unemployed"][1]
    assert f'id="line-{line}"' in body and f'href="#line-{line}"' in body and f"{line}: " in body
    assert source.splitlines()[-1].replace("'", "&#39;") in body  # the text as typed is kept
    unreadable = _publish(client, csrf, "format: 1\nversion: [2026\n", expect=422)
    assert "rules.unreadable" in unreadable.get_data(as_text=True)
    empty = _publish(client, csrf, "  ", expect=422).get_data(as_text=True)
    assert "console.catalog_source" in empty and "请粘贴政策规则文档" in empty
    no_csrf = client.post("/console/catalog", data={"source": source})
    assert no_csrf.status_code == 403 and "console.csrf" in no_csrf.get_data(as_text=True)
    assert "<td>2026.1</td>" not in client.get("/console/catalog").get_data(as_text=True)


def test_only_region_admins_publish(client, fresh_app):
    source = yaml.safe_dump(new_document(), allow_unicode=True, sort_keys=False)
    for username in ("city_hhht", "county_xc", "security_admin"):
        csrf = console_login(client, username)
        assert "政策目录" not in client.get("/console/").get_data(as_text=True)
        page = client.get("/console/catalog").get_data(as_text=True)
        assert "2025.2" in page and "发布新版本" not in page  # read, not publish
        refused = _publish(client, csrf, source, expect=403)
        assert "auth.forbidden" in refused.get_data(as_text=True)
    assert "<td>2026.1</td>" not in client.get("/console/catalog").get_data(as_text=True)
