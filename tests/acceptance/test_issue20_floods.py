"""Issue 20, checked from the issue text and docs/PROTOCOL.md alone ("Provisional and final
results", "Electorates and pledges"): a pool freezes its electorate only while the proposal is
open, so every node must give an electorate signed after ``closesAt`` the same answer a node
gets from a pool that never froze one (404): the pool takes no part. A node that accepted it
would count that pool (its members, its pledge) while a node that asked earlier left it out,
and the two would disagree for good. Refused at the receiver with a reason; at reconciliation
it leaves the pool absent, not pending. (The multi-node partition tests are in
tests/multinode/test_partition.py, with the independent recount of tests/multinode/recount.py.)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from governance import electorate_digest
from governance.codec import datetime_from_str
from node.floods import close_due, floods
from node.floods.reconcile import FLOOD_GRACE
from node.wire.floods import document_key
from schemas import OBJECT_CONTEXT
from tests.node.floods.conftest import client
from tests.node.floods.test_relayed import _flood, _iso, _Listed, _send, _signed
from tests.node.floods.test_results import _member, _vote
from tests.node.pools.test_federated_ballots import _rejections
from tests.node.test_delivery_workers import queues

__all__ = ["client", "queues"]

pytestmark = pytest.mark.both_backends


def _electorate(river: Any, pid: str, flood: str, members: list[str], published: str | None) -> dict[str, Any]:
    return _signed(river, {
        "@context": OBJECT_CONTEXT, "id": f"{river.uri}/floods/electorates/{document_key(pid)}",
        "type": "Electorate", "attributedTo": river.uri, "pool": river.uri, "flood": flood,
        "proposal": pid, "members": members, "electorateDigest": electorate_digest(members),
        "electorateSize": len(members), "pledge": 5000,
        **({"published": published} if published is not None else {}),
    })


async def _closes(client, pid: str) -> str:  # type: ignore[no-untyped-def]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None
    return str(stored.document["closesAt"])


async def test_an_electorate_signed_after_the_close_is_refused_with_a_reason(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote, electorate=False)
    closes = await _closes(client, pid)
    late = _iso(datetime_from_str(closes) + timedelta(seconds=1))
    flood = river.uri + "/floods/delta"
    await _send(client, river, river.activity(
        "Create", _electorate(river, pid, flood, [bo.uri], late), to=[pool.uri]))
    assert river.uri not in await floods(client.app).electorates(pid)
    assert any("after the proposal closed" in r for r in await _rejections(client)), await _rejections(client)

    # One that does not say when it was frozen cannot be judged: refused alike.
    await _send(client, river, river.activity(
        "Create", _electorate(river, pid, flood, [bo.uri], None), to=[pool.uri]))
    assert river.uri not in await floods(client.app).electorates(pid)
    assert any("says when it was frozen" in r for r in await _rejections(client))

    # Frozen while open: kept.
    await _send(client, river, river.activity(
        "Create", _electorate(river, pid, flood, [bo.uri], _iso(datetime_from_str(closes) - timedelta(minutes=5))),
        to=[pool.uri]))
    assert river.uri in await floods(client.app).electorates(pid)


async def test_a_late_electorate_read_at_reconciliation_leaves_the_pool_absent_not_counted(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, _, pid = await _flood(client, remote, electorate=False, members=("bo", "cy", "dan"))
    closes = await _closes(client, pid)
    voters = sorted(f"{remote.base}/users/{n}" for n in ("bo", "cy", "dan"))
    # river answers its electorate only after the close, signed after the close: a node that
    # asked it a moment earlier got 404 and left river out; this node must too.
    late = _iso(datetime_from_str(closes) + timedelta(seconds=2))
    remote.actors[f"{river.uri}/floods/electorates/{document_key(pid)}"] = _Listed(
        _electorate(river, pid, river.uri + "/floods/delta", voters, late))
    await _vote(client, await _member(client, "admin"), pool, pid, "disagree")
    after = datetime_from_str(closes) + FLOOD_GRACE + timedelta(seconds=5)
    assert await close_due(client.app, after) == [pid]  # final, not pending forever
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and stored.result is not None
    assert stored.result["absentPools"] == [river.uri]
    kept = await floods(client.app).electorates(pid)
    assert list(kept) == [pool.uri]
    # commons' members only: river's three members are not in the union.
    assert stored.result["electorateSize"] == len(kept[pool.uri]["members"])
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["status"] == "final" and view["pendingPools"] == []


async def test_an_electorate_that_came_before_its_proposal_is_judged_when_the_proposal_arrives(client, remote) -> None:  # type: ignore[no-untyped-def]
    # Opened by river; river's late electorate reaches us first, the proposal afterwards.
    _, river, bo, pid = await _flood(client, remote, electorate=False)
    closes = await _closes(client, pid)
    from node.floods.proposals import receive_proposal

    stored = await floods(client.app).proposal(pid)
    assert stored is not None
    document = stored.document
    # Put the late electorate first (as if its Create arrived before the proposal), then have
    # the proposal received again: the rule is applied to electorates already kept.
    await floods(client.app).put_electorate(pid, river.uri, _electorate(
        river, pid, document["flood"], [bo.uri], _iso(datetime_from_str(closes) + timedelta(minutes=1))))
    await receive_proposal(client.app, river.uri, document, datetime_from_str(closes) - timedelta(minutes=5))
    assert river.uri not in await floods(client.app).electorates(pid)
    # The same when the proposal itself reaches us only after its close.
    await floods(client.app).put_electorate(pid, river.uri, _electorate(
        river, pid, document["flood"], [bo.uri], _iso(datetime_from_str(closes) + timedelta(minutes=1))))
    await receive_proposal(client.app, river.uri, document, datetime_from_str(closes) + timedelta(minutes=5))
    assert river.uri not in await floods(client.app).electorates(pid)


async def test_a_result_final_only_after_the_funding_wait_books_nothing_and_says_lapsed(client, remote) -> None:  # type: ignore[no-untyped-def]
    # docs/PROTOCOL.md §Provisional and final results: each share is an obligation from the
    # close, so a result that became final later than the funding wait after it lapses.
    from node.appkeys import ACTORS
    from node.pool_engine.ledger import balances
    from tests.node.floods.test_relayed import _ballot
    from tests.node.floods.test_results import _contribute

    pool = await client.app[ACTORS].get("commons", "pool")
    await _contribute(client, pool, 1500)  # the fund covers the share: only time stops it
    _, river, bo, pid = await _flood(client, remote, pledge=500, proposalKind="disbursement", amount=1000,
                                     currency="EUR", payee="Van rental", purpose="a van", content=None)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    closes = datetime_from_str(await _closes(client, pid))
    assert await close_due(client.app, closes + timedelta(days=91)) == [pid]  # past the 90-day wait
    assert "commitment:" + pid not in (await balances(client.app, pool))["balances"]
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["status"] == "final" and view["result"]["outcome"] == "passed"
    (share,) = view["shares"]
    assert share["effect"] == "lapsed" and share["effectReason"], share


async def test_a_peer_seen_again_below_the_breaker_threshold_gets_its_waiting_rows_at_once(  # type: ignore[no-untyped-def]
        queues, aiohttp_server, unused_tcp_port) -> None:
    # docs/FEDERATION.md "After a heal": any evidence that a failing host is back makes its
    # queued deliveries due now. A short cut fails a relay a few times, fewer than the breaker's
    # threshold: the breaker never opened, so no probe comes, and the row waits out its back-off
    # (here 10 minutes) unless the evidence hastens it too.
    from tests.node.delivery_receivers import Receiver, enqueue_rows, wait_for, wait_for_async
    from tests.node.test_delivery_workers import _rows

    setup, queue = await queues(delivery_per_host=1, delivery_breaker_threshold=10,
                                delivery_breaker_cooldown=600.0, delivery_base_delay=600.0)
    receiver = Receiver(base=f"http://127.0.0.1:{unused_tcp_port}")  # nothing listens yet
    host = await enqueue_rows(setup, queue, receiver, 2)
    await wait_for(lambda: (h := queue.health(host)) is not None and h.consecutive_failures >= 1)
    await wait_for(lambda: queue.in_flight(host) == 0)
    assert queue.health(host).consecutive_failures < 10  # type: ignore[union-attr]
    await aiohttp_server(receiver.app(), host="127.0.0.1", port=unused_tcp_port)
    # What the inbox (a verified activity from the host) and fetch_as (a GET it answered) do:
    assert queue.needs_revival(host)
    queue.mark_alive(host)
    await wait_for(lambda: len(receiver.received) == 2)

    async def all_delivered() -> bool:
        return {r["state"] for r in await _rows(queue)} == {"delivered"}

    await wait_for_async(all_delivered)


async def test_a_get_the_host_answers_even_404_closes_its_open_breaker(tmp_path, aiohttp_client, remote) -> None:  # type: ignore[no-untyped-def]
    # docs/FEDERATION.md "After a heal": a GET it answers (node.http.fetch_as, e.g. flood
    # reconciliation reading a ballot list; a 404 is an answer too) closes the breaker.
    import time

    from federation.errors import RemoteAnswered
    from node.appkeys import DELIVERY
    from node.http import fetch_as
    from node.storage import HostRecord
    from tests.node.test_inbox_alive import _node_with_host, _stored_host

    host = remote.base.removeprefix("http://")
    record = HostRecord(host=host, origin=remote.base, consecutive_failures=7, failing_since=time.time() - 60,
                        open_until=time.time() + 300, last_error="HTTP 503")
    _, app_client = await _node_with_host(tmp_path, aiohttp_client, record)
    queue = app_client.server.app[DELIVERY]
    assert queue.needs_revival(host)
    with pytest.raises(RemoteAnswered):
        await fetch_as(app_client.server.app, f"{remote.base}/users/nobody-here", None)
    assert not queue.needs_revival(host)
    assert (await _stored_host(app_client, host))["open_until"] is None
