"""Fixtures shared by the web tests that look at the demo's state (tests/web/demo_nodes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.web.demo_nodes import DemoNodes, run_demo, serving


@pytest.fixture(scope="session")
def demo_made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`scripts/demo.py --once` run once for the session (three nodes, a flood, decisions)."""
    return run_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
async def demo_nodes(demo_made: dict[str, Any]) -> AsyncIterator[DemoNodes]:
    """The demo's three nodes served in this test's event loop."""
    async with serving(demo_made) as nodes:
        yield nodes
