"""Every text a person reads goes through the translation layer (gettext), so the
Mongolian catalog can be added without hunting for hard-coded strings."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
MARKERS = {"_l", "_", "lazy_gettext", "gettext", "ngettext", "N_", "fixed"}
# Demo data and docstrings (OpenAPI summaries) are not product messages.
EXEMPT_FILES = {"seed.py", "demo.py"}


def _has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _docstring_nodes(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                yield body[0].value


def _marked_nodes(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in MARKERS:
                yield from (a for a in node.args if isinstance(a, ast.Constant))


def unmarked_chinese_strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = {id(n) for n in _docstring_nodes(tree)} | {id(n) for n in _marked_nodes(tree)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and _has_chinese(node.value) and id(node) not in allowed]


def test_no_chinese_string_bypasses_gettext():
    offenders = {str(path.relative_to(APP)): lines
                 for path in APP.rglob("*.py") if path.name not in EXEMPT_FILES
                 for lines in [unmarked_chinese_strings(path)] if lines}
    assert offenders == {}


def test_the_scanner_catches_a_bare_string(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('MESSAGE = "未翻译"\nOK = _l("已翻译")\n', encoding="utf-8")
    assert unmarked_chinese_strings(sample) == [1]
