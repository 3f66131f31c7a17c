"""Several processes on one PostgreSQL database share the mail queue as they share deliveries:
each job is leased by one (``FOR UPDATE SKIP LOCKED``), so each mail goes once, and a lease
whose holder died is taken over at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from node.app import create_app
from node.appkeys import ACTORS, DB
from node.notifications import mail_round
from node.storage import Database, MailStore, NotificationStore
from tests.node.notifications.smtp_server import smtp_server

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

JOBS = 24


async def test_two_processes_send_each_queued_mail_once(fed, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    with smtp_server() as (inbox, port):
        config = replace(fed.config, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
        one = await aiohttp_client(create_app(config, workers=False))
        two = await aiohttp_client(create_app(config, workers=False))
        alice = await one.app[ACTORS].get("alice", "member")
        now = datetime.now(UTC)
        await NotificationStore(one.app[DB]).set_email(alice.id, "alice@example.org", "now")
        mail = MailStore(one.app[DB])
        for n in range(JOBS):
            await mail.enqueue(alice.id, "reset", f"reset:{n}", 0, "now",
                               payload=f"http://node.test/reset-password/{n}")
        while sum(await asyncio.gather(mail_round(one.app, now), mail_round(two.app, now))):
            pass
        ids = [str(m["Message-ID"]) for _rcpt, m in inbox.mails]
        assert len(ids) == JOBS and len(set(ids)) == JOBS
        assert await MailStore(two.app[DB]).counts() == {"sent": JOBS}


async def test_a_lease_of_a_process_that_died_is_taken_over_at_once(fed, database_url) -> None:  # type: ignore[no-untyped-def]
    gone = Database.for_config(fed.config)
    alive = Database.for_config(fed.config)
    await gone.open()
    await alive.open()
    try:
        await MailStore(gone).enqueue(fed.alice.id, "reset", "reset:x", 0, "now", payload="x")
        (claimed,) = await MailStore(gone).claim(1_000, 600_000, 10)
        assert await MailStore(alive).claim(2_000, 600_000, 10) == []  # leased for 10 minutes
        await gone.close()  # the process dies: its database session ends
        (again,) = await MailStore(alive).claim(3_000, 600_000, 10)
        assert again.id == claimed.id and again.attempts == 2
    finally:
        await alive.close()
