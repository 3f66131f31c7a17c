"""The delivery workers' SSRF guard: inbox hosts are resolved, checked and pinned."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import pytest

from federation.errors import UnsafeAddress
from federation.httpsig import parse_signature_header
from federation.pinning import AddressPinner
from node.delivery import settings_from_config
from node.delivery.http1 import HTTP1Client
from node.delivery.queue import DeliveryQueue
from node.storage import ActorStore, Database, DeliveryStore, DeliveryTarget
from tests.conftest import make_node
from tests.node.delivery_receivers import Receiver, start_receiver, wait_for


def fake_dns(table: dict[str, list[str]]) -> Any:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[Any]:
        asked.append(host)
        if host not in table:
            raise OSError("no such host")
        return [ipaddress.ip_address(a) for a in table[host]]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


@pytest.fixture
async def queue_of(tmp_path):  # type: ignore[no-untyped-def]
    """A DeliveryQueue on a fresh node, with a client that records every request started."""
    opened: list[tuple[DeliveryQueue, Database]] = []

    async def build(resolver: Any = None, **settings: Any):  # type: ignore[no-untyped-def]
        setup = await make_node(tmp_path / "node", delivery_poll_interval=0.05,
                                delivery_base_delay=60.0, **settings)
        db = Database.for_config(setup.config)
        await db.open()
        requests: list[str] = []

        class Recording(HTTP1Client):
            async def request(self, method: str, pinned: Any, *args: Any, **kw: Any) -> Any:
                requests.append(str(pinned.url))
                return await super().request(method, pinned, *args, **kw)

        extra = {"resolver": resolver} if resolver is not None else {}
        queue = DeliveryQueue(DeliveryStore(db), ActorStore(db),
                              settings_from_config(setup.config), http=Recording(), **extra)
        await queue.start()
        opened.append((queue, db))
        return setup, queue, requests

    yield build
    for queue, db in opened:
        await queue.stop()
        await db.close()


async def _deliver_to(setup: Any, queue: DeliveryQueue, inbox: str, host: str) -> dict[str, Any]:
    await queue.store.enqueue(
        sender_id=setup.pool.id, activity_uri="urn:x:1", body=b"{}",
        targets=[DeliveryTarget(inbox, host)], local_owner_ids=[], now=time.time(),
        now_iso="2025-01-01T00:00:00Z",
    )
    queue.wake()
    row: dict[str, Any] = {}

    async def settled() -> bool:
        nonlocal row
        await queue.flush()
        found = await queue.store.db.fetchone("SELECT * FROM deliveries")
        row = dict(found) if found else {}
        return row.get("state", "queued") != "queued" or row.get("attempts", 0) > 0

    deadline = time.monotonic() + 10
    while not await settled():
        assert time.monotonic() < deadline, row
        await wait_for(lambda: True)
    return row


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1:{port}", "loopback address"),
        ("10.0.0.1", "private address"),
        ("169.254.169.254", "link-local address"),
        ("[::1]:{port}", "loopback address"),
    ],
)
async def test_inbox_at_a_forbidden_address_fails_without_a_connection(
    queue_of, aiohttp_server, address, reason
):
    receiver = await start_receiver(aiohttp_server, Receiver())
    port = receiver.base.rsplit(":", 1)[1]
    host = address.format(port=port)
    setup, queue, requests = await queue_of()
    row = await _deliver_to(setup, queue, f"http://{host}/inbox", host)
    assert row["state"] == "failed" and row["attempts"] == 1
    assert row["last_error"].startswith("unsafe inbox: refusing to deliver to a " + reason)
    assert requests == [] and receiver.received == []
    # A refusal is about our policy, not the host's health: no breaker count.
    assert queue.health(host) is None


async def test_a_hostname_resolving_to_a_private_address_is_refused(queue_of):
    dns = fake_dns({"inbox.example": ["93.184.215.14", "10.1.2.3"]})
    setup, queue, requests = await queue_of(resolver=dns)
    row = await _deliver_to(setup, queue, "https://inbox.example/inbox", "inbox.example")
    assert row["state"] == "failed"
    assert "private address" in row["last_error"] and "10.1.2.3" in row["last_error"]
    assert dns.asked == ["inbox.example"] and requests == []


async def test_an_unresolvable_host_is_retried_like_a_network_error(queue_of):
    setup, queue, requests = await queue_of(resolver=fake_dns({}))
    row = await _deliver_to(setup, queue, "https://gone.example/inbox", "gone.example")
    assert row["state"] == "queued" and row["attempts"] == 1
    assert "could not resolve host" in row["last_error"]
    assert requests == []
    assert queue.health("gone.example").consecutive_failures == 1


async def test_the_post_goes_to_the_resolved_address_with_the_signed_host(
    queue_of, aiohttp_server
):
    receiver = await start_receiver(aiohttp_server, Receiver())
    port = receiver.base.rsplit(":", 1)[1]
    dns = fake_dns({"peer.example": ["127.0.0.1"]})
    # Loopback stands in for a public address here: the policy is off, pinning is not.
    setup, queue, requests = await queue_of(resolver=dns, allow_private_addresses=True)
    row = await _deliver_to(setup, queue, f"http://peer.example:{port}/inbox", f"peer.example:{port}")
    assert row["state"] == "delivered"
    assert requests == [f"http://127.0.0.1:{port}/inbox"]
    got = receiver.received[0]
    assert got.headers["Host"] == f"peer.example:{port}"
    assert "host" in parse_signature_header(got.headers["Signature"]).headers


async def test_resolved_addresses_are_cached_for_a_while(queue_of, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver())
    port = receiver.base.rsplit(":", 1)[1]
    dns = fake_dns({"peer.example": ["127.0.0.1"]})
    setup, queue, _ = await queue_of(resolver=dns, allow_private_addresses=True)
    for n in range(3):
        await queue.store.enqueue(
            sender_id=setup.pool.id, activity_uri=f"urn:x:{n}", body=b"{}",
            targets=[DeliveryTarget(f"http://peer.example:{port}/inbox", f"peer.example:{port}")],
            local_owner_ids=[], now=time.time(), now_iso="2025-01-01T00:00:00Z",
        )
    queue.wake()
    await wait_for(lambda: len(receiver.received) == 3)
    assert dns.asked == ["peer.example"]



async def test_each_origin_is_checked_once_per_ttl_and_refusals_are_never_cached():
    checked: list[str] = []

    def policy(ip: Any) -> str | None:
        checked.append(str(ip))
        return "private address" if ip.is_private else None

    now = [0.0]
    pinner = AddressPinner(is_forbidden=policy, cache_ttl=60.0, clock=lambda: now[0],
                           resolver=fake_dns({"peer.example": ["93.184.215.14"]}))
    first = await pinner.pin("https://peer.example/users/a/inbox")
    second = await pinner.pin("https://peer.example/users/b/inbox?x=1")
    assert checked == ["93.184.215.14"]  # one check for both paths
    assert str(second.url) == "https://93.184.215.14/users/b/inbox?x=1"
    assert (second.host_header, second.server_hostname) == ("peer.example", "peer.example")
    assert first.address == second.address
    # Credentials or another port are another origin: checked (and refused) on their own.
    with pytest.raises(UnsafeAddress):
        await pinner.pin("https://user:pw@peer.example/inbox")
    for _ in range(2):
        with pytest.raises(UnsafeAddress):
            await pinner.pin("http://10.0.0.1:8080/inbox")
    assert checked == ["93.184.215.14", "10.0.0.1", "10.0.0.1"]
    now[0] = 61.0  # the TTL is over: checked again
    await pinner.pin("https://peer.example/users/c/inbox")
    assert checked[-1] == "93.184.215.14" and len(checked) == 4
    # An address literal is an origin like any other: one check for many inboxes on it.
    for n in range(3):
        pinned = await pinner.pin(f"http://93.184.215.15:8080/users/{n}/inbox")
    assert checked[4:] == ["93.184.215.15"]
    assert str(pinned.url) == "http://93.184.215.15:8080/users/2/inbox"


async def test_without_a_ttl_every_pin_is_checked():
    checked: list[str] = []

    def policy(ip: Any) -> str | None:
        checked.append(str(ip))
        return None

    pinner = AddressPinner(is_forbidden=policy, resolver=fake_dns({"p.example": ["93.184.215.14"]}))
    for path in ("a", "b"):
        await pinner.pin(f"https://p.example/{path}")
    assert checked == ["93.184.215.14", "93.184.215.14"]
