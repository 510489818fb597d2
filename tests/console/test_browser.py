"""The console in a real browser: Playwright driving Debian's Chromium against the app
served by gunicorn. The issue's flow: station_xc signs in (keyboard only), sees the
applications on Today, accepts and checks one, scans a printed code, records a contact on
the scanned person's case (its next step then shows on Today); township_xc and county_xc
take their steps; city_hhht sees the statistics move (new certifications and contacts, read
before and after) and exports them as XLSX and CSV; the auditor finds the steps in the
trail. Every page is checked with axe-core (WCAG 2.2 AA:
no violations), at 1366x768 and at a phone's width; screenshots and page load times go to
BROWSER_OUTPUT (default test-output/browser/).

Skipped without Chromium: `apt-get install -y chromium fonts-wqy-microhei` (Debian) runs it.
"""
import io
import json
import os
import shutil
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.builders.applications import applicant, apply_self
from tests.builders.codes import certified_seeker
from tests.builders.http import auth, staff_token
from tests.builders.people import older_man_id
from tests.support.race import run_app_server
from tests.support.servers import REPO_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = ("browser tests skipped: Chromium not found at %s; install it with "
                "`apt-get install -y chromium fonts-wqy-microhei` (Debian) or set CHROMIUM" % CHROMIUM)
AXE = Path(__file__).resolve().parents[1] / "support" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("BROWSER_OUTPUT", REPO_ROOT / "test-output" / "browser"))
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "Demo@2025"



def chromium_found():
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


pytestmark = pytest.mark.skipif(not chromium_found(), reason=INSTALL_HINT)


class Browser:
    """One Chromium page plus the checks every page gets."""

    def __init__(self, page, base_url):
        self.page, self.base_url, self.loads, self.axe = page, base_url, {}, {}

    def goto(self, path):
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("load")

    def check(self, name):
        """axe-core on the page as it is now, a screenshot, and the page's load time."""
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
            " help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))", WCAG)
        self.axe[name] = violations
        self.loads[name] = self.page.evaluate(
            "() => { const t = performance.getEntriesByType('navigation')[0];"
            " return t ? Math.round(t.loadEventEnd - t.startTime) : null; }")
        self.page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
        assert violations == [], f"{name}: {json.dumps(violations, ensure_ascii=False)}"

    def tab_to(self, text, limit=80):
        """Press Tab until the focused element reads `text` (keyboard-only use)."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(
                "() => { const e = document.activeElement;"
                " return (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(); }")
            if focused == text:
                return
        raise AssertionError(f"'{text}' cannot be reached with the Tab key")

    def sign_in(self, username):
        """Keyboard only: type in the user name field (focused on load), Tab, type, Enter."""
        self.goto("/console/login")
        self.page.locator("#username").focus()  # autofocus, which Chromium skips on reloads
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.base_url + "/console/")

    def sign_out(self):
        self.page.get_by_role("button", name="退出登录").click()
        self.page.wait_for_url("**/console/login")


def _printed_code(client, person_id):
    png = client.get(f"/api/v1/people/{person_id}/code/card.png",
                     headers=auth(staff_token(client, "station_xc")))
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text


@pytest.fixture()
def browser_page():
    from playwright.sync_api import sync_playwright
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(viewport={"width": 1366, "height": 768},
                                      bypass_csp=True, accept_downloads=True, locale="zh-CN")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_the_console_flow_in_chromium(client, fresh_app, browser_page):
    token = applicant(client, "lisi", name="李四", number=older_man_id("041"))
    application_id = apply_self(client, token, categories=["older"])["id"]
    _, scanned_id = certified_seeker(client, "wangwu", name="王五", number=older_man_id("051"))
    code = _printed_code(client, scanned_id)
    with run_app_server(fresh_app, workers=1, threads=4) as base_url:
        b = Browser(browser_page, base_url)
        page = b.page
        b.goto("/console/login")
        b.check("01-login")
        b.sign_in("city_hhht")
        b.goto("/console/statistics")
        before = {f: page.locator(f"#total-{f}").inner_text() for f in ("certified", "contacts")}
        b.sign_out()
        b.sign_in("station_xc")
        assert page.locator(f"a[href='/console/applications/{application_id}']").count() == 1
        b.check("02-today-station")
        page.locator(f"a[href='/console/applications/{application_id}']").click()
        b.check("03-application-station")
        b.tab_to("受理")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/console/applications/{application_id}?done=accept")
        page.get_by_role("button", name="初审通过，报苏木乡镇（街道）").click()
        page.wait_for_url("**?done=station_pass")
        assert "苏木乡镇（街道）审核中" in page.content()
        b.goto("/console/applications?status=township_review")
        b.check("03b-applications")
        b.goto("/console/people")
        b.check("03c-people-search")
        page.locator("#id_number").fill(older_man_id("051"))
        page.locator("#id_number").press("Enter")
        page.wait_for_url(f"**/console/people/{scanned_id}")
        page.get_by_role("button", name="匹配岗位").click()
        page.locator("#matches table").wait_for()
        b.check("03d-person")
        b.goto("/console/people/new")
        b.check("03e-register")
        b.goto("/console/applications/999999")
        b.check("03f-not-found")
        b.goto("/console/scan")
        page.keyboard.type(code)  # what a USB scanner does: the code, then Enter
        page.keyboard.press("Enter")
        page.locator("#h-profile").wait_for()
        assert "王*" in page.locator("#scan-result").inner_text()
        assert page.locator("#content").input_value() == ""  # ready for the next scan
        assert page.evaluate("document.activeElement.id") == "content"
        b.check("04-scan-profile")
        page.locator("#purpose-id_number").fill("核对身份")
        page.locator("#reveal-id_number button").click()
        page.locator("div#reveal-id_number").wait_for()
        b.goto(f"/console/people/{scanned_id}")
        page.locator("#contact-channel").select_option("phone")
        page.locator("#contact-outcome").select_option("reached")
        page.locator("#contact-note").fill("电话联系，有意向参加培训")
        page.locator("#contact-next").fill("推荐培训班")
        page.locator("#contact-days").fill("3")
        page.get_by_role("button", name="保存联系记录").click()
        page.wait_for_url(f"**/console/people/{scanned_id}?contact=1*")
        assert "推荐培训班" in page.locator("#case-contacts").inner_text()
        b.check("04b-person-contact")
        b.goto("/console/")
        assert "推荐培训班" in page.content()
        b.check("04c-today-after-contact")
        b.sign_out()
        b.sign_in("township_xc")
        b.goto(f"/console/applications/{application_id}")
        page.get_by_role("button", name="审核通过，报旗县区").click()
        page.wait_for_url("**?done=township_pass")
        b.sign_out()
        b.sign_in("county_xc")
        b.goto(f"/console/applications/{application_id}")
        b.check("05-application-county")
        page.get_by_role("button", name="认定", exact=True).click()
        page.wait_for_url("**?done=county_certify")
        assert "已认定" in page.content()
        b.sign_out()
        b.sign_in("city_hhht")
        b.goto("/console/statistics")
        b.check("06-statistics")
        after = {f: page.locator(f"#total-{f}").inner_text() for f in ("certified", "contacts")}
        assert int(after["certified"]) == int(before["certified"]) + 1, (before, after)
        assert int(after["contacts"]) == int(before["contacts"]) + 1, (before, after)
        for fmt in ("XLSX", "CSV"):
            with page.expect_download() as download:
                page.get_by_role("link", name=f"导出 {fmt}").click()
            assert download.value.suggested_filename.endswith("." + fmt.lower())
            download.value.save_as(OUTPUT / f"statistics.{fmt.lower()}")
        b.sign_out()
        b.sign_in("auditor")
        b.goto("/console/trail")
        page.locator("#action").fill("certification.")
        page.locator("#action").press("Enter")
        page.locator("#results").get_by_text("certification.county_certify").first.wait_for()
        b.check("07-trail")
        for action in ("certification.accept", "code.resolve", "tracking.contact_recorded"):
            page.locator("#action").fill(action)
            page.locator("#action").press("Enter")
            page.locator("#results").get_by_text(action).first.wait_for()
        page.set_viewport_size({"width": 390, "height": 844})
        b.goto("/console/trail")
        b.check("08-trail-phone")
        b.sign_out()
        b.sign_in("station_xc")
        b.check("09-today-phone")
    (OUTPUT / "report.json").write_text(json.dumps(
        {"load_ms": b.loads, "axe_violations": {k: len(v) for k, v in b.axe.items()},
         "statistics_before": before, "statistics_after": after},
        ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_administration_pages_in_chromium(client, fresh_app, browser_page):
    """Each administration page, and a refused form on it, passes axe-core."""
    with run_app_server(fresh_app, workers=1, threads=4) as base_url:
        b = Browser(browser_page, base_url)
        page = b.page
        b.sign_in("county_xc")
        page.get_by_role("link", name="地区设置").click()
        page.wait_for_url("**/console/settings")
        b.check("10-settings")
        page.locator("#certification-county_days").fill("99")
        page.locator("#h-certification ~ form button[type=submit]").first.click()
        page.get_by_text("console.settings_range").wait_for()
        b.check("10b-settings-refused")
        b.sign_out()
        b.sign_in("region_admin")
        b.goto("/console/calendar")
        b.check("11-calendar")
        b.goto("/console/catalog")
        page.locator("#source").fill("format: 1\nversion: [2026\n")
        page.get_by_role("button", name="校验并发布").click()
        page.get_by_text("rules.unreadable").first.wait_for()
        b.check("11b-catalog-refused")
        b.goto("/console/campaigns")
        b.check("11c-campaigns")
        b.sign_out()
        b.sign_in("civil_xc")
        b.goto("/console/lists")
        b.check("12-lists")
        b.sign_out()
        b.sign_in("security_admin")
        b.goto("/console/staff")
        b.check("13-staff")
    (OUTPUT / "report-admin.json").write_text(json.dumps(
        {"load_ms": b.loads, "axe_violations": {k: len(v) for k, v in b.axe.items()}},
        ensure_ascii=False, indent=2), encoding="utf-8")
