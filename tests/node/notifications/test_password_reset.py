"""Password reset by email: a single-use, expiring link, and no telling who has an account."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from node.app import create_app
from node.appkeys import ACTORS, DB, WEB
from node.notifications import mail_round
from node.storage import MailStore, NotificationStore
from node.web.password_reset import reset_hash as _hash
from node.web.passwords import verify_password
from tests.conftest import make_node
from tests.node.notifications.conftest import no_commit_lag
from tests.node.notifications.smtp_server import Inbox, smtp_server
from tests.web.helpers import HTML, page, post_form

NEW = "a brand new long password"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def mail_client(tmp_path: Path, smtp: tuple[Inbox, int], aiohttp_client: Any
                      ) -> AsyncIterator[Any]:
    setup = await make_node(tmp_path / "data", smtp_host="127.0.0.1", smtp_port=smtp[1],
                            smtp_security="none")
    client = no_commit_lag(await aiohttp_client(create_app(setup.config, workers=False)))
    alice = await client.app[ACTORS].get("alice", "member")
    await NotificationStore(client.app[DB]).set_email(alice.id, "alice@example.org", "2026-01-01")
    yield client


async def _ask(client: Any, account: str) -> str:
    response = await post_form(client, "/reset-password", {"account": account}, status=200)
    return await response.text()


@pytest.mark.both_backends
async def test_a_reset_link_sets_a_new_password_once(mail_client, smtp) -> None:
    inbox, _ = smtp
    answer = await _ask(mail_client, "alice")
    assert "a mail with a link is on its way" in answer
    await mail_round(mail_client.app, datetime.now(UTC))
    [mail] = inbox.to("alice@example.org")
    link = re.search(r"http://node\.test(/reset-password/\S+)", mail.get_content())
    assert link is not None
    path = link[1]
    await page(mail_client, path)
    response = await post_form(mail_client, path, {"password": NEW, "password2": NEW})
    assert response.headers["Location"] == "/signin?reset=1"
    alice = await mail_client.app[ACTORS].get("alice", "member")
    assert await verify_password(NEW, await mail_client.app[WEB].password_hash(alice.id))
    await page(mail_client, path, status=404)  # used
    response = await mail_client.post(path, data={"password": NEW, "password2": NEW},
                                      headers=HTML)
    assert response.status in (403, 404)


async def test_the_answer_is_the_same_for_no_account_and_no_mail_is_sent(mail_client, smtp) -> None:
    inbox, _ = smtp
    known = await _ask(mail_client, "alice@example.org")
    unknown = await _ask(mail_client, "nobody@example.org")
    no_address = await _ask(mail_client, "admin")
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unknown) == strip.sub("", known) == strip.sub("", no_address)
    await mail_round(mail_client.app, datetime.now(UTC))
    assert len(inbox.mails) == 1 and inbox.to("alice@example.org")


async def test_an_expired_link_does_nothing(mail_client) -> None:
    alice = await mail_client.app[ACTORS].get("alice", "member")
    await MailStore(mail_client.app[DB]).add_reset(
        _hash("old-token"), alice.id, "2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z")
    await page(mail_client, "/reset-password/old-token", status=404)


async def test_at_most_three_links_an_hour(mail_client, smtp) -> None:
    inbox, _ = smtp
    for _ in range(5):
        await _ask(mail_client, "alice")
    await mail_round(mail_client.app, datetime.now(UTC))
    assert len(inbox.to("alice@example.org")) == 3


async def test_no_reset_without_email(client) -> None:
    assert "This node does not send email" in await page(client, "/reset-password", status=404)
    assert "Forgot your password?" not in await page(client, "/signin")
    response = await client.post("/reset-password", data={"account": "alice"}, headers=HTML)
    assert response.status in (403, 404)  # no form to post without email (nor a CSRF token)
