"""Two real nodes: a member on node B comments on a proposal of a pool on node A, then edits the
comment; A's thread (its replies collection and its web page) shows it, and the pool relays it."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.multinode.harness import Cluster, NodeProcess, poll

pytestmark = pytest.mark.multinode


def _replies(node: NodeProcess, proposal: str) -> list[dict[str, Any]]:
    status, body = node.request("GET", proposal + "/replies?page=true")
    assert status == 200, body
    return list(body["orderedItems"])


def _html(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return str(resp.read().decode("utf-8"))


def _holds(node: NodeProcess, uri: str) -> bool:
    """Whether a member's node keeps a remote pool's (verified) document."""
    return bool(node.query("SELECT 1 FROM remote_documents WHERE uri = ?", (uri,)))


def test_a_member_on_b_comments_on_a_proposal_of_a_pool_on_a(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    pool, bo = a.pool_id, b.admin_id
    join = b.post_outbox({"type": "Join", "object": pool})
    poll(lambda: a.query("SELECT state FROM memberships WHERE person_uri = ?", (bo,)), 20,
         "bo's Join at a")
    a.post_outbox({"type": "Accept", "object": join["id"]})  # a's admin is a steward
    a.post_outbox({"type": "Proposal", "pool": pool, "name": "Buy a ladder"})
    opened = a.request("GET", pool + "/proposals?page=true")[1]["orderedItems"][0]["id"]
    # As a member, bo's node received the pool's Proposal: a reply to it finds its pool there.
    poll(lambda: _holds(b, opened), 20, "the proposal at b")
    note = b.post_outbox({"type": "Note", "content": "<p>A tall one, please</p>", "inReplyTo": opened})
    assert pool in note["cc"]
    comment = note["object"]["id"]
    items = poll(lambda: _replies(a, opened), 20, "bo's comment in a's thread")
    assert items[0]["id"] == comment and items[0]["attributedTo"] == bo
    assert "A tall one, please" in _html(opened)
    # The pool relays it to its members: bo's own node gets the Announce.
    poll(lambda: any(json.loads(r["document"]).get("object", {}) == comment
                     or (isinstance(json.loads(r["document"]).get("object"), dict)
                         and json.loads(r["document"])["object"].get("id") == comment)
                     for r in b.query("SELECT document FROM inbox_items WHERE activity_type = 'Announce'")),
         20, "the pool's Announce at b")
    # bo edits it on b; a's thread changes.
    b.post_outbox({"type": "Update", "object": {"id": comment, "content": "<p>A tall, light one</p>"}})
    poll(lambda: _replies(a, opened)[0].get("content") == "<p>A tall, light one</p>", 20,
         "the edit in a's thread")
    assert "A tall, light one" in _html(opened)


def test_a_reply_forwarded_by_the_pools_node_reaches_its_followers_on_a_third(cluster: Cluster) -> None:
    """ActivityPub §7.1.2 on both sides: bo on b replies to a's proposal, addressed to the pool's
    followers; a forwards bo's Create, signed by a's pool; c, where the pool's follower lives,
    keeps it after asking b (bo's origin) for the Note itself."""
    a, b, c = cluster.node("a"), cluster.node("b"), cluster.node("c")
    pool, bo, cy = a.pool_id, b.admin_id, c.admin_id
    c.post_outbox({"type": "Follow", "object": pool})
    poll(lambda: a.query("SELECT 1 FROM follows WHERE follower_uri = ? AND state = 'accepted'", (cy,)),
         20, "cy following the pool at a")
    join = b.post_outbox({"type": "Join", "object": pool})
    poll(lambda: a.query("SELECT state FROM memberships WHERE person_uri = ?", (bo,)), 20, "bo's Join at a")
    a.post_outbox({"type": "Accept", "object": join["id"]})
    a.post_outbox({"type": "Proposal", "pool": pool, "name": "Paint the shed"})
    opened = a.request("GET", pool + "/proposals?page=true")[1]["orderedItems"][0]["id"]
    poll(lambda: _holds(b, opened), 20, "the proposal at b")
    public = "https://www.w3.org/ns/activitystreams#Public"
    create = b.post_outbox({"type": "Note", "content": "<p>Green, please</p>", "inReplyTo": opened,
                            "to": [public], "cc": [pool + "/followers"]})
    note = create["object"]["id"]

    def kept_at_c() -> dict[str, Any] | None:
        rows = c.query("SELECT state, document FROM inbox_items WHERE activity_id = ?", (create["id"],))
        return json.loads(rows[0]["document"]) if rows and rows[0]["state"] == "done" else None

    document = poll(kept_at_c, 30, "bo's Create, forwarded by a, at c")
    assert document["actor"] == bo and document["object"]["id"] == note
    assert document["object"]["content"] == "<p>Green, please</p>"
    # Only a's forward brings it: b cannot expand the followers of a's pool, so it sent it to a only.
    assert not b.query("SELECT 1 FROM deliveries WHERE inbox LIKE ?", (c.base_url + "%",))
