"""A verified activity from a host we stopped delivering to makes delivery resume."""

from __future__ import annotations

import time

import pytest

from node.app import create_app
from node.appkeys import DB, DELIVERY
from node.storage import Database, DeliveryStore, HostRecord
from tests.conftest import make_node
from tests.node.inbox_helpers import post_signed

POOL_INBOX = "/pools/commons/inbox"


async def _node_with_host(tmp_path, aiohttp_client, record: HostRecord):  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "data", allow_private_addresses=True,
                            delivery_breaker_threshold=5)
    db = Database.for_config(setup.config)
    await db.open()
    try:
        await DeliveryStore(db).record([], [record], time.time())
    finally:
        await db.close()
    return setup, await aiohttp_client(create_app(setup.config))


async def _stored_host(client, host: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    await client.server.app[DELIVERY].flush()
    row = await client.server.app[DB].fetchone("SELECT * FROM delivery_hosts WHERE host = ?", (host,))
    return dict(row)


@pytest.mark.parametrize(
    "state",
    [
        # open_until: seconds from when the test runs (collection may be minutes earlier)
        {"consecutive_failures": 7, "open_until": 300},  # breaker open
        {"consecutive_failures": 40, "unavailable": True, "open_until": 300},
    ],
)
async def test_activity_from_a_tripped_host_closes_its_breaker(
    tmp_path, aiohttp_client, remote, state
):
    host = remote.base.removeprefix("http://")
    state = {**state, "open_until": time.time() + state["open_until"]}
    record = HostRecord(host=host, origin=remote.base, failing_since=time.time() - 60,
                        last_error="HTTP 503", **state)
    setup, client = await _node_with_host(tmp_path, aiohttp_client, record)
    queue = client.server.app[DELIVERY]
    assert queue.needs_revival(host)
    bob = remote.add("bob")
    resp = await post_signed(client, bob, POOL_INBOX, bob.activity("Follow", setup.pool.uri))
    assert resp.status == 202
    assert not queue.needs_revival(host) and not queue.is_unavailable(host)
    stored = await _stored_host(client, host)
    assert stored["consecutive_failures"] == 0 and stored["unavailable"] == 0
    assert stored["open_until"] is None


async def test_activity_from_a_host_with_a_closed_breaker_writes_nothing(
    tmp_path, aiohttp_client, remote
):
    host = remote.base.removeprefix("http://")
    record = HostRecord(host=host, origin=remote.base, consecutive_failures=2,
                        failing_since=time.time() - 60, last_error="HTTP 503")
    setup, client = await _node_with_host(tmp_path, aiohttp_client, record)
    before = await _stored_host(client, host)
    bob = remote.add("bob")
    resp = await post_signed(client, bob, POOL_INBOX, bob.activity("Follow", setup.pool.uri))
    assert resp.status == 202
    assert await _stored_host(client, host) == before  # a few failures are the breaker's to count


async def test_an_unverified_request_revives_nothing(tmp_path, aiohttp_client, remote):
    host = remote.base.removeprefix("http://")
    record = HostRecord(host=host, origin=remote.base, consecutive_failures=40,
                        unavailable=True, open_until=time.time() + 300)
    setup, client = await _node_with_host(tmp_path, aiohttp_client, record)
    bob = remote.add("bob")
    resp = await client.post(POOL_INBOX, json=bob.activity("Follow", setup.pool.uri),
                             headers={"Content-Type": "application/activity+json"})
    assert resp.status == 401
    assert client.server.app[DELIVERY].is_unavailable(host)
