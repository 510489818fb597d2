"""Every Chinese text of the console's templates goes through gettext (`_()`), like the
Python code (tests/test_translations.py), so the Mongolian catalog can be added."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "console" / "templates"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
BARE_IN_JINJA = re.compile(r"""(?<!_\()(["'])([^"']*[\u4e00-\u9fff][^"']*)\1""")


def untranslated(text):
    """Chinese outside Jinja tags, or a Chinese string literal in a tag not wrapped in _()."""
    outside = [line for line in JINJA.sub("", text).splitlines()
               if re.search(r"[\u4e00-\u9fff]", line)]
    inside = [m.group(2) for tag in JINJA.findall(text) for m in BARE_IN_JINJA.finditer(tag)]
    return outside + inside


def test_no_chinese_in_templates_bypasses_gettext():
    offenders = {p.name: found for p in TEMPLATES.rglob("*.html")
                 for found in [untranslated(p.read_text(encoding="utf-8"))] if found}
    assert offenders == {}


def test_the_scanner_catches_bare_text():
    assert untranslated("<p>未翻译</p>{{ _('已翻译') }}") == ["<p>未翻译</p>"]
    assert untranslated("{{ x or '未翻译' }}") == ["未翻译"]
