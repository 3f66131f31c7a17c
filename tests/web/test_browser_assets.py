"""In Debian's Chromium: a member books the pool's van from its page; another member's
overlapping booking is refused with the booking in the way shown; both
pages pass axe-core and fit a 390 px phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from node.accounts import now_iso
from node.appkeys import ACTORS, WEB
from node.assets.bookings import bookings
from node.web.passwords import hash_password
from tests.node.assets.helpers import bought_van
from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served
from tests.web.helpers import PASSWORD

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
DAY = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")


async def _sign_in(page: Any, url: str, username: str) -> None:
    await page.goto(url + "/signin")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(url + "/")


async def _book(page: Any, start: str, end: str) -> Any:
    dates = page.get_by_label("Date")
    times = page.get_by_label("Time")
    await dates.nth(0).fill(DAY)
    await times.nth(0).fill(start)
    await dates.nth(1).fill(DAY)
    await times.nth(1).fill(end)
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="Book", exact=True).click()
    return await posted.value


async def _fits_a_phone(page: Any, what: str) -> None:
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} scrolls sideways on a 390 px phone ({width} px)"
    await page.set_viewport_size(DESKTOP)


async def test_a_member_books_the_van_and_an_overlap_is_refused_with_the_reason(
    served: ServedNode, browser: Any
) -> None:
    url, setup = served.url, served.setup
    async with aiohttp.ClientSession(base_url=url) as http:
        van = await bought_van(SimpleNamespace(app=served.app, post=http.post, get=http.get), setup)
    for name in ("alice", "admin"):
        actor = await served.app[ACTORS].get(name, "member")
        await served.app[WEB].set_password(actor.id, await hash_password(PASSWORD), now_iso())
    path = url + "/pools/commons/assets/" + van.uri.rsplit("/", 1)[-1]

    alice_context = await browser.new_context(viewport=DESKTOP)
    admin_context = await browser.new_context(viewport=DESKTOP)
    for context in (alice_context, admin_context):
        context.set_default_timeout(30000)
    alice, admin = await alice_context.new_page(), await admin_context.new_page()
    await _sign_in(alice, url, "alice")
    await alice.goto(url + "/pools/commons/assets")
    await alice.get_by_role("link", name="Cargo van").click()
    await alice.wait_for_url(path)
    await assert_accessible(alice, "an asset's page")
    await _fits_a_phone(alice, "an asset's page")
    answer = await _book(alice, "09:00", "13:00")
    assert answer.status == 303
    await alice.wait_for_url(path + "?booked=1#bookings")
    row = alice.locator("tr[data-booking]")
    assert await row.count() == 1 and "alice" in await row.inner_text()
    [held] = await bookings(served.app).of_asset(van.id)
    assert (held.start_at, held.end_at) == (f"{DAY}T09:00:00Z", f"{DAY}T13:00:00Z")

    await _sign_in(admin, url, "admin")
    await admin.goto(path)
    answer = await _book(admin, "12:00", "14:00")
    assert answer.status == 409
    refusal = admin.get_by_role("alert")
    text = await refusal.inner_text()
    assert "That time is taken: Cargo van is booked from" in text and f"{DAY} 09:00" in text
    assert "by alice" in text
    assert await admin.get_by_label("Time").nth(0).input_value() == "12:00"
    await assert_accessible(admin, "an asset's page with a refused booking")
    await _fits_a_phone(admin, "an asset's page with a refused booking")
    assert len(await bookings(served.app).of_asset(van.id)) == 1
    for context in (alice_context, admin_context):
        await context.close()
