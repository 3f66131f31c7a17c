"""A member of a pool on node b whose account is on node a is told of a proposal by a direct
message: node b's pool sends a private Note mentioning her, and node a's inbox takes it."""

from __future__ import annotations

import json

import pytest

from tests.multinode.harness import Cluster, poll

pytestmark = pytest.mark.multinode


def test_a_member_on_another_node_gets_the_direct_message(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    ana, pool = a.admin_id, b.pool_id
    join = a.post_outbox({"type": "Join", "object": pool})
    poll(lambda: b.query("SELECT 1 FROM memberships WHERE person_uri = ? AND state = 'applicant'",
                         (ana,)), 30, "ana's Join at b")
    b.post_outbox({"type": "Accept", "object": join["id"]})
    b.post_outbox({"type": "Proposal", "pool": pool, "name": "Share a drill", "content": "?"})
    (proposal,) = [row["uri"] for row in b.query("SELECT uri FROM proposals")]

    def told() -> list[dict[str, object]]:
        notes = [json.loads(r["document"]) for r in a.query(
            "SELECT document FROM objects WHERE type = 'Note' AND actor_uri = ?", (pool,))]
        return [n for n in notes if n.get("url") == proposal]

    (note,) = poll(told, 60, "the direct message at node a")
    assert note["to"] == [ana] and note["cc"] == [] and note["attributedTo"] == pool
    assert note["tag"] == [{"type": "Mention", "href": ana,
                            "name": f"@{ana.rsplit('/', 1)[1]}@{a.base_url.split('//')[1]}"}]  # host:port
    assert proposal in str(note["content"]) and "Share a drill" in str(note["content"])
    # It reached ana's inbox, and only once however often b's notifier runs.
    poll(lambda: len(b.query("SELECT 1 FROM remote_notices WHERE person_uri = ? AND queued_at"
                             " IS NOT NULL", (ana,))) >= 1, 30, "b to record it")
    assert len(told()) == 1
