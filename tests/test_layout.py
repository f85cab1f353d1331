"""The house: rooms of a readable size, and no loops between them, hidden lazy imports included.

A lazy import (inside a function) is still a dependency: two modules that import each other that
way work until an edit moves one import to the top, then fail at start-up. Only imports under
`if TYPE_CHECKING:` are left out, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "coalition_cli"
MAX_LINES = 500


def _imports(path: Path) -> set[str]:
    """The package's own modules a module imports, at any depth, outside TYPE_CHECKING blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("coalition_cli"):
                if child.module == "coalition_cli":
                    found.update(alias.name for alias in child.names if (PACKAGE / f"{alias.name}.py").exists())
                else:
                    found.add(child.module.split(".")[1])
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(path.stem)
    return found


def test_no_module_is_over_500_lines() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.glob("*.py")}
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}


def test_no_two_modules_depend_on_each_other_even_lazily() -> None:
    graph = {path.stem: _imports(path) for path in PACKAGE.glob("*.py")}
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


def test_the_finder_sees_a_loop(tmp_path: Path) -> None:
    """The check above can fail: a lazy import in a function is found."""
    module = tmp_path / "sample.py"
    module.write_text(
        "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from coalition_cli.store import Store\n"
        "def f():\n    from coalition_cli.render import View\n",
        encoding="utf-8",
    )
    assert _imports(module) == {"render"}
