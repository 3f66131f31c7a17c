"""In Chromium: a multi-stakeholder co-op created from the wizard, a member joining in a class,
a class-majority proposal's per-class result; each page accessible at 390 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.appkeys import ACTORS
from node.pool_engine import close_due
from node.pools import load_bylaws
from tests.web.axe_check import assert_accessible
from tests.web.browser import PHONE, ServedNode, browser, served
from tests.web.test_browser import sign_up, vote

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser


async def create_coop(page: Any, url: str) -> None:
    await page.goto(url + "/create-pool")
    await page.get_by_label("Name of the pool").fill("Corner Shop")
    await page.get_by_label("What is the pool for?").fill("A shop its workers and shoppers own.")
    await page.get_by_label("Open", exact=True).check()
    await page.get_by_label("Classes, separated by commas").fill("worker, consumer")
    await page.get_by_label("Your own class").fill("worker")
    await page.get_by_label("Decisions", exact=True).check()
    await assert_accessible(page, "the pool wizard with member classes")
    await page.get_by_role("button", name="Create the pool and see its bylaws").click()
    await page.wait_for_url(url + "/pools/corner_shop/bylaws?created=1")


async def test_a_multi_stakeholder_coop_from_the_wizard(served: ServedNode, browser: Any) -> None:
    url = served.url
    ana = await (await browser.new_context(viewport=PHONE)).new_page()
    ben = await (await browser.new_context(viewport=PHONE)).new_page()
    await sign_up(ana, url, "ana", "Ana")
    # A majority in each class without classes is refused, next to the field, nothing stored.
    await ana.goto(url + "/create-pool")
    await ana.get_by_label("Name of the pool").fill("Corner Shop")
    await ana.get_by_label("Decisions", exact=True).check()
    statuses: list[int] = []
    ana.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)
    await ana.get_by_role("button", name="Create the pool and see its bylaws").click()
    await ana.wait_for_load_state()
    assert statuses[-1] == 422 and await ana.locator("#member_classes-error").is_visible()
    assert await served.app[ACTORS].by_uri(url + "/pools/corner_shop") is None

    await create_coop(ana, url)
    pool = await served.app[ACTORS].by_uri(url + "/pools/corner_shop")
    assert pool is not None
    bylaws = await load_bylaws(served.app[ACTORS], pool)
    assert bylaws.member_classes == ("worker", "consumer")
    assert [k.value for k in bylaws.class_majority] == ["decision"]

    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + "/pools/corner_shop/join")
    await ben.get_by_label("consumer").check()
    await assert_accessible(ben, "the join form with member classes")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + "/pools/corner_shop")
    await ana.goto(url + "/pools/corner_shop")
    assert await ana.get_by_text("class: consumer").is_visible()
    assert await ana.get_by_text("class: worker").is_visible()
    await assert_accessible(ana, "the members list with classes")

    await ana.goto(url + "/pools/corner_shop/proposals")
    await ana.get_by_label("Title").fill("Open on Sundays")
    await ana.get_by_label("What do the members decide?").fill("The shop opens on Sundays.")
    await ana.get_by_role("button", name="Open the proposal").click()
    await ana.wait_for_url("**/pools/corner_shop/proposals/*")
    proposal_url = ana.url
    await vote(ana, proposal_url, "Disagree")
    await vote(ben, proposal_url, "Agree")
    await close_due(served.app, datetime.now(UTC) + timedelta(days=8))
    await ana.goto(proposal_url)
    table = ana.get_by_role("table", name="In each member class")
    assert await table.get_by_role("row", name="worker 0 1 1 of 1 no").is_visible()
    assert await table.get_by_role("row", name="consumer 1 1 1 of 1 yes").is_visible()
    await assert_accessible(ana, "a class-majority result")
