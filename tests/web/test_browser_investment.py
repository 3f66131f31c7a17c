"""In Debian's Chromium: a member proposes to buy a cargo van with the proposal form (part from
the fund, the rest called from the members), both members vote it through, the treasurer records
each member's payment on the capital call's page (an over-payment is refused with the reason),
and the van appears in the asset register. The form and the call's page pass axe-core and fit a
390 px phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from node.accounts import now_iso
from node.appkeys import ACTORS, WEB
from node.assets.investment import calls
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.web.passwords import hash_password
from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served
from tests.web.helpers import PASSWORD

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser


async def _sign_in(page: Any, url: str, username: str) -> None:
    await page.goto(url + "/signin")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(url + "/")


async def _fits_a_phone(page: Any, what: str) -> None:
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} scrolls sideways on a 390 px phone ({width} px)"
    await page.set_viewport_size(DESKTOP)


async def _vote(page: Any, path: str) -> None:
    await page.goto(path)
    await page.get_by_label("Agree", exact=True).check()
    await page.get_by_role("button", name="Cast my vote").click()
    await page.wait_for_url(path + "#tally")


async def _pay(page: Any, name: str, amount: str) -> Any:
    await page.get_by_label("Member who paid").select_option(label=name)
    await page.get_by_label("Amount received, in EUR").fill(amount)
    await page.get_by_label("Reference (e.g. the bank transfer)").fill("bank")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="Record the payment").click()
    return await posted.value


async def test_an_investment_is_proposed_passed_paid_and_registered(
    served: ServedNode, browser: Any
) -> None:
    url, app = served.url, served.app
    for name in ("alice", "admin"):
        actor = await app[ACTORS].get(name, "member")
        await app[WEB].set_password(actor.id, await hash_password(PASSWORD), now_iso())
    alice_context = await browser.new_context(viewport=DESKTOP)
    admin_context = await browser.new_context(viewport=DESKTOP)
    for context in (alice_context, admin_context):
        context.set_default_timeout(30000)
    alice, admin = await alice_context.new_page(), await admin_context.new_page()

    await _sign_in(alice, url, "alice")
    await alice.goto(url + "/pools/commons/proposals")
    await alice.get_by_label("Title").fill("Buy a cargo van")
    await alice.get_by_label("Buy an asset (investment)", exact=False).check()
    await alice.get_by_label("Asset to buy").fill("Cargo van")
    await alice.get_by_label("Kind of asset").select_option("vehicle")
    await alice.get_by_label("Looked after by", exact=False).fill("@alice")
    await alice.get_by_label("Price, in EUR").fill("100.01")
    await assert_accessible(alice, "the proposal form filled in for an investment")
    await _fits_a_phone(alice, "the proposal form")
    await alice.get_by_role("button", name="Open the proposal").click()
    await alice.wait_for_url(f"{url}/pools/commons/proposals/*")
    path = alice.url
    assert "Buy Cargo van for EUR 100.01" in await alice.locator("main").inner_text()
    await _vote(alice, path)
    await _sign_in(admin, url, "admin")
    await _vote(admin, path)

    stored = await store(app).proposal(path.replace(url, served.setup.config.base_url))
    assert stored is not None
    closes = datetime.fromisoformat(stored.closes_at.replace("Z", "+00:00"))
    assert await close_due(app, closes + timedelta(seconds=1)) == [stored.uri]
    await admin.goto(path)
    assert "capital call open: EUR 0.00 of EUR 100.01 paid" in await admin.locator("#effect").inner_text()
    await admin.get_by_role("link", name="The capital call, member by member").click()
    await admin.wait_for_url(path + "/call")
    call = await calls(app).by_proposal(stored.uri)
    assert call is not None and sorted(due for _, due in call.dues) == [5000, 5001]
    await assert_accessible(admin, "a capital call's page")
    await _fits_a_phone(admin, "a capital call's page")

    dues = {person.rsplit("/", 1)[-1]: due for person, due in call.dues}
    answer = await _pay(admin, "alice (owes EUR %.2f)" % (dues["alice"] / 100), "60")
    assert answer.status == 422
    assert "more than this member still owes" in await admin.get_by_role("alert").inner_text()
    await assert_accessible(admin, "a capital call's page with a refused payment")
    for name in ("alice", "admin"):
        answer = await _pay(admin, f"{name} (owes EUR {dues[name] / 100:.2f})", f"{dues[name] / 100:.2f}")
        assert answer.status == 303
        await admin.wait_for_url(path + "/call")
    assert "paid in full" in await admin.locator("[data-field=call-state]").inner_text()
    await admin.goto(url + "/pools/commons/assets")
    await admin.get_by_role("link", name="Cargo van").click()
    assert "EUR 100.01" in await admin.locator("main").inner_text()
    for context in (alice_context, admin_context):
        await context.close()
