"""In Debian's Chromium: a ranked vote (dragged with JavaScript, ordered selects without), an
approval vote with checkboxes, the instant-runoff rounds, and an expulsion proposed by handle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.pool_engine import close_due
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served, shoot
from tests.web.test_browser import create_pool, sign_up

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
POOL = "/pools/green_street_garden"


async def _propose(page: Any, url: str, title: str, ballot: str, options: str) -> str:
    await page.goto(url + POOL + "/proposals")
    await page.get_by_label("Title").fill(title)
    await page.get_by_label("A decision").check()
    await page.get_by_label("What do the members decide?").fill(title + ", decided together.")
    await page.get_by_label("Ballot", exact=True).select_option(label=ballot)
    await page.get_by_label("Options, one per line").fill(options)
    await page.get_by_role("button", name="Open the proposal").click()
    await page.wait_for_url("**" + POOL + "/proposals/*")
    return str(page.url)


async def test_ranked_and_approval_votes_and_an_expulsion(served: ServedNode, browser: Any) -> None:
    url = served.url
    ana_context = await browser.new_context(viewport=DESKTOP)
    ben_context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    ana, ben = await ana_context.new_page(), await ben_context.new_page()
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=False)
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)

    place = await _propose(ana, url, "Where we meet", "Ranked: each member orders the options (instant runoff)",
                           "Library\nCafe\nPark")
    # Ana drags: the list starts in the listed order; Park goes to the top, then Cafe above Library.
    await ana.goto(place)
    items = ana.locator(".rank-list li")
    await items.filter(has_text="Park").drag_to(items.filter(has_text="Library"))
    await ana.get_by_role("button", name="Move Cafe up").click()
    assert [t.split("\n")[0].strip() for t in await items.all_inner_texts()][:3] == ["Park", "Cafe", "Library"]
    await shoot(ana, "ranked-ballot")
    await ana.get_by_role("button", name="Cast my vote").click()
    await ana.wait_for_url(place + "#tally")
    assert await ana.get_by_text("You voted Park › Cafe › Library").is_visible()
    # Ben has no JavaScript: he picks from ordered selects.
    await ben.goto(place)
    await ben.get_by_label("1st choice").select_option("Library")
    await ben.get_by_label("2nd choice").select_option("Cafe")
    await ben.get_by_role("button", name="Cast my vote").click()
    await ben.wait_for_url(place + "#tally")
    assert await ben.get_by_text("You voted Library › Cafe").is_visible()

    snacks = await _propose(ana, url, "Snacks", "Approval: each member ticks every option they accept",
                            "Fruit\nCake\nNuts")
    await ana.get_by_label("Fruit").check()
    await ana.get_by_label("Nuts").check()
    await ana.get_by_role("button", name="Cast my vote").click()
    await ana.wait_for_url(snacks + "#tally")
    assert await ana.get_by_text("You voted Fruit, Nuts").is_visible()

    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    await ana.goto(place)
    assert await ana.get_by_role("heading", name="Instant-runoff rounds").is_visible()
    rows = ana.locator("table.rounds tbody tr")
    # Round 1: Library 1, Cafe 0, Park 1 (Cafe out); round 2: a tie, Park (listed later) out;
    # round 3: Library has both ballots.
    assert await rows.count() == 3
    assert "Winner after 3 rounds: Library" in await ana.locator("#tally").inner_text()
    await shoot(ana, "ranked-result")
    # On a 390 px phone the rounds, the ballot and the proposal form fit the screen.
    phone = await (await browser.new_context(viewport=PHONE, storage_state=await ana_context.storage_state())).new_page()
    for path in (place, url + POOL + "/proposals", snacks):
        await phone.goto(path)
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path

    # An expulsion named by handle, a consent vote like every non-decision.
    await ana.goto(url + POOL + "/proposals")
    await ana.get_by_label("Title").fill("Expel Ben")
    await ana.get_by_label("Expel a member").check()
    await ana.get_by_label("Person to admit, expel or give a role").fill("@ben")
    await ana.get_by_role("button", name="Open the proposal").click()
    await ana.wait_for_url("**" + POOL + "/proposals/*")
    assert await ana.get_by_text(f"Expel {url}/users/ben").is_visible()
    assert await ana.get_by_label("Agree", exact=True).is_visible()


async def test_a_role_by_proposal_then_leaving_with_the_refund_shown(
    served: ServedNode, browser: Any
) -> None:
    url = served.url
    ana = await (await browser.new_context(viewport=DESKTOP)).new_page()
    ben = await (await browser.new_context(viewport=DESKTOP, java_script_enabled=False)).new_page()
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=False)
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)
    # Ben pays in 25; the members make him treasurer.
    await ana.goto(url + POOL + "/ledger")
    await ana.get_by_label("From member").select_option(url + "/users/ben")
    await ana.get_by_label("Amount in EUR").fill("25")
    await ana.get_by_role("button", name="Record the contribution").click()
    await ana.wait_for_url(url + POOL + "/ledger")
    await ana.goto(url + POOL + "/proposals")
    await ana.get_by_label("Title").fill("Ben keeps the books")
    await ana.get_by_label("Give a member a role, or take it away").check()
    await ana.get_by_label("Person to admit, expel or give a role").fill("@ben")
    await ana.get_by_label("Role", exact=True).select_option("treasurer")
    await ana.get_by_label("gets this role").check()
    await ana.get_by_role("button", name="Open the proposal").click()
    await ana.wait_for_url("**" + POOL + "/proposals/*")
    proposal = ana.url
    for page in (ana, ben):
        await page.goto(proposal)
        await page.get_by_label("Agree", exact=True).check()
        await page.get_by_role("button", name="Cast my vote").click()
        await page.wait_for_url(proposal + "#tally")
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    await ben.goto(url + POOL)
    assert await ben.get_by_text("You are a member (treasurer)").is_visible()

    # Ben leaves: the page says what he gets back before he confirms, and after.
    await ben.get_by_role("link", name="Leave this pool").click()
    await ben.wait_for_url(url + POOL + "/leave")
    refund = await ben.locator("#refund").inner_text()
    assert "EUR 25.00 of capital for you" in refund and "paid back at once" in refund
    await shoot(ben, "leave")
    await ben.get_by_role("button", name="Leave Green Street Garden").click()
    await ben.wait_for_url(url + POOL + "/leave")
    assert "The pool owes you nothing" in await ben.locator("#refund").inner_text()
    await ben.goto(url + POOL)
    assert await ben.get_by_role("link", name="Join this pool").is_visible()
