"""In Debian's Chromium (issue 15, onboarding): the admin's one-time sign-in link, a steward's
invite link that creates an account and applies in one form, the share due and who has paid,
revoking the link, and the operator opening registrations from the command line."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from node.app import create_app
from node.appkeys import ACTORS, CONFIG, DB
from node.cli import main
from node.config import load_config
from node.pools import load_bylaws
from node.storage import InvitationStore
from node.web.welcome import issue_signin_link
from tests.conftest import make_node
from tests.web.browser import DESKTOP, PHONE, ServedNode, browser, shoot

__all__ = ["browser"]

pytestmark = pytest.mark.browser
PASSWORD = "a long shared secret"
POOL = "/pools/commons"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def closed(tmp_path: Path) -> AsyncIterator[ServedNode]:
    """A node as `poolnode init` leaves it: registrations closed, an admin without a password,
    a pool whose steward admits and which asks a minimum share of EUR 20.00."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    setup = await make_node(tmp_path / "data", base_url=url)
    app = create_app(setup.config)
    runner = await _start(app, port)
    actors = app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(actors, pool), min_share=2000)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))
    try:
        yield ServedNode(url, app, setup)
    finally:
        await runner.cleanup()


async def test_signin_link_invite_apply_pay_and_admit(closed: ServedNode, browser: Any) -> None:
    url, app = closed.url, closed.app
    admin = await (await browser.new_context(viewport=DESKTOP)).new_page()
    nadia = await (await browser.new_context(viewport=DESKTOP)).new_page()

    # The admin opens the link `poolnode init` printed and chooses a password.
    actor = await app[ACTORS].get("admin", "member")
    link = await issue_signin_link(app[CONFIG], InvitationStore(app[DB]), actor)
    await admin.goto(link.url)
    await admin.get_by_label("New password").fill(PASSWORD)
    await admin.get_by_label("The same password again").fill(PASSWORD)
    await admin.get_by_role("button", name="Set my password and sign in").click()
    await admin.wait_for_url(url + "/settings?welcome=1")
    assert await admin.get_by_text("Your password is set").is_visible()

    # A steward makes an invite link, with how to pay the share.
    await admin.goto(url + POOL)
    await admin.get_by_role("link", name="Invite people").click()
    await admin.get_by_label("Valid for how many days").fill("7")
    await admin.get_by_label("How many people may use it").fill("3")
    await admin.get_by_label("Note for the people you invite").fill(
        "Transfer to IBAN DE00 1234 5678, or pay cash at the next meeting.")
    await admin.get_by_role("button", name="Make an invite link").click()
    invite = (await admin.locator("#new-link").inner_text()).strip()
    assert invite.startswith(url + "/invite/")
    await shoot(admin, "invitations")

    # Nadia has no account; sign-up is closed and the pages say how to get in.
    await nadia.goto(url + "/signin")
    assert await nadia.get_by_role("heading", name="How do I get an account?").is_visible()
    await nadia.goto(url + "/signup")
    assert await nadia.get_by_role("heading", name="Sign-up is closed on this node").is_visible()
    await nadia.goto(invite)
    assert await nadia.get_by_role("heading", name="The minimum share: EUR 20.00").is_visible()
    assert await nadia.get_by_text("Transfer to IBAN DE00 1234 5678").is_visible()
    await shoot(nadia, "invite")
    await nadia.get_by_label("Username").fill("nadia")
    await nadia.get_by_label("Your name (optional)").fill("Nadia")
    await nadia.get_by_label("Password", exact=True).fill(PASSWORD)
    await nadia.get_by_label("The same password again").fill(PASSWORD)
    await nadia.get_by_label("Reference of your share payment").fill("transfer 7 March")
    await nadia.get_by_role("button", name="Create my account and apply").click()
    await nadia.wait_for_url(url + POOL + "/application")
    assert await nadia.get_by_text("Your application is waiting").is_visible()
    assert await nadia.locator('[data-field="due"]').inner_text() == "EUR 20.00"
    assert await nadia.get_by_text("share commons @nadia").is_visible()
    await shoot(nadia, "application")

    # The steward sees the claim; the treasurer records the money; the steward sees it paid.
    await admin.goto(url + POOL + "/invitations")
    row = admin.locator('[data-applicant="@nadia"]')
    assert "transfer 7 March" in await row.inner_text()
    assert "EUR 20.00 due" in await row.inner_text()
    await admin.goto(url + POOL + "/ledger")
    await admin.get_by_label("From member").select_option(url + "/users/nadia")
    await admin.get_by_label("Amount in EUR").fill("20")
    await admin.get_by_label("Reference").fill("transfer 7 March")
    await admin.get_by_role("button", name="Record the contribution").click()
    await admin.wait_for_url(url + POOL + "/ledger")
    await admin.goto(url + POOL + "/invitations")
    assert "paid" in await admin.locator('[data-applicant="@nadia"]').inner_text()
    await admin.goto(url + POOL)
    await admin.get_by_role("button", name="Admit Nadia").click()
    await admin.wait_for_url(url + POOL + "#members")
    await nadia.goto(url + POOL + "/application")
    assert await nadia.get_by_text("You are a member").is_visible()

    # The steward revokes the link; whoever opens it is told so.
    await admin.goto(url + POOL + "/invitations")
    await admin.get_by_role("button", name="Revoke link 1").click()
    await admin.wait_for_url(url + POOL + "/invitations")
    late = await (await browser.new_context(viewport=PHONE, is_mobile=True)).new_page()
    await late.goto(invite)
    assert await late.get_by_text("a steward revoked it").is_visible()


async def test_invite_page_fits_a_phone(closed: ServedNode, browser: Any) -> None:
    app = closed.app
    pool = await app[ACTORS].get("commons", "pool")
    from node.web.welcome import token_hash

    await InvitationStore(app[DB]).create(pool.id, token_hash("t" * 32), None, "Cash at the meeting.",
                                          "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z", 5)
    phone = await (await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)).new_page()
    await phone.goto(closed.url + "/invite/" + "t" * 32)
    assert await phone.get_by_role("button", name="Create my account and apply").is_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the invite page scrolls sideways on a phone"
    await shoot(phone, "invite-phone")


async def test_the_operator_opens_registrations_from_the_cli(tmp_path: Path, browser: Any,
                                                             monkeypatch: Any) -> None:
    monkeypatch.delenv("POOLNODE_OPEN_REGISTRATIONS", raising=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    setup = await make_node(tmp_path / "data", base_url=url)
    runner = await _start(create_app(setup.config), port)
    page = await (await browser.new_context(viewport=DESKTOP)).new_page()
    try:
        await page.goto(url + "/signup")
        assert await page.get_by_text("Sign-up is closed on this node").is_visible()
        assert main(["registrations", "open", "--data", str(setup.config.data_dir)]) == 0
        await runner.cleanup()  # the node reads its configuration when it starts
        runner = await _start(create_app(load_config(setup.config.data_dir)), port)
        await page.goto(url + "/signup")
        await page.get_by_label("Username").fill("zoe")
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_label("The same password again").fill(PASSWORD)
        await page.get_by_role("button", name="Create my account").click()
        await page.wait_for_url(url + "/")
        await page.goto(url + "/settings")
        assert await page.get_by_role("heading", name="Settings for @zoe").is_visible()
    finally:
        await runner.cleanup()
