"""The architecture contract (pyproject.toml, [tool.importlinter]) holds: imports run one way."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_lint_imports_keeps_every_contract() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_contract_names_the_layers_and_the_pure_core() -> None:
    contracts = _contracts()
    assert contracts["node-layers"]["type"] == "layers"
    assert contracts["governance-pure"]["type"] == "forbidden"
    assert contracts["core-below-node"]["type"] == "forbidden"
    assert contracts["shell-rooms"]["type"] == "independence"
    # Every import the layers contract lets through is a named exception, and only a few.
    assert len(contracts["node-layers"].get("ignore_imports", [])) <= 4


def test_the_purity_contract_covers_the_hand_written_purity_test() -> None:
    from tests.governance.test_purity import FORBIDDEN_MODULES

    forbidden = set(_contracts()["governance-pure"]["forbidden_modules"])  # type: ignore[arg-type]
    assert FORBIDDEN_MODULES <= forbidden
    assert {"node", "federation", "schemas"} <= forbidden


def test_the_pool_engine_imports_nothing_above_it() -> None:
    """Issue 13: the engine does not know floods, the routing, C2S or the shell; no exception
    for it is left in the contract, and the import graph itself agrees."""
    import grimp

    ignored: list[str] = _contracts()["node-layers"].get("ignore_imports", [])  # type: ignore[assignment]
    assert not [rule for rule in ignored if "pool_engine" in rule]
    above = ("node.floods", "node.routing", "node.c2s", "node.handlers", "node.access", "node.web",
             "node.views", "node.inbox.view", "node.inbox.worker", "node.app", "node.cli")
    graph = grimp.build_graph("node")
    engine = {"node.pool_engine", *graph.find_descendants("node.pool_engine")}
    upward = sorted((module, imported) for module in engine
                    for imported in graph.find_modules_directly_imported_by(module)
                    if any(imported == a or imported.startswith(a + ".") for a in above))
    assert upward == []
