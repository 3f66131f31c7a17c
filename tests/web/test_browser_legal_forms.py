"""In Chromium: a pool created from the wizard as a UK co-operative society, its bylaws read as
the society's rules, and the PDF downloaded from the bylaws page; accessible and 390 px wide."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from governance.legal import GoverningBody, LegalForm
from node.appkeys import ACTORS
from node.pools import load_bylaws
from tests.web.axe_check import assert_accessible
from tests.web.browser import PHONE, ServedNode, browser, served
from tests.web.test_browser import sign_up

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"


async def test_a_uk_coop_from_the_wizard_and_its_bylaws_as_pdf(served: ServedNode, browser: Any) -> None:
    url = served.url
    context = await browser.new_context(viewport=PHONE, accept_downloads=True)
    page = await context.new_page()
    await sign_up(page, url, "ana", "Ana")
    await page.goto(url + "/create-pool")
    await page.get_by_label("Name of the pool").fill("Millbrook Bakery")
    await page.get_by_label("What is the pool for?").fill("Bread for the valley.")
    await page.get_by_label("UK co-operative society rules").check()
    await page.get_by_label("Registered office").fill("4 Mill Lane, Hebden Bridge")
    await page.get_by_label("Who runs the pool between general meetings").select_option("board")
    await page.get_by_label("Members on the board (if there is one)").fill("5")
    await page.get_by_label("Last day of the financial year (MM-DD)").fill("06-30")
    await assert_accessible(page, "the pool wizard with a legal form")
    await page.get_by_role("button", name="Create the pool and see its bylaws").click()
    await page.wait_for_url(url + "/pools/millbrook_bakery/bylaws?created=1")

    pool = await served.app[ACTORS].by_uri(url + "/pools/millbrook_bakery")
    assert pool is not None
    legal = (await load_bylaws(served.app[ACTORS], pool)).legal
    assert (legal.form, legal.governing_body, legal.board_size, legal.year_end) == (
        LegalForm.UK_COOP, GoverningBody.BOARD, 5, "06-30")
    assert await page.get_by_role("heading", name="Rules of Millbrook Bakery").is_visible()
    assert await page.get_by_text("Not legal advice.", exact=False).first.is_visible()
    assert await page.get_by_text("a board of 5 members", exact=False).is_visible()
    assert not await page.evaluate(_SIDEWAYS), "the bylaws page scrolls sideways at 390 px"
    await assert_accessible(page, "the bylaws as a UK co-operative society's rules")

    async with page.expect_download() as waiting:
        await page.locator("#bylaws-pdf").click()
    download = await waiting.value
    assert download.suggested_filename == "millbrook_bakery-bylaws-uk_coop-en.pdf"
    data = (await download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Millbrook Bakery" in text and "4 Mill Lane, Hebden Bridge" in text
    # The link's own response: its status and type.
    href = await page.locator("#bylaws-pdf").get_attribute("href")
    response = await page.request.get(url + str(href))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    await context.close()
