"""scripts/screenshots.py and README agree: every screenshot it takes is listed and committed,
and every screenshot README shows is one it takes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.demo_nodes import ROOT

LABELS = ("hall", "seed trays", "work day", "tools", "quorum", "admit gus", "spring round",
          "summer round")


def _names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import screenshots

    made: dict[str, Any] = {
        "proposals": {label: f"http://127.0.0.1:1/pools/garden/proposals/{n}" for n, label in enumerate(LABELS)},
        "invites": {"garden": "http://127.0.0.1:1/invite/g", "kitchen": "http://127.0.0.1:3/invite/k"},
        "discussions": {"raised beds": "http://127.0.0.1:1/pools/garden/discussions/d"},
    }
    return [shot.name for shot in screenshots.shots(made, "/welcome/w")]


def test_readme_lists_every_screenshot_the_script_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    names = _names(monkeypatch)
    assert len(names) == len(set(names))
    readme = (ROOT / "README.md").read_text("utf-8")
    shown = set(re.findall(r"docs/screenshots/([a-z0-9-]+)\.png", readme))
    assert sorted(set(names) - shown) == [], "taken but not listed in README"
    assert sorted(shown - set(names)) == [], "listed in README but not taken by the script"
    for name in names:
        assert (ROOT / "docs" / "screenshots" / f"{name}.png").exists(), name
    # A page and its phone view: the phone ones are the names ending in -phone.
    assert {n for n in names if n.endswith("-phone")} >= {"pool-phone", "ledger-phone"}
