"""In Debian's Chromium, as people click it: money in and out by name, a mistake kept beside its
field, releasing what will not be spent, capital statements, CSV downloads, "needs your vote",
and the same pages on a 390 px phone; every page checked with axe-core."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.pool_engine import close_due
from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served, shoot
from tests.web.test_browser import create_pool, sign_up, vote

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
POOL = "/pools/green_street_garden"


async def _propose(page: Any, url: str, title: str, amount: str | None = None) -> str:
    await page.goto(url + POOL + "/proposals")
    await page.get_by_label("Title").fill(title)
    if amount is not None:
        await page.get_by_label("Spend money from the fund").check()
        await page.get_by_label("Amount in EUR (when spending)").fill(amount)
        await page.get_by_label("Paid to (when spending)").fill("Seed shop")
    await page.get_by_label("What do the members decide?").fill(title + ", as discussed.")
    await page.get_by_role("button", name="Open the proposal").click()
    await page.wait_for_url("**" + POOL + "/proposals/*")
    return str(page.url)


async def _fits_a_phone(page: Any, what: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} scrolls sideways on a 390 px phone ({width} px)"


async def test_money_people_can_read(served: ServedNode, browser: Any) -> None:
    url = served.url
    ana_context = await browser.new_context(viewport=DESKTOP, timezone_id="America/New_York",
                                            accept_downloads=True)
    ben_context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    for context in (ana_context, ben_context):
        context.set_default_timeout(30000)  # a missing element fails with its name, not the suite's timeout
    ana, ben = await ana_context.new_page(), await ben_context.new_page()
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=False)  # ana: steward and treasurer
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)

    # A mistake first: the ledger comes back with the reason beside the amount, the rest kept.
    await ana.goto(url + POOL + "/ledger")
    await ana.get_by_label("From member").select_option(label="Ben")
    await ana.get_by_label("Amount in EUR").fill("25.005")
    await ana.get_by_label("Reference").fill("transfer 17")
    async with ana.expect_response(lambda r: r.request.method == "POST") as posted:
        await ana.get_by_role("button", name="Record the contribution").click()
    assert (await posted.value).status == 422
    await ana.locator("#amount-error").wait_for()
    assert await ana.get_by_label("Reference").input_value() == "transfer 17"
    assert await ana.get_by_label("Amount in EUR").input_value() == "25.005"
    await assert_accessible(ana, "ledger with an error")
    await ana.get_by_label("Amount in EUR").fill("25")
    await ana.get_by_role("button", name="Record the contribution").click()
    await ana.wait_for_url(url + POOL + "/ledger")
    row = ana.locator("#entry-1")
    assert "Contribution from Ben" in await row.inner_text()
    assert await row.locator('[data-label="Money in"]').inner_text() == "EUR 25.00"
    assert await row.locator('[data-label="Reference"]').inner_text() == "transfer 17"
    # The time was written in UTC; the script shows it in the reader's zone (New York here).
    assert "UTC" not in await row.locator("time").inner_text()

    # A disbursement passes; the treasurer releases part of it, after a too-large try.
    seeds = await _propose(ana, url, "Buy seeds", "12")
    await vote(ana, seeds, "Agree")
    await vote(ben, seeds, "Agree")
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    await ana.goto(url + POOL + "/ledger")
    release = ana.get_by_label("Unspent amount to return to the fund in EUR")
    await release.fill("13")
    await ana.get_by_role("button", name="Release to the fund").click()
    await ana.locator("#release-1-error").filter(has_text="more than the EUR 12.00 still committed").wait_for()
    assert await release.input_value() == "13"
    await release.fill("5")
    await ana.get_by_role("button", name="Release to the fund").click()
    await ana.wait_for_url(url + POOL + "/ledger#commitments")
    await ana.get_by_label("Payment reference for Seed shop").fill("invoice 4")
    await ana.get_by_role("button", name="Record payment to Seed shop").click()
    await ana.wait_for_url(url + POOL + "/ledger#commitments")
    paid = ana.locator("#entry-4")
    assert "Payment to Seed shop for Buy seeds" in await paid.inner_text()
    assert await paid.locator('[data-label="Money out"]').inner_text() == "EUR 7.00"
    assert await paid.locator('[data-label="Reference"]').inner_text() == "invoice 4"
    assert "http://" not in await ana.locator("main").inner_text()
    await assert_accessible(ana, "ledger")
    await shoot(ana, "ledger")

    # CSV, downloaded as a person does.
    async with ana.expect_download() as download:
        await ana.get_by_role("link", name="ledger", exact=True).click()
    rows = list(csv.DictReader(io.StringIO(
        (await (await download.value).path()).read_text(encoding="utf-8"))))
    assert [(r["kind"], r["money_in"], r["money_out"]) for r in rows] == [
        ("contribution", "25.00", ""), ("commitment", "", ""), ("release", "", ""), ("payment", "", "7.00")]

    # Capital: Ben's own statement; Ana, a steward, also the share register.
    await ben.goto(url + POOL + "/ledger")
    await ben.get_by_role("link", name="Capital statements").click()
    assert await ben.get_by_role("heading", name="Your capital in Green Street Garden").is_visible()
    assert await ben.locator('[data-field="contributed"]').inner_text() == "EUR 25.00"
    assert not await ben.get_by_role("heading", name="Share register").count()
    await ana.goto(url + POOL + "/capital")
    await ana.get_by_role("link", name="Ben").click()
    assert await ana.get_by_role("heading", name="Capital of Ben").is_visible()
    await assert_accessible(ana, "capital statement")  # axe needs JavaScript: Ana's browser has it
    await ana.goto(url + POOL + "/capital")
    await assert_accessible(ana, "share register")
    await shoot(ana, "capital")

    # Needs your vote, on the home page, until one has voted.
    paint = await _propose(ana, url, "Paint the shed")
    await ben.goto(url + "/")
    votes = ben.locator("#needs-vote")
    assert "Paint the shed" in await votes.inner_text() and "(closes in " in await votes.inner_text()
    assert "UTC" in await votes.locator("time").inner_text()  # no JavaScript: UTC, as written
    await ana.goto(url + "/")
    assert "UTC" not in await ana.locator("#needs-vote time").inner_text()
    await assert_accessible(ana, "home page")
    await shoot(ana, "home-needs-vote")
    await vote(ben, paint, "Agree")
    await ben.goto(url + "/")
    assert "Paint the shed" not in await ben.locator("#needs-vote").inner_text()

    # The same pages on a 390 px phone: nothing scrolls sideways.
    phone_context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                              storage_state=await ana_context.storage_state())
    phone = await phone_context.new_page()
    for path in (POOL + "/ledger", POOL + "/capital", "/"):
        await phone.goto(url + path)
        await _fits_a_phone(phone, path)
    await phone.goto(url + POOL + "/ledger")
    await assert_accessible(phone, "ledger on a phone")
    await shoot(phone, "ledger-phone")
    for context in (ana_context, ben_context, phone_context):
        await context.close()
