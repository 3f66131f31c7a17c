"""The governance core must not touch I/O, the clock or randomness."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from pathlib import Path

import governance

FORBIDDEN_MODULES = {
    "aiohttp", "aiosqlite", "sqlite3", "socket", "asyncio", "random", "secrets", "time",
    "urllib", "http", "requests", "os", "subprocess", "uuid", "io", "pathlib", "shutil",
    "threading", "multiprocessing", "ssl", "select", "logging",
}
FORBIDDEN_TEXT = re.compile(
    r"datetime\.now|date\.today|time\.time|\brandom\b|uuid\.uuid4|utcnow|\bopen\(|\bprint\("
)
PACKAGE_DIR = Path(governance.__file__).parent


def _modules() -> list[str]:
    return ["governance"] + [
        f"governance.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE_DIR)])
    ]


def test_every_module_is_found() -> None:
    names = set(_modules())
    assert {"governance.tally", "governance.bylaws", "governance.errors"} <= names


def test_no_forbidden_imports_in_source() -> None:
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & FORBIDDEN_MODULES, f"{path.name} imports {roots & FORBIDDEN_MODULES}"


def test_no_clock_or_randomness_in_source() -> None:
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found = FORBIDDEN_TEXT.search(text)
        assert found is None, f"{path.name} contains {found.group(0)!r}"


def test_the_scan_would_catch_a_clock() -> None:
    assert FORBIDDEN_TEXT.search("x = datetime.now(UTC)")
    assert FORBIDDEN_TEXT.search("import random")
    assert not FORBIDDEN_TEXT.search("no randomness here")


def test_importing_governance_loads_no_io_modules() -> None:
    # Forget the package and its forbidden dependencies, then import every module afresh.
    saved = dict(sys.modules)
    try:
        for name in list(sys.modules):
            if name.split(".")[0] in FORBIDDEN_MODULES | {"governance"}:
                del sys.modules[name]
        for name in _modules():
            importlib.import_module(name)
        loaded = {name.split(".")[0] for name in sys.modules}
        # Interpreter start-up imports some of these (e.g. os); only new ones count.
        newly = {n.split(".")[0] for n in sys.modules if n not in saved}
        assert not (newly & FORBIDDEN_MODULES), newly & FORBIDDEN_MODULES
        assert "governance" in loaded
    finally:
        sys.modules.clear()
        sys.modules.update(saved)
