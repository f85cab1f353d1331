"""SQLite's C module loaded without functools (sql.py): the same statement cache, the real
functools for whoever imports it later, and the ordinary import for a module that wants more."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import clean_env


def _python(code: str, cwd: Path) -> str:
    """Run code in a fresh interpreter (functools not yet loaded, as in a lookup); its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(), cwd=cwd, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_sqlite_loads_without_functools_and_caches_statements(tmp_path: Path) -> None:
    code = """
import sys
from coalition_cli.store.sql import sqlite3
print("functools" in sys.modules, "collections" in sys.modules)
db = sqlite3.connect(":memory:", cached_statements=4)
# More distinct statements than the cache holds, each run again: the cache evicts and refills.
print(sum(db.execute(f"SELECT {n % 9}").fetchone()[0] for n in range(200)))
import functools
print(functools.reduce(lambda a, b: a + b, [1, 2, 3]), hasattr(functools, "partial"))
print(db.execute("SELECT 2 + 2").fetchone()[0])
"""
    assert _python(code, tmp_path).split("\n") == [
        "False False",
        str(sum(n % 9 for n in range(200))),
        "6 True",
        "4",
        "",
    ]


def _loaded(tmp_path: Path, source: str, report: str) -> str:
    """Write a module (`source`), load it with c_module in a fresh interpreter, run `report` there
    (the module is `module`); its stdout."""
    (tmp_path / "probe.py").write_text(source)
    loading = (
        "import sys\nsys.path.insert(0, '.')\nfrom coalition_cli.store.sql import c_module\n"
        "module = c_module('probe')\n"
    )
    return _python(loading + report, tmp_path)


def test_a_module_that_wants_more_of_functools_is_loaded_with_it(tmp_path: Path) -> None:
    source = "from functools import lru_cache, partial\nVALUE = partial(int, '7')() + lru_cache(2)(len)('ab')\n"
    report = (
        'import functools\nprint(module.VALUE, sys.modules["functools"] is functools, hasattr(functools, "reduce"))\n'
    )
    assert _loaded(tmp_path, source, report) == "9 True True\n"


def test_a_module_that_uses_lru_cache_gets_a_working_one(tmp_path: Path) -> None:
    source = "import functools\nCALLS = []\nsquare = functools.lru_cache(8)(lambda n: CALLS.append(n) or n * n)\n"
    report = 'print([module.square(n) for n in (3, 3, 4, 3)], module.CALLS, "functools" in sys.modules)\n'
    assert _loaded(tmp_path, source, report) == "[9, 9, 16, 9] [3, 4] False\n"


def test_no_stand_in_once_threads_may_run(tmp_path: Path) -> None:
    """Another thread could import functools while the stand-in is in place: with `threading`
    loaded, SQLite loads the ordinary way, functools with it (a placeholder `threading` here:
    3.11's own loads functools, 3.13's does not)."""
    code = """
import sys
sys.modules.setdefault("threading", type(sys)("threading"))
before = "functools" in sys.modules
from coalition_cli.store.sql import sqlite3
print(before, "functools" in sys.modules, sqlite3.connect(":memory:").execute("SELECT 5").fetchone()[0])
"""
    assert _python(code, tmp_path) == "False True 5\n"
