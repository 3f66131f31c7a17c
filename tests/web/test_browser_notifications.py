"""In Debian's Chromium, without JavaScript: a member asks for mail at once, a proposal opens,
the notification shows in the header and the list and is marked read; the mail that a real
SMTP server on loopback received leads her to the proposal. The pages pass axe-core and fit
a phone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from node.accounts import now_iso
from node.app import create_app
from node.appkeys import ACTORS, WEB
from node.web.passwords import hash_password
from tests.conftest import make_node
from tests.node.notifications.smtp_server import Inbox, smtp_server
from tests.web.axe_check import assert_accessible
from tests.web.browser import DESKTOP, PHONE, ServedNode, _free_port, browser, shoot
from tests.web.helpers import PASSWORD

__all__ = ["browser"]

pytestmark = pytest.mark.browser


@pytest.fixture
async def mailing(tmp_path: Path) -> AsyncIterator[tuple[ServedNode, Inbox]]:
    with smtp_server() as (inbox, smtp_port):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        setup = await make_node(tmp_path / "data", base_url=url, smtp_host="127.0.0.1",
                                smtp_port=smtp_port, smtp_security="none")
        app = create_app(setup.config)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            for name in ("alice", "admin"):
                actor = await app[ACTORS].get(name, "member")
                await app[WEB].set_password(actor.id, await hash_password(PASSWORD), now_iso())
            yield ServedNode(url, app, setup), inbox
        finally:
            await runner.cleanup()


async def _mail(inbox: Inbox, to: str, within: float = 20.0) -> Any:
    for _ in range(int(within / 0.1)):
        if inbox.to(to):
            return inbox.to(to)[0]
        await asyncio.sleep(0.1)
    raise AssertionError("no mail arrived")


async def _sign_in(page: Any, url: str) -> None:
    await page.goto(url + "/signin")
    await page.get_by_label("Username").fill("alice")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(url + "/")


async def test_a_notification_is_read_and_the_mail_leads_to_the_proposal(mailing, browser) -> None:
    served, inbox = mailing
    url = served.url
    context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    alice = await context.new_page()
    await _sign_in(alice, url)
    await alice.goto(url + "/notifications")
    assert await alice.get_by_text("Nothing yet.").is_visible()
    await alice.get_by_role("link", name="Choose which notifications you get by email").click()
    await alice.get_by_label("Email address for notifications").fill("alice@example.org")
    await alice.get_by_label("A proposal opened in my pool").select_option(label="Email at once")
    await alice.get_by_role("button", name="Save notification settings").click()
    assert await alice.get_by_text("Your notification settings are saved.").is_visible()

    # The admin opens a proposal through the API; the node's rounds notify and mail.
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            served.setup.admin.uri + "/outbox",
            json={"type": "Proposal", "pool": served.setup.pool.uri, "name": "Share a drill",
                  "content": "One drill for the street."},
            headers={"Authorization": f"Bearer {served.setup.admin_token}",
                     "Content-Type": "application/activity+json"})
        assert response.status == 201, await response.text()
    mail = await _mail(inbox, "alice@example.org")

    await alice.goto(url + "/")
    header = alice.get_by_role("link", name=re.compile(r"Notifications 1"))
    await header.click()
    item = alice.locator("li.notification.unread")
    assert await item.get_by_role("link", name="A proposal opened: Share a drill").is_visible()
    await shoot(alice, "notifications")
    await item.get_by_role("button", name=re.compile("Mark read")).click()
    await alice.wait_for_url(url + "/notifications")
    assert await alice.locator("li.notification.read").count() == 1
    assert await alice.locator("li.notification.unread").count() == 0
    assert not await alice.get_by_role("link", name=re.compile(r"Notifications 1")).count()

    # The mail's link opens the proposal.
    link = re.search(r"Open it: (\S+)", mail.get_content())
    assert link is not None and link[1].startswith(url + "/pools/commons/proposals/")
    await alice.goto(link[1])
    assert await alice.get_by_role("heading", name="Share a drill").is_visible()

    # On a phone, with JavaScript for axe-core: both pages fit and pass.
    phone_context = await browser.new_context(viewport=PHONE)
    phone = await phone_context.new_page()
    await _sign_in(phone, url)
    for path, what in (("/notifications", "the notification list"),
                       ("/settings/notifications", "notification settings"),
                       ("/reset-password", "asking for a password reset")):
        await phone.goto(url + path)
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await assert_accessible(phone, what)
    await shoot(phone, "notification-settings-phone")
    for each in (context, phone_context):
        await each.close()
