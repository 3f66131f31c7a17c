"""Issue 16: notification email through a real SMTP server on loopback (aiosmtpd).

docs/OPERATIONS.md, "Notifications and email": per kind, none / at once / daily digest; "a
member who has not chosen gets reminders, mentions and answers to applications at once and the
rest daily"; every mail names its page and has a one-click unsubscribe (RFC 8058) that "only
turns that kind of mail off"; "turning a kind off stops mails already queued"; the node works
events out "one step per event ... a restart neither repeats nor skips one". The issue:
"Reminders and digests are durable jobs: a restart sends nothing twice and misses nothing".
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.app import create_app
from node.appkeys import ACTORS, DB
from node.notifications import mail_round, notify_round
from node.storage import MailStore, NewNotification, NotificationStore
from tests.conftest import make_node
from tests.node.discussion.helpers import comment
from tests.node.notifications.conftest import no_commit_lag
from tests.node.notifications.smtp_server import Inbox, smtp_server
from tests.node.pools.helpers import POOL, post, propose

pytestmark = pytest.mark.both_backends

ALICE = "alice@example.org"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def mailing(tmp_path: Path, smtp: tuple[Inbox, int], aiohttp_client: Any) -> AsyncIterator[Any]:
    """A node sending through the loopback server (rounds driven by the test), alice's address set."""
    setup = await make_node(tmp_path / "data", smtp_host="127.0.0.1", smtp_port=smtp[1],
                            smtp_security="none", smtp_from="pool@node.test")
    client = no_commit_lag(await aiohttp_client(create_app(setup.config, workers=False)))
    client.setup = setup
    alice = await client.app[ACTORS].get("alice", "member")
    await NotificationStore(client.app[DB]).set_email(alice.id, ALICE, "2026-01-01T00:00:00Z")
    client.alice_id = alice.id
    yield client


async def _choose(client: Any, **modes: str) -> None:
    await NotificationStore(client.app[DB]).set_modes(client.alice_id, modes, "2026-01-01T00:00:00Z")


async def _open(client: Any, name: str) -> None:
    resp = await post(client, "admin", client.setup.admin_token, {"type": "Proposal", "pool": POOL,
                                                                  "name": name})
    assert resp.status == 201, await resp.text()


async def test_a_title_with_a_line_break_does_not_stop_the_mail_queue(mailing, smtp) -> None:
    inbox, _ = smtp
    await _choose(mailing, proposal_opened="immediately")
    # A title is one line: refused where it arrives, with the reason (docs/PROTOCOL.md, Errors).
    resp = await post(mailing, "admin", mailing.setup.admin_token, {
        "type": "Proposal", "pool": POOL, "name": "Paint the shed\r\nBcc: evil@example.org"})
    body = await resp.json(content_type=None)
    assert resp.status == 400 and body["code"] == "invalid_request" and "one line" in body["error"], body
    # One stored before titles were checked (or come another way) is mailed on one line, and
    # does not hold up the mail queued with it.
    now = datetime.now(UTC)
    await NotificationStore(mailing.app[DB]).add([NewNotification(
        mailing.alice_id, "proposal_opened", POOL + "/proposals/old", POOL, POOL + "/proposals/old",
        "Paint the shed\r\nBcc: evil@example.org", "", "2026-01-01T00:00:00Z", "immediately",
        int(now.timestamp() * 1000))])
    await _open(mailing, "Fix the roof")
    await notify_round(mailing.app, now)
    for minutes in (0, 5, 10):  # past the lease of a job a round left behind
        await mail_round(mailing.app, now + timedelta(minutes=minutes))
    subjects = [str(m["Subject"]) for m in inbox.to(ALICE)]
    assert len(subjects) == 2 and any("Fix the roof" in s for s in subjects)
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert not inbox.to("evil@example.org")


async def test_a_busy_day_is_mailed_whole_in_the_digests(mailing, smtp) -> None:
    inbox, _ = smtp
    await _choose(mailing, proposal_opened="daily")
    for n in range(105):
        await _open(mailing, f"Idea {n}")
    now = datetime.now(UTC)
    while await notify_round(mailing.app, now):
        pass
    for days in (1, 2, 3):
        await mail_round(mailing.app, now + timedelta(days=days, hours=1))
    mailed = set()
    for mail in inbox.to(ALICE):
        mailed |= set(re.findall(r"/proposals/[0-9a-f-]{36}", mail.get_content()))
    assert len(mailed) == 105


async def test_turning_a_kind_off_stops_a_mail_already_queued(mailing, smtp) -> None:
    inbox, _ = smtp
    await _choose(mailing, proposal_opened="immediately")
    await _open(mailing, "Paint the shed")
    now = datetime.now(UTC)
    await notify_round(mailing.app, now)
    assert (await MailStore(mailing.app[DB]).counts()).get("queued") == 1
    await _choose(mailing, proposal_opened="none")
    await mail_round(mailing.app, now)
    assert inbox.to(ALICE) == []
    await _choose(mailing, proposal_opened="immediately")
    await mail_round(mailing.app, now + timedelta(minutes=5))
    assert inbox.to(ALICE) == []  # dropped, not merely postponed
    alice_list = await NotificationStore(mailing.app[DB]).page(mailing.alice_id, before=None, limit=5)
    assert [n.kind for n in alice_list] == ["proposal_opened"]  # the list still has it


async def test_without_a_choice_mentions_come_at_once_and_openings_daily(mailing, smtp) -> None:
    inbox, _ = smtp
    proposal = await propose(mailing, "admin", mailing.setup.admin_token)
    alice = mailing.setup.alice.uri
    await comment(mailing, "admin", mailing.setup.admin_token, proposal["id"], "<p>Alice?</p>",
                  tag=[{"type": "Mention", "href": alice, "name": "@alice@node.test"}])
    now = datetime.now(UTC)
    await notify_round(mailing.app, now)
    await mail_round(mailing.app, now)
    (mention,) = inbox.to(ALICE)
    assert proposal["id"] in mention.get_content()
    assert mention["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    await mail_round(mailing.app, now + timedelta(days=1, hours=1))
    digest = inbox.to(ALICE)[1]
    assert "digest" in str(digest["Subject"]).lower() and proposal["id"] in digest.get_content()
    assert len(inbox.to(ALICE)) == 2


async def test_one_click_unsubscribe_as_a_mail_client_posts_it(mailing, smtp) -> None:
    inbox, _ = smtp
    await _choose(mailing, proposal_opened="immediately", result="immediately")
    await _open(mailing, "Paint the shed")
    now = datetime.now(UTC)
    await notify_round(mailing.app, now)
    await mail_round(mailing.app, now)
    (mail,) = inbox.to(ALICE)
    link = str(mail["List-Unsubscribe"]).strip("<>")
    # RFC 8058 §3.1: multipart/form-data (or urlencoded) 'List-Unsubscribe=One-Click', no cookies.
    form = aiohttp.FormData()
    form.add_field("List-Unsubscribe", "One-Click")
    async with aiohttp.ClientSession() as outsider:
        resp = await outsider.post(str(mailing.make_url(link.removeprefix("http://node.test"))), data=form)
        assert resp.status == 200, await resp.text()
    modes = await NotificationStore(mailing.app[DB]).modes(mailing.alice_id)
    assert modes["proposal_opened"] == "none" and modes["result"] == "immediately"
    # An altered token changes nothing.
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    resp = await mailing.post(forged.removeprefix("http://node.test"), data={"List-Unsubscribe": "One-Click"})
    assert resp.status == 404
