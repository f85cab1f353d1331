"""The house: sub-packages in layers, rooms of a readable size, and no loops between them, hidden
lazy imports included.

Each package imports only the packages listed before it in PACKAGES (docs/ARCHITECTURE.md says
why each sits where it does). A lazy import (inside a function) is still a dependency: two modules
that import each other that way work until an edit moves one import to the top, then fail at
start-up. Only imports under `if TYPE_CHECKING:` are left out, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "coalition_cli"
PACKAGES = ("model", "store", "source", "build", "lookup", "views", "terminal", "cli")
MAX_LINES = 800  # a guideline made a rule: past it, a module holds two things


def _modules() -> dict[str, Path]:
    """Every module as "package.module"."""
    return {f"{path.parent.name}.{path.stem}": path for path in PACKAGE.glob("*/*.py") if path.stem != "__init__"}


def _imports(path: Path) -> set[str]:
    """The package's own modules ("package.module") a module imports, at any depth, outside
    TYPE_CHECKING blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("coalition_cli."):
                parts = child.module.split(".")
                if len(parts) == 2:  # from coalition_cli.store import tables
                    found.update(f"{parts[1]}.{alias.name}" for alias in child.names)
                else:
                    found.add(f"{parts[1]}.{parts[2]}")
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(f"{path.parent.name}.{path.stem}")
    return found


def test_every_module_is_in_a_package_of_the_layers() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"]
    folders = sorted(path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__")
    assert folders == sorted(PACKAGES)
    assert all((PACKAGE / name / "__init__.py").read_text(encoding="utf-8").startswith('"""') for name in PACKAGES)


def test_no_module_is_over_800_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}


def test_packages_import_only_the_layers_before_them() -> None:
    upward = _upward({name: _imports(path) for name, path in _modules().items()})
    assert upward == []
    assert _upward({"model.words": {"lookup.search"}}) == ["model.words -> lookup.search"]  # the check can fail


def _upward(graph: dict[str, set[str]]) -> list[str]:
    layer = {name: PACKAGES.index(name) for name in PACKAGES}
    return [
        f"{module} -> {other}"
        for module, imported in sorted(graph.items())
        for other in sorted(imported)
        if layer[other.split(".")[0]] > layer[module.split(".")[0]]
    ]


def test_no_two_modules_depend_on_each_other_even_lazily() -> None:
    graph = {name: _imports(path) for name, path in _modules().items()}
    assert set().union(*graph.values()) <= set(graph)  # every import found names a module that exists
    assert _loops(graph) == []
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]  # the search can fail


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each loop a depth-first search meets (a module reached again while still on its own path)."""
    loops: list[list[str]] = []
    done: set[str] = set()

    def walk(module: str, trail: list[str]) -> None:
        for other in sorted(graph.get(module, ())):
            if other in trail:
                loops.append([*trail[trail.index(other) :], other])
            elif other not in done:
                walk(other, [*trail, other])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            walk(module, [module])
    return loops


def test_the_finder_sees_lazy_imports_and_both_forms(tmp_path: Path) -> None:
    """The checks above can fail: an import in a function is found, in either form."""
    module = tmp_path / "views" / "sample.py"
    module.parent.mkdir()
    module.write_text(
        "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from coalition_cli.store.tables import Store\n"
        "def f():\n    from coalition_cli.views.render import View\n    from coalition_cli.cli import app\n",
        encoding="utf-8",
    )
    assert _imports(module) == {"views.render", "cli.app"}
