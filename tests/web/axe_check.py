"""Accessibility check of a page in the browser tests: axe-core injected, serious or critical fails.

axe-core comes from npm, pinned in tests/web/axe/package-lock.json and installed by
scripts/axe-deps.sh (``make test`` runs it). A missing axe-core is a failure, never a skip.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


async def violations(page: Any) -> list[str]:
    """Run axe-core on the page as shown now: each serious or critical violation, in words.

    The page's browser context needs JavaScript enabled (axe runs in the page)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/axe-deps.sh (make test does)")
    # Evaluated through the DevTools protocol, so the page's Content-Security-Policy does not block it.
    await page.evaluate(_axe_source())
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations', 'incomplete']})"
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"] if v.get("impact") in BLOCKING
    ]
    # Text the colour of its background, axe leaves for review (it might be hidden on purpose);
    # on these pages it is a control nobody can see.
    invisible = [" ".join(node["target"]) for v in result["incomplete"] if v["id"] == "color-contrast"
                 for node in v["nodes"]
                 if any(check.get("data", {}).get("messageKey") == "equalRatio" for check in node["any"])]
    if invisible:
        found.append("color-contrast (serious): text the colour of its background at " + ", ".join(invisible[:3]))
    return found


async def assert_accessible(page: Any, what: str) -> None:
    """Fail listing every serious or critical axe-core violation of the page as shown now."""
    found = await violations(page)
    assert not found, f"{what}: accessibility violations:\n" + "\n".join(found)
