"""Rate limits on the inboxes: per client address (before verification), per verified sender."""

from __future__ import annotations

import json

import pytest

from node.app import create_app
from node.appkeys import INBOX
from node.ratelimit import TokenBuckets
from tests.conftest import make_node
from tests.node.inbox_helpers import AP, post_signed, signed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(60, 3, clock=clock)  # one a second, three at once
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == 1
    assert buckets.take("b") == 0  # keys are independent
    clock.now += 2.5
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 1]
    slow = TokenBuckets(6, 1, clock=clock)  # one every ten seconds
    assert slow.take("a") == 0 and slow.take("a") == 10


def test_token_buckets_are_bounded_and_forget_the_least_recently_seen() -> None:
    clock = Clock()
    buckets = TokenBuckets(60, 1, max_keys=100, clock=clock)
    assert buckets.take("busy") == 0
    for n in range(1000):
        buckets.take(f"flood-{n}")
        if n % 50 == 0:
            assert buckets.take("busy") == 1  # seen recently: kept, still empty
    assert len(buckets) == 100


def test_a_zero_rate_turns_the_limit_off() -> None:
    buckets = TokenBuckets(0, 1)
    assert all(buckets.take("a") == 0 for _ in range(100)) and len(buckets) == 0


async def _client(tmp_path, aiohttp_client, **settings):  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "data", allow_private_addresses=True, **settings)
    return setup, await aiohttp_client(create_app(setup.config))


async def test_one_sender_is_limited_with_429_and_retry_after(tmp_path, aiohttp_client, remote):
    setup, client = await _client(tmp_path, aiohttp_client, inbox_sender_rate=6,
                                  inbox_sender_burst=2)
    bob, carol = remote.add("bob"), remote.add("carol")
    for _ in range(2):
        resp = await post_signed(client, bob, "/inbox", bob.activity("Like", setup.pool.uri))
        assert resp.status == 202, await resp.text()
    refused = bob.activity("Like", setup.pool.uri)
    resp = await post_signed(client, bob, "/inbox", refused)
    assert resp.status == 429
    assert resp.headers["Retry-After"] == "10"
    assert "too many activities from this sender" in (await resp.json())["error"]
    assert await client.server.app[INBOX].by_activity_id(refused["id"]) is None
    assert await client.server.app[INBOX].count() == 2
    # Another sender from the same address is not held up by bob.
    resp = await post_signed(client, carol, "/inbox", carol.activity("Like", setup.pool.uri))
    assert resp.status == 202
    # The actor inbox shares the sender's bucket.
    resp = await post_signed(client, bob, "/pools/commons/inbox", bob.activity("Like", setup.pool.uri))
    assert resp.status == 429


async def test_the_address_limit_comes_before_signature_verification(
    tmp_path, aiohttp_client, remote
):
    setup, client = await _client(tmp_path, aiohttp_client, inbox_address_rate=1,
                                  inbox_address_burst=2)
    bob = remote.add("bob")
    unsigned = await client.post("/inbox", data=b"{}", headers={"Content-Type": AP})
    assert unsigned.status == 400
    resp = await post_signed(client, bob, "/inbox", bob.activity("Like", setup.pool.uri))
    assert resp.status == 202
    # The bucket is empty: neither the body nor a signature is looked at any more.
    resp = await client.post("/inbox", data=b"not even json", headers={"Content-Type": AP})
    assert resp.status == 429 and resp.headers["Retry-After"] == "60"
    assert "too many requests from this address" in (await resp.json())["error"]
    resp = await post_signed(client, bob, "/users/alice/inbox", bob.activity("Like", setup.pool.uri))
    assert resp.status == 429
    resp = await client.post("/users/nobody/inbox", data=b"{}", headers={"Content-Type": AP})
    assert resp.status == 429  # before the actor is even looked up
    assert await client.server.app[INBOX].count() == 1
    assert remote.fetches == [bob.uri]  # the refused request fetched no key


@pytest.mark.parametrize("trusted", [True, False])
async def test_the_address_limit_reads_x_forwarded_for_only_from_a_trusted_proxy(
    tmp_path, aiohttp_client, remote, trusted
):
    proxies = ("127.0.0.1",) if trusted else ()
    setup, client = await _client(tmp_path, aiohttp_client, inbox_address_rate=1,
                                  inbox_address_burst=1, trusted_proxies=proxies)
    bob = remote.add("bob")
    statuses = []
    for client_ip in ("198.51.100.1", "198.51.100.2", "198.51.100.1"):
        body = json.dumps(bob.activity("Like", setup.pool.uri)).encode()
        headers = {**signed(bob, "/inbox", body), "X-Forwarded-For": client_ip}
        statuses.append((await client.post("/inbox", data=body, headers=headers)).status)
    # Through the trusted proxy each client has its own bucket; otherwise the header is
    # ignored and all three requests come from one address.
    assert statuses == ([202, 202, 429] if trusted else [202, 429, 429])
