"""The delivery queue in one process: a real node app delivering to local aiohttp receivers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from federation.digests import digest_header
from federation.httpsig import parse_signature_header, verify_request_with_key
from federation.keys import load_public_key_pem
from node.app import create_app
from node.appkeys import DB, DELIVERY, OBJECTS
from node.delivery import enqueue_activity, mark_host_alive
from node.storage import DeliveryTarget
from tests.conftest import make_node
from tests.node.delivery_receivers import Receiver, start_receiver, wait_for

pytestmark = pytest.mark.both_backends

FAST = {
    "allow_private_addresses": True,
    "delivery_base_delay": 0.05,
    "delivery_max_delay": 0.2,
    "delivery_poll_interval": 0.05,
    "delivery_timeout": 2.0,
}


@pytest.fixture
def start_node(tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    async def start(**settings):  # type: ignore[no-untyped-def]
        setup = await make_node(tmp_path / "node", **{**FAST, **settings})
        client = await aiohttp_client(create_app(setup.config))
        return setup, client.server.app

    return start


def _note(sender_uri: str, n: int = 0) -> dict[str, object]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"http://node.test/activities/{n}-{time.monotonic_ns()}",
        "type": "Create",
        "actor": sender_uri,
        "object": {"type": "Note", "content": f"note {n}"},
    }


async def _rows(app) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    rows = await app[DB].fetchall("SELECT * FROM deliveries ORDER BY id")
    return [dict(r) for r in rows]


async def _settled(app, count: int) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Rows once ``count`` of them have left the queue (results are written in batches)."""
    rows: list[dict[str, object]] = []

    async def check() -> bool:
        nonlocal rows
        rows = await _rows(app)
        return sum(r["state"] != "queued" for r in rows) >= count

    deadline = time.monotonic() + 20
    while not await check():
        assert time.monotonic() < deadline, rows
        await wait_for(lambda: True)
    return rows


async def test_delivers_signed_identical_bytes_once_per_shared_inbox(start_node, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver())
    node, app = await start_node()
    activity = _note(node.pool.uri)
    activity["bcc"] = [receiver.actor("carol")]
    recipients = [receiver.actor("alice"), receiver.actor("bob"), receiver.actor("carol")]
    assert await enqueue_activity(app, node.pool, activity, recipients) == 1
    rows = await _settled(app, 1)
    assert [(r["state"], r["attempts"], r["last_status"]) for r in rows] == [("delivered", 1, 202)]
    assert [r.path for r in receiver.received] == ["/inbox"]

    got = receiver.received[0]
    stored = await app[DB].fetchone("SELECT body FROM outgoing_activities")
    assert got.body == bytes(stored["body"])
    sent = json.loads(got.body)
    assert sent["id"] == activity["id"] and "bcc" not in sent
    assert got.headers["Content-Type"] == "application/activity+json"
    assert got.headers["Digest"] == digest_header(got.body)
    signature = parse_signature_header(got.headers["Signature"])
    assert signature.key_id == node.pool.uri + "#main-key"
    assert signature.algorithm == "rsa-sha256"
    assert signature.headers == ("(request-target)", "host", "date", "digest")
    verify_request_with_key(
        "POST", "/inbox", got.headers, got.body,
        load_public_key_pem(node.pool.rsa_public_pem), datetime.now(UTC),
    )


async def test_actors_without_shared_inbox_get_a_row_each(start_node, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver(shared_inbox=False))
    node, app = await start_node()
    recipients = [receiver.actor("alice"), receiver.actor("bob"), receiver.actor("alice")]
    assert await enqueue_activity(app, node.pool, _note(node.pool.uri), recipients) == 2
    await _settled(app, 2)
    assert sorted(r.path for r in receiver.received) == [
        "/actors/alice/inbox", "/actors/bob/inbox",
    ]


async def test_addressing_expands_followers_skips_public_and_serves_local_inboxes(
    start_node, aiohttp_server
):
    receiver = await start_receiver(aiohttp_server, Receiver(shared_inbox=False))
    node, app = await start_node()
    for follower in (receiver.actor("f1"), receiver.actor("f2"), node.alice.uri):
        await app[OBJECTS].add_to_collection(node.pool.id, "followers", follower, "2025-01-01T00:00:00Z")
    activity = _note(node.pool.uri)
    activity["to"] = ["https://www.w3.org/ns/activitystreams#Public"]
    activity["cc"] = [node.pool.uri + "/followers", node.admin.uri]
    assert await enqueue_activity(app, node.pool, activity) == 2
    await _settled(app, 2)
    assert sorted(r.path for r in receiver.received) == ["/actors/f1/inbox", "/actors/f2/inbox"]
    for local in (node.alice, node.admin):
        page = await app[OBJECTS].collection_page(local.id, "inbox", before=None, limit=10)
        assert page.items == [activity["id"]]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
async def test_client_errors_fail_at_once_with_their_status(start_node, aiohttp_server, status):
    receiver = await start_receiver(aiohttp_server, Receiver(answer=lambda _r: (status, {})))
    node, app = await start_node()
    await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")])
    rows = await _settled(app, 1)
    assert [(r["state"], r["attempts"], r["last_status"]) for r in rows] == [
        ("failed", 1, status)
    ]
    assert len(receiver.received) == 1
    # A refusal is still an answer: the host is healthy.
    assert app[DELIVERY].health(receiver.base.removeprefix("http://")).consecutive_failures == 0


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
async def test_retryable_statuses_are_retried_with_the_same_bytes(
    start_node, aiohttp_server, status
):
    def answer(_r):  # type: ignore[no-untyped-def]
        return (status, {}) if len(receiver.received) < 3 else (202, {})

    receiver = await start_receiver(aiohttp_server, Receiver(answer=answer))
    node, app = await start_node()
    await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")])
    rows = await _settled(app, 1)
    assert [(r["state"], r["attempts"], r["last_status"]) for r in rows] == [("delivered", 3, 202)]
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.headers["Digest"] for r in receiver.received}) == 1


async def test_retries_stop_after_the_last_attempt(start_node, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver(answer=lambda _r: (500, {})))
    node, app = await start_node(delivery_max_attempts=3, delivery_breaker_threshold=100)
    await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")])
    rows = await _settled(app, 1)
    assert [(r["state"], r["attempts"], r["last_error"]) for r in rows] == [
        ("failed", 3, "HTTP 500")
    ]
    assert len(receiver.received) == 3


@pytest.mark.parametrize("header", ["2", "DATE"])
async def test_retry_after_is_honoured(start_node, aiohttp_server, header):
    def answer(_r):  # type: ignore[no-untyped-def]
        if len(receiver.received) > 1:
            return 202, {}
        value = header
        if header == "DATE":
            value = datetime.fromtimestamp(time.time() + 3, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        return 429, {"Retry-After": value}

    receiver = await start_receiver(aiohttp_server, Receiver(answer=answer))
    node, app = await start_node()
    await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")])
    await _settled(app, 1)
    first, second = receiver.received
    assert second.at - first.at >= 1.5  # not the 0.05 s backoff


async def test_network_errors_retry_and_open_the_breaker(start_node, aiohttp_server, unused_tcp_port):
    node, app = await start_node(delivery_breaker_threshold=3, delivery_breaker_cooldown=60.0)
    # Nothing listens on the port: connection refused on every attempt.
    dead = f"127.0.0.1:{unused_tcp_port}"
    receiver = await start_receiver(aiohttp_server, Receiver())
    actors = [receiver.actor(f"p{i}") for i in range(4)]
    inboxes = [f"http://{dead}/inbox"]
    queue = app[DELIVERY]
    for n in range(6):
        await queue.store.enqueue(
            sender_id=node.pool.id, activity_uri=f"urn:x:{n}", body=b"{}",
            targets=[DeliveryTarget(inboxes[0], dead)], local_owner_ids=[], now=time.time(),
            now_iso="2025-01-01T00:00:00Z",
        )
    queue.wake()
    await wait_for(lambda: (h := queue.health(dead)) is not None and h.consecutive_failures >= 3)
    health = queue.health(dead)
    assert health.open_until is not None and health.open_until > time.time() + 30
    # Attempts already in flight when it opened may still fail; after those, while the
    # breaker is open nothing more is tried, and healthy hosts are unaffected.
    await wait_for(lambda: queue.in_flight(dead) == 0)
    failures = queue.health(dead).consecutive_failures
    await enqueue_activity(app, node.pool, _note(node.pool.uri), actors)
    await wait_for(lambda: len(receiver.received) == 1)
    assert queue.health(dead).consecutive_failures == failures
    await queue.flush()
    rows = [r for r in await _rows(app) if r["host"] == dead]
    assert all(r["state"] == "queued" and r["last_error"] for r in rows if r["attempts"])
    # Rows claimed for it but not attempted when the breaker opened were given back.
    assert all(r["locked_until"] is None for r in rows)
    # An inbound activity from the host closes the breaker.
    await mark_host_alive(app, dead)
    assert queue.health(dead).consecutive_failures == 0


async def test_a_hanging_peer_does_not_slow_healthy_ones(start_node, aiohttp_server):
    hanging = await start_receiver(aiohttp_server, Receiver(hang=True))
    healthy = await start_receiver(aiohttp_server, Receiver(shared_inbox=False))
    node, app = await start_node(delivery_timeout=30.0, delivery_workers=8, delivery_per_host=2)
    for n in range(20):
        await enqueue_activity(app, node.pool, _note(node.pool.uri, n), [hanging.actor("h")])
    started = time.monotonic()
    for n in range(30):
        await enqueue_activity(app, node.pool, _note(node.pool.uri, n), [healthy.actor(f"a{n % 3}")])
    await wait_for(lambda: len(healthy.received) == 30, within=10)
    assert time.monotonic() - started < 5
    assert len(hanging.received) == 0  # still hanging: two slots at most were ever held
    hanging.released.set()


async def test_rows_locked_by_a_dead_process_are_picked_up(start_node, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver())
    node, app = await start_node()
    queue = app[DELIVERY]
    host = receiver.base.removeprefix("http://")
    for n in range(3):
        await queue.store.enqueue(
            sender_id=node.pool.id, activity_uri=f"urn:x:{n}", body=b'{"n":%d}' % n,
            targets=[DeliveryTarget(receiver.base + "/inbox", host)], local_owner_ids=[],
            now=time.time(), now_iso="2025-01-01T00:00:00Z",
        )
    # One row locked far into the future (still in flight elsewhere), one whose lock expired.
    await app[DB].execute("UPDATE deliveries SET locked_until = ? WHERE id = 1", (time.time() + 3600,))
    await app[DB].execute("UPDATE deliveries SET locked_until = ? WHERE id = 2", (time.time() - 1,))
    queue.wake()
    rows = await _settled(app, 2)
    assert [r["state"] for r in rows] == ["queued", "delivered", "delivered"]
    # At start-up nothing can be in flight: the lock is released and the row sent.
    assert await queue.store.release_locks() == 1
    queue.wake()
    rows = await _settled(app, 3)
    assert sorted(r.body for r in receiver.received) == [b'{"n":0}', b'{"n":1}', b'{"n":2}']


async def test_unavailable_host_is_skipped_until_a_probe_succeeds(start_node, aiohttp_server):
    answers = {"status": 500}
    receiver = await start_receiver(
        aiohttp_server, Receiver(answer=lambda _r: (answers["status"], {}))
    )
    node, app = await start_node(
        delivery_breaker_threshold=2, delivery_breaker_cooldown=0.3,
        delivery_unavailable_after=0.2, delivery_max_attempts=50,
    )
    queue = app[DELIVERY]
    host = receiver.base.removeprefix("http://")
    await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")])
    await wait_for(lambda: queue.is_unavailable(host))
    rows = await _settled(app, 1)
    assert rows[0]["state"] == "skipped"
    assert await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")]) == 1
    assert (await _rows(app))[-1]["state"] == "skipped"
    # The host comes back; the next probe (a GET of its NodeInfo) notices.
    answers["status"] = 202
    await wait_for(lambda: not queue.is_unavailable(host), within=10)
    await enqueue_activity(app, node.pool, _note(node.pool.uri), [receiver.actor("a")])
    rows = await _settled(app, 3)
    assert rows[-1]["state"] == "delivered"
