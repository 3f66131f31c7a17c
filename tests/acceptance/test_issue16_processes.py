"""Issue 16 with real node processes: direct messages to a member whose account is on another
poolnode node survive ``kill -9`` and restarts, each sent once.

The issue: "Reminders and digests are durable jobs: a restart sends nothing twice and misses
nothing (test with kill -9). Sending runs outside the request path." docs/PROTOCOL.md, "Direct
messages": "One message goes per member, kind and subject, however often the node restarts."
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.multinode.harness import Cluster, NodeProcess, poll

pytestmark = pytest.mark.multinode

PROPOSALS = 4


def _direct_messages(member_node: NodeProcess, pool: str, urls: set[str]) -> list[dict[str, Any]]:
    """The pool's private Notes that reached the member's node, about the given pages."""
    found = []
    for row in member_node.query("SELECT document FROM inbox_items WHERE activity_type = 'Create'"):
        activity = json.loads(row["document"])
        note = activity.get("object")
        if activity.get("actor") == pool and isinstance(note, dict) and note.get("url") in urls:
            found.append(note)
    return found


def test_direct_messages_are_sent_once_across_kill_9_and_restarts(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    pool, ana = a.pool_id, b.admin_id
    join = b.post_outbox({"type": "Join", "object": pool})
    poll(lambda: a.query("SELECT 1 FROM memberships WHERE person_uri = ? AND state = 'applicant'",
                         (ana,)), 30, "ana's Join at a")
    a.post_outbox({"type": "Accept", "object": join["id"]})
    for n in range(PROPOSALS):
        a.post_outbox({"type": "Proposal", "pool": pool, "name": f"Idea {n}", "content": "?"})
    a.kill9()  # right after: most or all of the messages are not out yet
    urls = {r["uri"] for r in a.query("SELECT uri FROM proposals")}
    assert len(urls) == PROPOSALS
    a.start()
    poll(lambda: len(_direct_messages(b, pool, urls)) >= PROPOSALS, 60, "every message at b")
    for stop in (a.kill9, a.stop):
        stop()
        a.start()
        poll(lambda: a.query("SELECT COUNT(*) AS n FROM remote_notices WHERE queued_at IS NULL")[0]["n"]
             == 0, 30, "a to queue what it owes")
        poll(lambda: a.query("SELECT COUNT(*) AS n FROM deliveries WHERE state = 'queued'")[0]["n"]
             == 0, 30, "a's delivery queue to drain")
    messages = _direct_messages(b, pool, urls)
    assert sorted(m["url"] for m in messages) == sorted(urls)  # each once, none missed
    assert len({m["id"] for m in messages}) == PROPOSALS
    for message in messages:
        assert message["to"] == [ana] and message["cc"] == []
        assert message["url"] in message["content"]
    rows = a.query("SELECT kind, COUNT(*) AS n FROM remote_notices WHERE person_uri = ? GROUP BY kind",
                   (ana,))
    assert {r["kind"]: r["n"] for r in rows}.get("proposal_opened") == PROPOSALS
    sent = a.query("SELECT COUNT(*) AS n FROM deliveries d JOIN outgoing_activities o ON o.id = d.activity_id"
                   " WHERE o.activity_uri IN (SELECT note_uri || '/activity' FROM remote_notices"
                   " WHERE kind = 'proposal_opened')")
    assert sent[0]["n"] == PROPOSALS, sent[0]["n"]
