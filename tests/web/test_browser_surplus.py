"""In Chromium: a co-op with share types from the wizard; a member admitted once their share is
paid reads the share register; a surplus is proposed after its split is shown, passes, is booked
and paid in the ledger; each page accessible at 390 px."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.web.axe_check import assert_accessible
from tests.web.browser import PHONE, ServedNode, browser, served
from tests.web.test_browser import sign_up, vote

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser

POOL = "/pools/corner_shop"


async def create_coop(page: Any, url: str) -> None:
    await page.goto(url + "/create-pool")
    await page.get_by_label("Name of the pool").fill("Corner Shop")
    await page.get_by_label("Open", exact=True).check()
    await page.get_by_label("Share types, one a line").fill("member share; 10.00; 1")
    await page.get_by_label("In equal shares: every member the same").check()
    await assert_accessible(page, "the pool wizard with share types")
    await page.get_by_role("button", name="Create the pool and see its bylaws").click()
    await page.wait_for_url(url + POOL + "/bylaws?created=1")


async def test_a_surplus_is_shared_and_the_register_read(served: ServedNode, browser: Any) -> None:
    url = served.url
    ana = await (await browser.new_context(viewport=PHONE)).new_page()
    ben = await (await browser.new_context(viewport=PHONE)).new_page()
    await sign_up(ana, url, "ana", "Ana")
    await create_coop(ana, url)
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)

    # Ana, the treasurer, records Ben's payment: it covers his share, so he is admitted holding it.
    await ana.goto(url + POOL + "/ledger")
    await ana.get_by_label("From member").select_option(url + "/users/ben")
    await ana.get_by_label("Amount in EUR").fill("30")
    await ana.get_by_label("Reference").fill("cash")
    await ana.get_by_role("button", name="Record the contribution").click()
    await ana.wait_for_url(url + POOL + "/ledger")

    await ben.goto(url + POOL + "/shares")
    row = ben.locator(f'tr[data-person="{url}/users/ben"]')
    assert "member share" in await row.inner_text() and "EUR 10.00" in await row.inner_text()
    await assert_accessible(ben, "the share register")

    await ben.goto(url + POOL + "/proposals")
    await ben.get_by_label("Title").fill("Share the spring surplus")
    await ben.get_by_label("Share a surplus among the members, or put it into reserves").check()
    await ben.get_by_label("What do the members decide?").fill("A good spring.")
    await ben.get_by_label("Amount in EUR (when spending)").fill("12.01")
    await ben.get_by_label("Into reserves, in EUR").fill("5")
    async with ben.expect_response(lambda r: r.request.method == "POST") as posted:
        await ben.get_by_role("button", name="Open the proposal").click()
    assert (await posted.value).status == 422  # nothing proposed yet: the split is shown first
    await ben.wait_for_load_state()
    split = ben.get_by_role("table", name="The split if the members pass it")
    # Equal shares of 12.01: the cent left over goes to the smaller member id (Ana's).
    assert "EUR 6.01" in await split.locator("tbody tr", has_text="Ana").inner_text()
    assert "EUR 6.00" in await split.locator("tbody tr", has_text="Ben").inner_text()
    await assert_accessible(ben, "the split shown before proposing")
    await ben.get_by_label("Propose this split").check()
    await ben.get_by_role("button", name="Open the proposal").click()
    await ben.wait_for_url("**" + POOL + "/proposals/*")
    proposal_url = ben.url
    await vote(ana, proposal_url, "Agree")
    await vote(ben, proposal_url, "Agree")
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    async with asyncio.timeout(30):
        while True:  # the close carries its effect out before close_due returns; read it back
            stored = await store(served.app).proposal(url + "/pools/corner_shop/proposals/"
                                                     + proposal_url.rsplit("/", 1)[1])
            if stored is not None and stored.effect == "done":
                break
            await asyncio.sleep(0.05)

    await ana.goto(url + POOL + "/ledger")
    await ana.get_by_label("Amount paid to Ben in EUR").fill("6.00")
    await ana.get_by_label("Payment reference for Ben").fill("transfer 7")
    await ana.get_by_role("button", name="Record payment to Ben").click()
    await ana.wait_for_url(url + POOL + "/ledger#commitments")
    assert await ana.get_by_text("transfer 7").first.is_visible()
    assert await ana.get_by_text("Share the spring surplus: share of Ana").first.is_visible()
    await assert_accessible(ana, "the ledger with a surplus booked and paid")
