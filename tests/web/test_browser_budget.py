"""A budget round in Debian's Chromium, as people click it: Ana opens a round from the proposal
form, Ana and Ben each propose a bucket, both allocate (Ben without JavaScript), the round
closes and the funded buckets are set aside in the ledger. axe-core on every page, and a phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.pool_engine import close_due
from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served, shoot
from tests.web.test_browser import create_pool, sign_up

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
POOL = "/pools/green_street_garden"


async def _bucket(page: Any, round_url: str, title: str, why: str, low: str, high: str) -> None:
    await page.goto(round_url)
    form = page.locator("#propose")
    await form.get_by_label("Title").fill(title)
    await form.get_by_label("What the money is for").fill(why)
    await form.get_by_label("The least it needs, in EUR").fill(low)
    await form.get_by_label("The most it can use, in EUR").fill(high)
    await form.get_by_role("button", name="Propose this bucket").click()
    await page.wait_for_url(round_url + "#bucket-*")


async def test_a_budget_round_from_opening_to_the_ledger(served: ServedNode, browser: Any) -> None:
    url = served.url
    ana_context = await browser.new_context(viewport=DESKTOP)
    ana = await ana_context.new_page()
    ben = await (await browser.new_context(viewport=DESKTOP, java_script_enabled=False)).new_page()
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=False)
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)
    # Ana, the treasurer, records what Ben paid in: the fund holds EUR 100.00.
    await ana.goto(url + POOL + "/ledger")
    await ana.get_by_label("From member").select_option(url + "/users/ben")
    await ana.get_by_label("Amount in EUR").fill("100")
    await ana.get_by_role("button", name="Record the contribution").click()
    await ana.wait_for_url(url + POOL + "/ledger")

    # Ana opens a round of EUR 80.00 from the proposal form.
    await ana.goto(url + POOL + "/proposals")
    await ana.get_by_label("Title").fill("Spring round")
    await ana.get_by_label("A budget round").check()
    await ana.get_by_label("What do the members decide?").fill("What the garden does this spring.")
    await ana.get_by_label("Pot to share out, in EUR").fill("80")
    await assert_accessible(ana, "the proposal form with a budget round")
    await ana.get_by_role("button", name="Open the proposal").click()
    await ana.wait_for_url("**" + POOL + "/proposals/*")
    round_url = ana.url
    assert await ana.locator("#allowance").inner_text() == "EUR 40.00"  # 80 shared by 2 members
    await assert_accessible(ana, "a new budget round")

    await _bucket(ana, round_url, "Seeds", "Seeds for the beds", "20", "50")
    await _bucket(ben, round_url, "Tool shed", "A shed for the shared tools", "40", "60")
    await ana.goto(round_url)
    meters = ana.locator("meter.funding")
    assert await meters.count() == 2
    assert await ana.get_by_label("Funding of Seeds").get_attribute("low") == "2000"

    # Ana allocates with JavaScript: the allowance left follows her typing.
    await ana.get_by_label("To Seeds").fill("30")
    await ana.get_by_label("To Tool shed").fill("15")
    assert await ana.locator("[data-left]").inner_text() == "EUR -5.00"
    await ana.get_by_role("button", name="Save my allocation").click()
    alert = ana.get_by_role("alert")
    assert "take EUR 5.00 off" in await alert.inner_text()
    assert await ana.get_by_label("To Tool shed").input_value() == "15"  # what she typed is kept
    await assert_accessible(ana, "a refused allocation")
    await shoot(ana, "budget-allocation-error")
    # A number the browser cannot read would be sent empty (0): the page stops it and says why.
    await ana.get_by_label("To Tool shed").fill("")
    await ana.get_by_label("To Tool shed").press_sequentially("1e")
    await ana.get_by_role("button", name="Save my allocation").click()
    assert await ana.locator("#allocation-unreadable").is_visible()
    assert await ana.get_by_label("To Tool shed").get_attribute("aria-invalid") == "true"
    await ana.get_by_label("To Tool shed").fill("10")
    await ana.get_by_role("button", name="Save my allocation").click()
    await ana.wait_for_url(round_url + "#allocate")
    assert "EUR 0.00" in await ana.locator("#remaining").inner_text()

    # Ben has no JavaScript: he types, saves, and the page says what is left.
    await ben.goto(round_url)
    await ben.get_by_label("To Tool shed").fill("35")
    await ben.get_by_role("button", name="Save my allocation").click()
    await ben.wait_for_url(round_url + "#allocate")
    assert "EUR 5.00" in await ben.locator("#remaining").inner_text()
    progress = await ben.locator("#progress-2").inner_text()
    assert "EUR 45.00 received" in progress and "Minimum reached" in progress
    await ana.goto(round_url)
    await shoot(ana, "budget-round")

    # On a 390 px phone the round page fits and passes axe too.
    phone = await (await browser.new_context(viewport=PHONE, storage_state=await ana_context.storage_state())).new_page()
    await phone.goto(round_url)
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await assert_accessible(phone, "a budget round on a phone")

    # The round closes (the clock moves past its end): both buckets are funded and set aside.
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    await ana.goto(round_url)
    result = await ana.locator("#result").inner_text()
    assert "EUR 75.00 of the EUR 80.00 pot is funded; EUR 5.00 stays in the fund." in result
    await assert_accessible(ana, "a closed budget round")
    await shoot(ana, "budget-result")
    await ana.get_by_role("link", name="ledger").click()
    await ana.wait_for_url(url + POOL + "/ledger")
    ledger = await ana.locator("main").inner_text()
    assert "Seeds (Spring round)" in ledger and "Tool shed (Spring round)" in ledger
    assert "EUR 25.00" in ledger  # the fund: 100 less the 75 set aside
    await assert_accessible(ana, "the ledger after a round")
    # Ben proposed the tool shed: Ana records paying him its money.
    await ana.get_by_role("button", name="Record payment to Ben").click()
    await ana.wait_for_url(url + POOL + "/ledger*")
    await phone.goto(url + POOL + "/ledger")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
