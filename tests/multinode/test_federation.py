"""Real nodes delivering to each other: follows both ways, kill -9, a peer down then up,
and a dead peer that must not slow healthy ones."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.multinode.harness import PUBLIC, Cluster, NodeProcess, poll

pytestmark = pytest.mark.multinode


def _note(text: str, to: list[str], cc: list[str] | None = None) -> dict[str, object]:
    return {"type": "Note", "content": text, "to": to, "cc": cc or []}


def _follow(follower: NodeProcess, followee: str) -> str:
    activity = follower.post_outbox({"type": "Follow", "object": followee, "to": [followee]})
    return str(activity["id"])


def _accepted(node: NodeProcess, follower: str, followee: str) -> bool:
    rows = node.query(
        "SELECT state FROM follows WHERE follower_uri = ? AND followee_uri = ?",
        (follower, followee),
    )
    return bool(rows) and rows[0]["state"] == "accepted"


def test_two_nodes_follow_each_other_and_deliver_both_ways(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    _follow(a, b.admin_id)
    _follow(b, a.admin_id)
    # Each Follow reaches the other node and comes back Accepted.
    poll(lambda: _accepted(a, a.admin_id, b.admin_id), 20, "a's follow of b to be accepted")
    poll(lambda: _accepted(b, b.admin_id, a.admin_id), 20, "b's follow of a to be accepted")

    from_a = a.post_outbox(_note("hello from a", [PUBLIC], [a.admin_id + "/followers"]))
    from_b = b.post_outbox(_note("hello from b", [PUBLIC], [b.admin_id + "/followers"]))
    poll(lambda: from_a["id"] in b.received_ids(), 20, "a's note at b")
    poll(lambda: from_b["id"] in a.received_ids(), 20, "b's note at a")
    # The receiver may have the note a moment before the sender's batched results are written.
    for node in (a, b):
        poll(lambda node=node: _delivery_states(node) == {"delivered"}, 20,
             f"{node.name}'s deliveries recorded as delivered")


def _delivery_states(node: NodeProcess) -> set[str]:
    return {r["state"] for r in node.query("SELECT state FROM deliveries")}


def test_kill_9_mid_fanout_then_restart_delivers_every_activity_exactly_once(
    cluster: Cluster,
) -> None:
    # Two workers make delivery slower than posting, so the kill lands mid-way.
    sender = cluster.node("sender", POOLNODE_DELIVERY_WORKERS="2", POOLNODE_DELIVERY_PER_HOST="2")
    receiver = cluster.node("receiver")
    sent = [
        sender.post_outbox(_note(f"note {n}", [receiver.pool_id]))["id"] for n in range(200)
    ]
    poll(lambda: len(receiver.received_ids()) >= 20, 60, "the first deliveries")
    sender.kill9()
    left = sender.query("SELECT COUNT(*) AS n FROM deliveries WHERE state = 'queued'")[0]["n"]
    assert left > 0, "everything arrived before the kill: the test proved nothing"

    sender.start()
    poll(lambda: set(sent) <= set(receiver.received_ids()), 120, "all 200 activities")
    ids = receiver.received_ids()
    assert len(ids) == len(set(ids)) == 200
    assert sender.query("SELECT COUNT(*) AS n FROM outgoing_activities")[0]["n"] == 200
    poll(
        lambda: {r["state"] for r in sender.query("SELECT state FROM deliveries")}
        == {"delivered"},
        30, "every row delivered",
    )


def test_a_peer_that_is_down_gets_its_deliveries_when_it_returns(cluster: Cluster) -> None:
    # Retries while the peer is down open the breaker; a short cooldown lets the probe
    # through within the test instead of five minutes later.
    sender = cluster.node("sender", POOLNODE_DELIVERY_BREAKER_COOLDOWN="1")
    peer = cluster.node("peer")
    first = sender.post_outbox(_note("before", [peer.pool_id]))
    poll(lambda: first["id"] in peer.received_ids(), 20, "the first note")  # actor now cached

    peer.stop()
    while_down = [sender.post_outbox(_note(f"down {n}", [peer.pool_id]))["id"] for n in range(5)]
    poll(
        lambda: sender.query("SELECT COUNT(*) AS n FROM deliveries WHERE attempts >= 2")[0]["n"]
        >= 5,
        30, "retries while the peer is down",
    )
    peer.start()
    poll(lambda: set(while_down) <= set(peer.received_ids()), 60, "the notes sent while down")


class _DeadInbox(BaseHTTPRequestHandler):
    """An actor whose inbox answers 500 after a long wait: the worst kind of peer."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        body = json.dumps(
            {"@context": "https://www.w3.org/ns/activitystreams", "id": base + self.path,
             "type": "Person", "inbox": base + "/inbox", "outbox": base + "/outbox"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(3)
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def dead_peer() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DeadInbox)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/actors/dead"
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_peer_does_not_slow_delivery_to_healthy_ones(
    cluster: Cluster, dead_peer: str
) -> None:
    sender = cluster.node("sender", POOLNODE_DELIVERY_WORKERS="8", POOLNODE_DELIVERY_PER_HOST="2")
    healthy = cluster.node("healthy")
    started = time.monotonic()
    sent = [
        sender.post_outbox(_note(f"note {n}", [healthy.pool_id, dead_peer]))["id"]
        for n in range(40)
    ]
    poll(lambda: set(sent) <= set(healthy.received_ids()), 30, "the healthy peer's notes")
    # 40 notes x 3 s at the dead peer would take a minute even with 2 in flight.
    assert time.monotonic() - started < 25
    dead_rows = sender.query(
        "SELECT COUNT(*) AS n FROM deliveries WHERE host = ? AND state = 'delivered'",
        (dead_peer.split("/")[2],),
    )
    assert dead_rows[0]["n"] == 0
