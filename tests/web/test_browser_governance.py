"""In Debian's Chromium: a treasurer pays out a passed disbursement, the members change their
bylaws through a proposal, and a steward turns an applicant down with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.pool_engine import close_due
from tests.web.browser import DESKTOP, ServedNode, browser, served, shoot
from tests.web.test_browser import create_pool, sign_up, vote

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
POOL = "/pools/green_street_garden"


async def _close_votes(served: ServedNode) -> None:
    # The voting period ends: the engine is told the time (it never reads a clock here).
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))


async def test_pay_out_change_the_bylaws_and_turn_an_applicant_down(
    served: ServedNode, browser: Any
) -> None:
    url = served.url
    contexts = [await browser.new_context(viewport=DESKTOP) for _ in range(3)]
    # Cleo's browser runs without JavaScript: every page here must work without it.
    contexts[2] = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    ana, ben, cleo = [await context.new_page() for context in contexts]
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=False)  # open admission; ana is steward and treasurer
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)

    # Money in, a disbursement decided, then paid out by the treasurer.
    await ana.goto(url + POOL + "/ledger")
    await ana.get_by_label("From member").select_option(url + "/users/ben")
    await ana.get_by_label("Amount in EUR").fill("25")
    await ana.get_by_role("button", name="Record the contribution").click()
    await ana.wait_for_url(url + POOL + "/ledger")
    await ana.goto(url + POOL + "/proposals")
    await ana.get_by_label("Title").fill("Buy seeds")
    await ana.get_by_label("Spend money from the fund").check()
    await ana.get_by_label("What do the members decide?").fill("Seeds for the spring.")
    await ana.get_by_label("Amount in EUR (when spending)").fill("12")
    await ana.get_by_label("Paid to (when spending)").fill("Seed shop")
    await ana.get_by_role("button", name="Open the proposal").click()
    await ana.wait_for_url("**" + POOL + "/proposals/*")
    seeds = ana.url
    await vote(ana, seeds, "Agree")
    await vote(ben, seeds, "Agree")
    await _close_votes(served)
    await ana.goto(url + POOL + "/ledger")
    assert await ana.get_by_role("heading", name="Approved, not yet paid").is_visible()
    # Too much first: the form comes back with the reason and nothing is booked.
    await ana.get_by_label("Amount paid to Seed shop in EUR").fill("13")
    await ana.get_by_label("Payment reference for Seed shop").fill("transfer 7")
    await ana.get_by_role("button", name="Record payment to Seed shop").click()
    await ana.locator("#amount-error").filter(
        has_text="is more than the EUR 12.00 still committed to Seed shop").wait_for()
    assert await ana.get_by_label("Payment reference").input_value() == "transfer 7"
    await shoot(ana, "payment-error")
    await ana.get_by_label("Amount paid to Seed shop in EUR").fill("12")
    await ana.get_by_role("button", name="Record the payment").click()
    await ana.wait_for_url(url + POOL + "/ledger#commitments")
    assert await ana.get_by_text("Paid to Seed shop").first.is_visible()
    assert not await ana.get_by_role("heading", name="Approved, not yet paid").count()
    assert await ana.get_by_text("Chain checked").is_visible()
    await shoot(ana, "ledger-paid")
    # Ben is no treasurer: he sees no payment form on the ledger page.
    await ben.goto(url + POOL + "/ledger")
    assert not await ben.get_by_role("button", name="Record payment to Seed shop").count()

    # New bylaws: a steward admits, a quorum of two thirds, three days of voting.
    await ben.goto(url + POOL + "/proposals")
    assert await ben.get_by_label("Quorum: the share of the members who must take part").input_value() == "1/2"
    await ben.get_by_label("Title").fill("A steward admits new members")
    await ben.get_by_label("Change the bylaws").check()
    await ben.get_by_label("Quorum: the share of the members who must take part").fill("2/3")
    await ben.get_by_label("Voting lasts").fill("3 days")
    await ben.get_by_label("A steward admits").check()
    await ben.get_by_role("button", name="Open the proposal").click()
    await ben.wait_for_url("**" + POOL + "/proposals/*")
    change = ben.url
    assert await ben.get_by_role("heading", name="What this changes in the bylaws").is_visible()
    assert await ben.get_by_role("row", name="Quorum").get_by_text("two thirds (2/3) of the members take part").is_visible()
    await shoot(ben, "bylaws-change")
    await vote(ben, change, "Agree")
    await vote(ana, change, "Agree")
    await _close_votes(served)
    await ana.goto(change)
    assert await ana.locator(".result .badge").inner_text() == "passed"
    await ana.goto(url + POOL + "/bylaws")
    assert await ana.get_by_text("Quorum: two thirds (2/3) of the members").is_visible()
    assert await ana.get_by_text("Voting lasts 3 days").is_visible()
    assert await ana.get_by_text("is admitted by a steward").is_visible()

    # Cleo asks to join; Ana, a steward, turns her down with a reason; Cleo may ask again.
    await sign_up(cleo, url, "cleo", "Cleo")
    await cleo.goto(url + POOL + "/join")
    await cleo.get_by_role("button", name="Ask to join").click()
    await cleo.wait_for_url(url + POOL)
    assert await cleo.get_by_text("Your application is waiting for a steward").is_visible()
    await ana.goto(url + POOL)
    await ana.get_by_label("Reason for turning Cleo down (optional, they will see it)").fill(
        "We are full until the autumn.")
    await shoot(ana, "applicants")
    await ana.get_by_role("button", name="Turn Cleo down").click()
    await ana.wait_for_url(url + POOL + "#members")
    assert not await ana.get_by_text("Waiting to join").count()
    await cleo.goto(url + POOL)
    assert await cleo.get_by_role("link", name="Join this pool").is_visible()
    for context in contexts:
        await context.close()
