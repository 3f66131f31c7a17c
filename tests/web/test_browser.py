"""End to end in Debian's Chromium: create a pool, two members, propose, vote, result, ledger."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.pool_engine import close_due
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served, shoot

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
PASSWORD = "a long shared secret"


async def sign_up(page: Any, url: str, username: str, name: str) -> None:
    await page.goto(url + "/signup")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Your name (optional)").fill(name)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("The same password again").fill(PASSWORD)
    await page.get_by_role("button", name="Create my account").click()
    await page.wait_for_url(url + "/")


async def create_pool(page: Any, url: str, *, screenshot: bool) -> None:
    await page.goto(url + "/create-pool")
    await page.get_by_label("Name of the pool").fill("Green Street Garden")
    await page.get_by_label("What is the pool for?").fill("Seeds and tools for the allotments.")
    await page.get_by_label("Currency of the fund").select_option("EUR")
    await page.get_by_label("Minimum share").fill("0")
    await page.get_by_label("Two thirds").check()
    await page.get_by_label("Open", exact=True).check()
    if screenshot:
        await shoot(page, "create-pool")
    await page.get_by_role("button", name="Create the pool and see its bylaws").click()
    await page.wait_for_url(url + "/pools/green_street_garden/bylaws?created=1")


async def vote(page: Any, proposal_url: str, choice: str) -> None:
    await page.goto(proposal_url)
    await page.get_by_label(choice, exact=True).check()
    await page.get_by_role("button", name="Cast my vote").click()
    await page.wait_for_url(proposal_url + "#tally")


async def test_two_members_create_propose_vote_and_follow_the_money(
    served: ServedNode, browser: Any
) -> None:
    url = served.url
    ana_context = await browser.new_context(viewport=DESKTOP)
    ben_context = await browser.new_context(viewport=DESKTOP)
    ana, ben = await ana_context.new_page(), await ben_context.new_page()
    await ana.goto(url + "/")
    await shoot(ana, "landing")
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=True)
    assert await ana.get_by_role("heading", name="Bylaws of Green Street Garden").is_visible()
    assert await ana.get_by_text("at least two thirds (2/3)").first.is_visible()
    await shoot(ana, "bylaws")

    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + "/pools/green_street_garden")
    await ben.get_by_role("link", name="Join this pool").click()
    await shoot(ben, "join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + "/pools/green_street_garden")
    assert await ben.get_by_text("You are a member").is_visible()

    # Ana, the treasurer, records the money Ben paid in.
    await ana.goto(url + "/pools/green_street_garden/ledger")
    await ana.get_by_label("From member").select_option(url + "/users/ben")
    await ana.get_by_label("Amount in EUR").fill("25")
    await ana.get_by_label("Reference").fill("cash at the spring meeting")
    await ana.get_by_role("button", name="Record the contribution").click()
    await ana.wait_for_url(url + "/pools/green_street_garden/ledger")
    assert await ana.get_by_text("EUR 25.00").first.is_visible()

    await ana.goto(url + "/pools/green_street_garden/proposals")
    await ana.get_by_label("Title").fill("Buy a shared wheelbarrow")
    await ana.get_by_label("Spend money from the fund").check()
    await ana.get_by_label("What do the members decide?").fill("A sturdy wheelbarrow for everyone.")
    await ana.get_by_label("Amount in EUR (when spending)").fill("12")
    await ana.get_by_label("Paid to (when spending)").fill("Garden shop")
    await ana.get_by_role("button", name="Open the proposal").click()
    await ana.wait_for_url("**/pools/green_street_garden/proposals/*")
    proposal_url = ana.url
    await vote(ana, proposal_url, "Agree")
    await vote(ben, proposal_url, "Agree")
    # Ana's page updates by polling the live tally: both ballots show without a reload.
    await ana.locator('[data-field="participation"]').filter(has_text="2").wait_for(timeout=10000)
    await shoot(ana, "proposal")
    await ana.goto(url + "/pools/green_street_garden/proposals")
    await shoot(ana, "proposals")

    # The voting period ends (the engine is told the time; it never reads a clock here).
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    await ben.goto(proposal_url)
    assert await ben.get_by_role("heading", name="Result").is_visible()
    assert await ben.locator(".result .badge").inner_text() == "passed"
    await shoot(ben, "result")

    await ana.goto(url + "/pools/green_street_garden/ledger")
    assert await ana.get_by_text("Chain checked").is_visible()
    assert await ana.get_by_text("EUR 12.00").first.is_visible()  # earmarked for the payee
    await shoot(ana, "ledger")

    await ana.goto(url + "/pools/green_street_garden")
    assert await ana.get_by_text("Buy a shared wheelbarrow").is_visible()
    await shoot(ana, "pool")
    phone = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_page = await phone.new_page()
    await phone_page.goto(url + "/pools/green_street_garden")
    width = await phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the pool page scrolls sideways on a phone"
    await shoot(phone_page, "pool-phone")

    await ana.goto(url + "/settings")
    await ana.get_by_label("Label for a new token").fill("phone")
    await ana.get_by_role("button", name="Create a token").click()
    token = await ana.locator("#new-token").inner_text()
    assert token.startswith("pn_")
    await shoot(ana, "settings")
    for context in (ana_context, ben_context, phone):
        await context.close()


async def test_core_flows_work_without_javascript(served: ServedNode, browser: Any) -> None:
    url = served.url
    context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = await context.new_page()
    await sign_up(page, url, "cleo", "Cleo")
    # A mistake first: the errors come back next to the fields, with a 4xx status.
    await page.goto(url + "/create-pool")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status) if r.request.method == "POST" else None)
    await page.get_by_role("button", name="Create the pool and see its bylaws").click()
    await page.wait_for_load_state()
    assert response_status and response_status[-1] == 422
    assert await page.locator("#name-error").is_visible()
    await shoot(page, "create-pool-errors")
    await create_pool(page, url, screenshot=False)
    await page.goto(url + "/pools/green_street_garden/proposals")
    await page.get_by_label("Title").fill("Meet on Saturdays")
    await page.get_by_label("What do the members decide?").fill("Work days move to Saturday.")
    await page.get_by_role("button", name="Open the proposal").click()
    await page.wait_for_url("**/pools/green_street_garden/proposals/*")
    await vote(page, page.url, "Agree")
    assert await page.get_by_text("You voted").is_visible()
    assert await page.locator('[data-count="agree"]').inner_text() == "1"
    await page.goto(url + "/settings")
    await page.get_by_role("button", name="Create a token").click()
    assert (await page.locator("#new-token").inner_text()).startswith("pn_")
    await page.get_by_role("button", name=re.compile(r"^Revoke token")).first.click()
    await page.wait_for_url(url + "/settings#tokens")
    assert await page.get_by_text("revoked").first.is_visible()
    await context.close()
