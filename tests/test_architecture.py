"""The house drawn from the imports (ARCHITECTURE.md): no arrow from a lower area to a
higher one. Every import counts, at module top or inside a function."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

# Lowest first, ARCHITECTURE.md's order. `extensions` binds core's database handle and
# error schema to the app, so it sits right above core. `rules` (the pure rule language read
# by the certification categories and the policy catalog) sits right above them. The areas ARCHITECTURE.md does not
# name are placed above what they read: `directory` (the region tree and stations, read by
# people and staff) above accounts, `campaigns` above certification (its segments read
# certifications). The application package itself (create_app, app.models, app.seed,
# app.health, app.logs) composes everything: the top.
ORDER = ["core", "extensions", "rules", "audit", "accounts", "directory", "people", "wechat",
         "certification", "campaigns", "policies", "jobs", "tracking", "partners", "money",
         "codes", "stats", "console"]
ROOT = "(app)"
RANK = {area: rank for rank, area in enumerate(ORDER)} | {ROOT: len(ORDER)}


def module_name(path, app_dir=APP):
    parts = ("app",) + path.relative_to(app_dir).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def area_of(module):
    """`app.certification.services` -> certification; `app.extensions` -> extensions;
    `app`, `app.models`, `app.seed` ... -> the root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else ROOT


def imported_modules(path, app_dir=APP):
    """Every `app.*` module `path` imports, relative imports resolved."""
    name = module_name(path, app_dir)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module)
    return {m for m in found if m == "app" or m.startswith("app.")}


def upward_imports(app_dir=APP):
    """[(module, imported module)] for each import from a lower area into a higher one."""
    arrows = []
    for path in sorted(app_dir.rglob("*.py")):
        source = module_name(path, app_dir)
        here = area_of(source)
        for target in sorted(imported_modules(path, app_dir)):
            there = area_of(target)
            if there == here:
                continue
            if RANK[there] > RANK[here]:
                arrows.append((source, target))
    return arrows


def test_every_area_has_a_place_in_the_order():
    areas = {p.name for p in APP.iterdir() if (p / "__init__.py").exists()}
    assert areas <= set(RANK), sorted(areas - set(RANK))


def test_no_import_runs_upward():
    assert upward_imports() == []


def test_the_check_catches_a_planted_upward_import(tmp_path):
    app_dir = tmp_path / "app"
    for package in ("", "core", "certification", "codes"):
        (app_dir / package).mkdir(exist_ok=True)
        (app_dir / package / "__init__.py").write_text("", encoding="utf-8")
    (app_dir / "certification" / "services.py").write_text(
        "from app.core.clock import local_today\nfrom .models import Application\n",
        encoding="utf-8")
    (app_dir / "codes" / "services.py").write_text(
        "from app.certification.services import submit_application\n", encoding="utf-8")
    assert upward_imports(app_dir) == []
    (app_dir / "core" / "stations.py").write_text(
        "def f():\n    from ..codes import services\n", encoding="utf-8")
    (app_dir / "certification" / "rules.py").write_text(
        "import app.policies.engine\n", encoding="utf-8")
    assert upward_imports(app_dir) == [("app.certification.rules", "app.policies.engine"),
                                       ("app.core.stations", "app.codes")]
