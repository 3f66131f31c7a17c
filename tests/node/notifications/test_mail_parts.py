"""Each mail stands alone (node/notifications/mailer.py): one that cannot be written is marked
failed with the reason while the others of its round go out; a digest with more than it holds
says so and its next part follows, each notification in one mail only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.app import create_app
from node.appkeys import ACTORS, DB
from node.notifications import mail_round, mailer
from node.storage import MailStore, NewNotification, NotificationStore
from tests.conftest import make_node
from tests.node.notifications.conftest import no_commit_lag
from tests.node.notifications.smtp_server import Inbox, smtp_server

pytestmark = pytest.mark.both_backends

ALICE = "alice@example.org"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def mailing(tmp_path: Path, smtp: tuple[Inbox, int], aiohttp_client: Any) -> AsyncIterator[Any]:
    setup = await make_node(tmp_path / "data", smtp_host="127.0.0.1", smtp_port=smtp[1],
                            smtp_security="none", smtp_from="pool@node.test")
    client = no_commit_lag(await aiohttp_client(create_app(setup.config, workers=False)))
    alice = await client.app[ACTORS].get("alice", "member")
    await NotificationStore(client.app[DB]).set_email(alice.id, ALICE, "2026-01-01T00:00:00Z")
    client.alice_id = alice.id
    await NotificationStore(client.app[DB]).set_modes(alice.id, {"proposal_opened": "immediately"},
                                                     "2026-01-01T00:00:00Z")
    yield client


async def _notices(client: Any, titles: list[str], mode: str, due: datetime) -> None:
    await NotificationStore(client.app[DB]).add([NewNotification(
        client.alice_id, "proposal_opened", f"http://node.test/pools/commons/proposals/{n}",
        "http://node.test/pools/commons", f"http://node.test/pools/commons/proposals/{n}", title, "",
        "2026-01-01T00:00:00Z", mode, int(due.timestamp() * 1000), due.date().isoformat())
        for n, title in enumerate(titles)])


async def test_a_mail_that_cannot_be_written_fails_alone(mailing, smtp, monkeypatch) -> None:
    inbox, _ = smtp
    now = datetime.now(UTC)
    await _notices(mailing, ["Unwritable", "Fix the roof"], "immediately", now)
    compose = mailer.compose

    def refusing(config: Any, secret: bytes, job: Any, to: str, items: list[Any], **kw: Any) -> Any:
        if items and items[0].title == "Unwritable":
            raise ValueError("the email package refused a header")
        return compose(config, secret, job, to, items, **kw)

    monkeypatch.setattr(mailer, "compose", refusing)
    assert await mail_round(mailing.app, now) == 2
    assert ["Fix the roof" in str(m["Subject"]) for m in inbox.to(ALICE)] == [True]
    assert (await MailStore(mailing.app[DB]).counts()) == {"failed": 1, "sent": 1}
    row = await mailing.app[DB].fetchone("SELECT last_error FROM mail_jobs WHERE state = 'failed'")
    assert "cannot be written" in row["last_error"] and "refused a header" in row["last_error"]


async def test_a_digest_says_more_follow_and_its_next_part_carries_them(mailing, smtp) -> None:
    inbox, _ = smtp
    await NotificationStore(mailing.app[DB]).set_modes(mailing.alice_id, {"proposal_opened": "daily"},
                                                       "2026-01-01T00:00:00Z")
    now = datetime.now(UTC)
    await _notices(mailing, [f"Idea {n}" for n in range(mailer.DIGEST_MOST + 3)], "daily", now)
    await mail_round(mailing.app, now)
    (first,) = inbox.to(ALICE)
    assert "More notifications follow in the next mail." in first.get_content()
    await mail_round(mailing.app, now + timedelta(seconds=1))
    second = inbox.to(ALICE)[1]
    assert "More notifications follow" not in second.get_content()
    links = [re.findall(r"/proposals/(\d+)\s", m.get_content()) for m in (first, second)]
    assert [len(found) for found in links] == [mailer.DIGEST_MOST, 3]
    assert sorted(int(n) for n in links[0] + links[1]) == list(range(mailer.DIGEST_MOST + 3))
    assert await mail_round(mailing.app, now + timedelta(days=2)) == 0
