"""In Debian's Chromium: members talk about a proposal. Ben's browser runs without JavaScript:
he comments and replies; Ana, a steward, hides a comment with a reason everyone then sees, and
blocks an outsider's spam from the thread for the pool; the thread and the moderation page pass
axe-core and fit a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, served, shoot
from tests.web.test_browser import create_pool, sign_up

__all__ = ["browser", "served"]

pytestmark = pytest.mark.browser
POOL = "/pools/green_street_garden"


async def test_post_reply_and_a_steward_hides_a_comment(served: ServedNode, browser: Any) -> None:
    url = served.url
    ana_context = await browser.new_context(viewport=DESKTOP)
    ben_context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    ana, ben = await ana_context.new_page(), await ben_context.new_page()
    await sign_up(ana, url, "ana", "Ana")
    await create_pool(ana, url, screenshot=False)  # open admission; ana is steward
    await sign_up(ben, url, "ben", "Ben")
    await ben.goto(url + POOL + "/join")
    await ben.get_by_role("button", name="Join now").click()
    await ben.wait_for_url(url + POOL)

    # Ana starts a discussion; Ben, without JavaScript, comments and replies to himself.
    await ana.goto(url + POOL)
    await ana.get_by_role("link", name="Discussions").click()
    await ana.get_by_label("Title").fill("Raised beds")
    await ana.get_by_label("What do you want to talk about?").fill("Wood or stone, @ben?")
    await ana.get_by_role("button", name="Start the discussion").click()
    await ana.wait_for_url("**" + POOL + "/discussions/*")
    discussion = ana.url
    assert await ana.get_by_role("link", name="@ben").is_visible()  # the mention links

    await ben.goto(discussion)
    await ben.get_by_label("Your comment").fill("Stone lasts longer.")
    await ben.get_by_role("button", name="Post the comment").click()
    await ben.wait_for_url(discussion + "#comment-*")
    await ben.get_by_text("Reply to Ben", exact=True).click()  # <details> opens without JavaScript
    await ben.get_by_label("Your reply to Ben").fill("And my uncle sells cheap stone: call 555-0199!")
    await ben.get_by_role("button", name="Post the reply").click()
    await ben.wait_for_url(discussion + "#comment-*")
    assert await ben.get_by_text("Stone lasts longer.").is_visible()
    assert await ben.locator("ol.replies").get_by_text("my uncle sells cheap stone").is_visible()

    # Ana, a steward, hides the advert with a reason.
    await ana.goto(discussion)
    advert = ana.locator("article", has_text="my uncle sells cheap stone")
    await advert.get_by_text("Hide this comment", exact=True).click()
    await advert.get_by_label("Why hide this comment? (shown in its place)").fill("No adverts, please")
    await advert.get_by_role("button", name="Hide the comment").click()
    await ana.wait_for_url(discussion + "#comment-*")
    await shoot(ana, "discussion-hidden")
    await assert_accessible(ana, "a discussion with a hidden comment")

    await ben.goto(discussion)
    assert await ben.get_by_text("Hidden by a steward: No adverts, please").is_visible()
    assert await ben.get_by_text("Stone lasts longer.").is_visible()
    # The author may still open what he wrote; the thread keeps its place.
    assert await ben.get_by_text("Show the hidden comment").is_visible()

    # Cy, who is no member, posts spam; Ana blocks Cy for the pool from the comment itself.
    cy_context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    cy = await cy_context.new_page()
    await sign_up(cy, url, "cy", "Cy")
    await cy.goto(discussion)
    await cy.get_by_label("Your comment").fill("Buy followers at followers.example!")
    await cy.get_by_role("button", name="Post the comment").click()
    await cy.wait_for_url(discussion + "#comment-*")
    await ana.goto(discussion)
    spam = ana.locator("article", has_text="Buy followers")
    await spam.get_by_text("Block Cy for the pool", exact=True).click()
    await spam.get_by_label("Why block Cy? (logged for the other stewards)").fill("Selling followers")
    await spam.get_by_role("button", name="Block Cy").click()
    await ana.wait_for_url(discussion + "#comment-*")
    await ana.goto(url + POOL)
    await ana.get_by_role("link", name="Moderation").click()
    assert await ana.get_by_text("Blocked by Ana on").is_visible()
    assert await ana.get_by_text("Selling followers").first.is_visible()
    await assert_accessible(ana, "the moderation page")
    await cy.goto(discussion)
    await cy.get_by_label("Your comment").fill("Still selling")
    await cy.get_by_role("button", name="Post the comment").click()
    assert await cy.get_by_text("blocked you", exact=False).is_visible()

    phone = await (await browser.new_context(viewport=PHONE)).new_page()
    await phone.goto(discussion)
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await shoot(phone, "discussion-phone")
    moderation = await ana_context.new_page()
    await moderation.set_viewport_size(PHONE)
    await moderation.goto(url + POOL + "/moderation")
    assert await moderation.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for context in (ana_context, ben_context, cy_context):
        await context.close()
