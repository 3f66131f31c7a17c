"""Email through a real SMTP server on loopback: at once, in a daily digest, and one-click
unsubscribe (RFC 8058) from the link every mail carries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.app import create_app
from node.appkeys import ACTORS, CONFIG, DB, WEB
from node.notifications import mail_round, notify_round
from node.storage import MailStore, NotificationStore
from tests.conftest import make_node
from tests.node.notifications.conftest import no_commit_lag
from tests.node.notifications.smtp_server import Inbox, smtp_server
from tests.web.helpers import HTML, page, post_form, set_password, sign_in


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def mail_client(tmp_path: Path, smtp: tuple[Inbox, int], aiohttp_client: Any
                      ) -> AsyncIterator[Any]:
    setup = await make_node(tmp_path / "data", smtp_host="127.0.0.1", smtp_port=smtp[1],
                            smtp_security="none", smtp_from="pool@node.test")
    client = no_commit_lag(await aiohttp_client(create_app(setup.config, workers=False)))
    yield client


async def _choose(client: Any, username: str, address: str, **modes: str) -> None:
    await set_password(client, username)
    await sign_in(client, username)
    await post_form(client, "/settings/notifications",
                    {"email": address, **{f"mode_{k}": v for k, v in modes.items()}},
                    status=200)


async def _propose(client: Any, title: str) -> str:
    await set_password(client, "admin")
    await sign_in(client, "admin")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": title, "kind": "decision", "text": "Blue."},
                               from_page="/pools/commons/proposals")
    return client.app[CONFIG].url(str(response.headers["Location"]))


@pytest.mark.both_backends
async def test_a_mail_at_once_has_the_link_and_a_one_click_unsubscribe(mail_client, smtp) -> None:
    inbox, _port = smtp
    client = mail_client
    await _choose(client, "alice", "alice@example.org", proposal_opened="immediately")
    url = await _propose(client, "Paint the shed")
    now = datetime.now(UTC)
    await notify_round(client.app, now)
    assert await mail_round(client.app, now) == 1
    assert await mail_round(client.app, now) == 0  # sent once
    [mail] = inbox.to("alice@example.org")
    assert mail["From"] == "pool@node.test" and mail["To"] == "alice@example.org"
    assert "Paint the shed" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://node.test/unsubscribe/")
    body = mail.get_content()
    assert url in body and unsubscribe in body
    # Opening the link (a mail scanner does) changes nothing; it shows a button.
    client.session.cookie_jar.clear()
    path = unsubscribe.removeprefix("http://node.test")
    html = await page(client, path)
    assert "Stop email for A proposal opened in my pool?" in html
    alice = await client.app[ACTORS].get("alice", "member")
    assert (await NotificationStore(client.app[DB]).modes(alice.id))["proposal_opened"] == "immediately"
    # The mail client's one-click POST, with no cookie and no CSRF token.
    response = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status == 200, await response.text()
    alice = await client.app[ACTORS].get("alice", "member")
    assert (await NotificationStore(client.app[DB]).modes(alice.id))["proposal_opened"] == "none"
    # Nothing more of that kind by mail; the list still shows it.
    await _propose(client, "Fix the roof")
    await notify_round(client.app, now)
    await mail_round(client.app, now)
    assert len(inbox.to("alice@example.org")) == 1
    assert len(await NotificationStore(client.app[DB]).page(alice.id, before=None, limit=9)) == 2


async def test_a_forged_or_altered_unsubscribe_link_changes_nothing(mail_client) -> None:
    response = await mail_client.post("/unsubscribe/MTox.AAAAAAAAAAAAAAAAAAAAAAAA",
                                      data={"List-Unsubscribe": "One-Click"}, headers=HTML)
    assert response.status == 404


@pytest.mark.both_backends
async def test_a_daily_digest_gathers_the_day_in_one_mail_once(mail_client, smtp) -> None:
    inbox, _port = smtp
    client = mail_client
    await _choose(client, "alice", "alice@example.org", proposal_opened="daily")
    first = await _propose(client, "Paint the shed")
    second = await _propose(client, "Fix the roof")
    now = datetime.now(UTC)
    await notify_round(client.app, now)
    assert await mail_round(client.app, now) == 0  # not yet due
    tomorrow = now + timedelta(days=1, hours=1)
    assert await mail_round(client.app, tomorrow) == 1
    assert await mail_round(client.app, tomorrow + timedelta(days=1)) == 0
    [mail] = inbox.to("alice@example.org")
    body = mail.get_content()
    assert first in body and second in body and "2" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (await MailStore(client.app[DB]).counts()) == {"sent": 1}


async def test_settings_refuse_a_bad_address_and_an_unknown_mode(mail_client) -> None:
    await set_password(mail_client, "alice")
    await sign_in(mail_client, "alice")
    html = await page(mail_client, "/settings/notifications")
    assert 'name="mode_closing_soon"' in html
    await post_form(mail_client, "/settings/notifications", {"email": "not an address"},
                    status=400)
    await post_form(mail_client, "/settings/notifications",
                    {"email": "a@example.org", "mode_result": "hourly"}, status=400)
    alice = await mail_client.app[ACTORS].get("alice", "member")
    assert await NotificationStore(mail_client.app[DB]).email(alice.id) is None


async def test_a_mail_is_in_the_members_language(mail_client, smtp) -> None:
    inbox, _port = smtp
    client = mail_client
    await _choose(client, "alice", "alice@example.org", proposal_opened="immediately")
    alice = await client.app[ACTORS].get("alice", "member")
    await client.app[WEB].set_locale(alice.id, "es", "now")
    await _propose(client, "Pintar el cobertizo")
    now = datetime.now(UTC)
    await notify_round(client.app, now)
    await mail_round(client.app, now)
    [mail] = inbox.to("alice@example.org")
    assert mail["Subject"] == "Se abrió una propuesta en mi colectivo: Pintar el cobertizo"
    body = mail.get_content()
    assert "Se abrió una propuesta: Pintar el cobertizo" in body and "Dejar de recibir" in body
