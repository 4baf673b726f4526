"""The apps stand in floors: an import goes down or sideways, never up, and never in a circle.

Read from the source (every import, also inside functions and under TYPE_CHECKING) of each
app's modules other than its tests, which may exercise the apps above them.
"""

import ast
from collections import defaultdict
from pathlib import Path

import fangkong

ROOT = Path(fangkong.__file__).parent

# The ground, the map, who stands on it and the record of what they did, the services every
# measure calls, the measures, and what composes them. Apps of one floor may import each other
# as long as no circle forms.
FLOORS = {
    "core": 0,
    "audit": 1,
    "regions": 2,
    "institutions": 3,
    "accounts": 4,
    # Who stands on the map, with their stays and visits. The measures (closures, lab and
    # screening) stand above and may import it; a visit or an admission asks the
    # closures' entry check through the policies closures registers in institutions.entry.
    "people": 5,
    "notifications": 5,
    "surveillance": 5,
    "reporting": 6,
    "closures": 6,
    "liaison": 6,
    "inspections": 6,
    # Screening may import lab (a positive result opens a screening), not the reverse.
    "lab": 6,
    "screening": 6,
    "dashboard": 7,
    "demo": 7,
}


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "fangkong" and parts[1] in FLOORS else None


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def app_imports() -> dict[str, dict[str, set[str]]]:
    """For each app, the other apps it imports, with one file that does each."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in FLOORS or "tests" in relative.parts:
            continue
        app = relative.parts[0]
        for module in imported_modules(path):
            target = app_of(module)
            if target and target != app:
                edges[app][target].add(str(relative))
    return edges


def cycles(edges: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    found, path, done = [], [], set()

    def visit(app: str) -> None:
        if app in path:
            found.append([*path[path.index(app) :], app])
            return
        if app in done:
            return
        path.append(app)
        for target in sorted(edges.get(app, {})):
            visit(target)
        path.pop()
        done.add(app)

    for app in sorted(edges):
        visit(app)
    return found


def test_every_app_has_a_floor():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(FLOORS)


def test_core_imports_no_other_app():
    assert dict(app_imports().get("core", {})) == {}


def test_no_import_goes_up_a_floor():
    upward = [
        f"{app} (floor {FLOORS[app]}) imports {target} (floor {FLOORS[target]}) in "
        f"{sorted(files)[0]}"
        for app, targets in app_imports().items()
        for target, files in targets.items()
        if FLOORS[target] > FLOORS[app]
    ]
    assert upward == []


def test_the_imports_between_apps_form_no_circle():
    assert cycles(app_imports()) == []


def test_the_check_sees_a_circle_and_an_upward_import():
    # The checks themselves, on a graph with both faults: they must not pass vacuously.
    assert cycles({"regions": {"accounts": {"x"}}, "accounts": {"regions": {"y"}}}) == [
        ["accounts", "regions", "accounts"]
    ]
    assert app_of("fangkong.reporting.models") == "reporting" and app_of("fangkong") is None
    assert "fangkong.core.scoping.visible" in imported_modules(ROOT / "audit" / "selectors.py")
