"""Fixtures for browser tests: a node served on a loopback port and Debian's Chromium.

The browser is driven with ``playwright.async_api`` in the test's own event loop, so the test
can also act on the node directly (e.g. move the clock past a proposal's closing time).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from node.app import create_app
from tests.conftest import NodeSetup, make_node

CHROMIUM = Path(os.environ.get("POOLNODE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
DOC_SHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


@dataclass
class ServedNode:
    """A node serving on 127.0.0.1 and the app object behind it."""

    url: str
    app: web.Application
    setup: NodeSetup


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[ServedNode]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    setup = await make_node(tmp_path / "data", base_url=url, open_registrations=True)
    app = create_app(setup.config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield ServedNode(url, app, setup)
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    # Missing Chromium is a failure, never a skip: CI installs it (scripts/browser-deps.sh).
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser-deps.sh (make test does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60000
        )
        try:
            yield instance
        finally:
            await instance.close()


async def shoot(page: Any, name: str) -> Path:
    """Save a full-page screenshot to test-output/screenshots (and docs/ when asked)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    if os.environ.get("POOLNODE_UPDATE_SCREENSHOTS") == "1":
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_SHOTS / path.name)
    return path
