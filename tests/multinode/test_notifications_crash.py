"""Notification mail is durable: a node killed with -9 in the middle of sending its mail queue
(notices of proposals opened, and the reminders that each closes within 24 hours) sends the
rest when it starts again, each notification once (issue 16). The one mail that may
be in flight at the kill (handed to the server, its "250" not yet recorded) goes again with the
same Message-ID, so the receiving side sees one message."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.multinode.harness import REPO, Cluster, poll, set_voting_period
from tests.node.notifications.smtp_server import free_port

pytestmark = pytest.mark.multinode

PROPOSALS = 8
MAILS = 2 * PROPOSALS  # opened, and closing within 24 hours (voting lasts an hour)


class SlowInbox:
    """An SMTP server that takes a moment over each mail, so a kill lands mid-queue."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.25)
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.message_ids.append(str(mail["Message-ID"]))
        return "250 OK"


def test_kill_9_mid_queue_sends_the_rest_and_nothing_twice(cluster: Cluster) -> None:
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        node = cluster.node("n", POOLNODE_SMTP_HOST="127.0.0.1", POOLNODE_SMTP_PORT=str(port),
                            POOLNODE_SMTP_SECURITY="none")
        node.stop()
        set_voting_period(node, 3600)
        node.start()
        pool_name = node.pool_id.rsplit("/", 1)[1]
        subprocess.run([sys.executable, "-m", "node.cli", "member", "add", "alice", "--pool",
                        pool_name, "--data", str(node.data_dir)], env=node.env, cwd=REPO,
                       capture_output=True, timeout=60, check=True)
        (alice,) = node.query("SELECT id FROM actors WHERE username = 'alice'")
        conn = sqlite3.connect(node.data_dir / "poolnode.sqlite3")
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("INSERT INTO member_emails VALUES (?, 'alice@example.org', 'now')",
                         (alice["id"],))
            conn.execute("INSERT INTO notification_modes VALUES (?, 'proposal_opened',"
                         " 'immediately', 'now')", (alice["id"],))
            conn.commit()
        finally:
            conn.close()
        for n in range(PROPOSALS):
            node.post_outbox({"type": "Proposal", "pool": node.pool_id, "name": f"Idea {n}",
                              "content": "?"})
        poll(lambda: len(inbox.message_ids) >= 3, 60, "the first mails")
        node.kill9()
        sent_before = len(inbox.message_ids)
        assert sent_before < MAILS, "the queue was done before the kill; slow the server"
        node.start()
        poll(lambda: len(set(inbox.message_ids)) >= MAILS, 90, "every mail after the restart")
        poll(lambda: node.query("SELECT COUNT(*) AS n FROM mail_jobs WHERE state = 'sent'")[0]["n"]
             == MAILS, 30, "every job marked sent")
        assert len(set(inbox.message_ids)) == MAILS
        assert len(inbox.message_ids) <= MAILS + 1  # at most the one in flight, same id
        rows = node.query("SELECT kind, COUNT(*) AS n FROM notifications GROUP BY kind ORDER BY kind")
        # Alice hears of each proposal and is reminded; the admin (its author) is reminded too.
        assert [(r["kind"], r["n"]) for r in rows] == [("closing_soon", 2 * PROPOSALS),
                                                       ("proposal_opened", PROPOSALS)]
        jobs = node.query("SELECT COUNT(*) AS n FROM mail_jobs")
        assert jobs[0]["n"] == MAILS
    finally:
        controller.stop()
