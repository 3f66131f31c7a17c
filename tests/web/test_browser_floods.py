"""In Debian's Chromium, two nodes on loopback: each pool proposes joining a flood by the other
pool's handle (resolved by WebFinger), the flood page shows both pools by name, and a member
makes a flood proposal that a member of the other pool sees and votes on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from node.app import create_app
from node.pool_engine import close_due
from tests.conftest import make_node
from tests.web.browser import DESKTOP, ServedNode, _free_port, browser, shoot
from tests.web.test_browser import sign_up

__all__ = ["browser"]

pytestmark = pytest.mark.browser


@pytest.fixture
async def two_nodes(tmp_path: Path) -> AsyncIterator[list[ServedNode]]:
    runners, nodes = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            setup = await make_node(tmp_path / name, base_url=url, open_registrations=True,
                                    allow_private_addresses=True)
            app = create_app(setup.config)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            runners.append(runner)
            nodes.append(ServedNode(url, app, setup))
        yield nodes
    finally:
        for runner in runners:
            await runner.cleanup()


async def _create_pool(page: Any, url: str, name: str) -> str:
    await page.goto(url + "/create-pool")
    await page.get_by_label("Name of the pool").fill(name)
    await page.get_by_label("What is the pool for?").fill("Tools for the valley.")
    await page.get_by_label("Currency of the fund").select_option("EUR")
    await page.get_by_label("Minimum share").fill("0")
    await page.get_by_label("Two thirds").check()
    await page.get_by_label("Open", exact=True).check()
    await page.get_by_role("button", name="Create the pool and see its bylaws").click()
    await page.wait_for_url("**/bylaws?created=1")
    return str(page.url).split("/pools/")[1].split("/")[0]


async def _join_flood(page: Any, url: str, pool: str, peer: str, flood: str) -> None:
    await page.goto(f"{url}/pools/{pool}/proposals")
    await page.get_by_label("Title").fill("Join the valley flood")
    await page.get_by_label("Join a flood (link with another pool)").check()
    await page.get_by_label("Pool to link with").fill(peer)
    await page.get_by_label("Name of a new flood, or the address of the flood to join").fill(flood)
    await page.get_by_role("button", name="Open the proposal").click()
    await page.wait_for_url(f"**/pools/{pool}/proposals/*")
    await page.get_by_label("Agree", exact=True).check()
    await page.get_by_role("button", name="Cast my vote").click()
    await page.wait_for_url("**#tally")


async def _until(check: Any, what: str) -> None:
    # Delivery between the nodes runs in the background; wait for its visible result.
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


async def test_two_pools_form_a_flood_and_decide_together(two_nodes: list[ServedNode],
                                                          browser: Any) -> None:
    a, b = two_nodes
    ana = await (await browser.new_context(viewport=DESKTOP)).new_page()
    bo = await (await browser.new_context(viewport=DESKTOP)).new_page()
    await sign_up(ana, a.url, "ana", "Ana")
    tools = await _create_pool(ana, a.url, "Tool Library")
    await sign_up(bo, b.url, "bo", "Bo")
    seeds = await _create_pool(bo, b.url, "Seed Bank")
    a_host, b_host = a.url.removeprefix("http://"), b.url.removeprefix("http://")
    await _join_flood(ana, a.url, tools, f"@{seeds}@{b_host}", "Valley")
    flood = f"{a.url}/pools/{tools}/floods/valley"
    await _join_flood(bo, b.url, seeds, f"@{tools}@{a_host}", flood)
    later = datetime.now(UTC) + timedelta(days=8)
    await close_due(a.app, later)
    await close_due(b.app, later)

    async def both_linked() -> bool:
        await ana.goto(f"{a.url}/pools/{tools}/floods")
        return await ana.get_by_text(f"@{seeds}@{b_host}").count() > 0

    await _until(both_linked, "the flood page of Tool Library lists Seed Bank")
    assert await ana.get_by_role("link", name="Seed Bank").is_visible()
    assert await ana.get_by_text(flood, exact=True).is_visible()

    await ana.get_by_label("Title", exact=True).fill("Share a trailer")
    await ana.get_by_label("What do the pools decide?").fill("We buy one trailer for both pools.")
    await ana.get_by_role("button", name="Open the flood proposal").click()
    await ana.wait_for_url(f"{a.url}/pools/{tools}/floods")
    assert await ana.get_by_role("heading", name="Share a trailer").is_visible()

    async def bo_sees_it() -> bool:
        await bo.goto(f"{b.url}/pools/{seeds}/floods")
        return await bo.get_by_role("button", name="Vote in the flood").count() > 0

    await _until(bo_sees_it, "Seed Bank's members see the flood proposal")
    await bo.get_by_label("Agree", exact=True).check()
    await bo.get_by_role("button", name="Vote in the flood").click()
    await bo.wait_for_url(f"{b.url}/pools/{seeds}/floods")

    async def counted() -> bool:
        await bo.goto(f"{b.url}/pools/{seeds}/floods")
        return await bo.get_by_text("Change your vote").count() > 0

    await _until(counted, "Bo's ballot is kept by his pool")
    await shoot(ana, "flood-two-pools")
