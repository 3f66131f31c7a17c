"""Closing a flood proposal reconciles with the other pools first: ballots a pool accepted
before the close but whose relays have not arrived are fetched from its ballot list and
counted; while a pool is not reconciled the result stays provisional, however long it takes,
names the pool as pending, and books nothing (docs/PROTOCOL.md §Provisional and final results)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from governance.codec import datetime_from_str
from node.floods import close_due, floods
from node.floods.reconcile import FLOOD_GRACE, RETRY_CAP
from tests.node.floods.test_relayed import _ballot, _flood, _send, _signed
from tests.node.floods.test_results import _member, _vote
from tests.node.inbox_helpers import NODE

pytestmark = pytest.mark.both_backends


class Served:
    """A document the fake remote serves at one URL."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.body = document

    def document(self) -> dict[str, Any]:
        return self.body


def _list(url: str, river: str, pid: str, closes: str, ids: list[str], complete: bool) -> dict[str, Any]:
    return {"id": url, "type": "OrderedCollection", "attributedTo": river, "pool": river, "proposal": pid,
            "closesAt": closes, "complete": complete, "totalItems": len(ids), "orderedItems": ids}


async def test_relayed_ballots_that_arrive_after_the_close_are_fetched_and_counted(client, remote) -> None:  # type: ignore[no-untyped-def]
    url = f"{remote.base}/users/river-ballots"
    pool, river, bo, pid = await _flood(client, remote, members=("bo", "cy"), ballots=url)
    cy = remote.actors[f"{remote.base}/users/cy"]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None
    closes = stored.document["closesAt"]
    # river accepted two ballots before the close; their Announces are still queued there.
    late = [_ballot(bo, river, pid, "agree"), _ballot(cy, river, pid, "agree")]
    for ballot in late:
        ballot["id"] = f"{remote.base}/users/ballot-{ballot['id'].rsplit('/', 1)[-1]}"

    late = [_signed(v, {k: x for k, x in b.items() if k != "proof"}) for v, b in zip((bo, cy), late, strict=True)]
    for ballot in late:
        remote.actors[ballot["id"]] = Served(ballot)
    served = Served(_list(url, river.uri, pid, closes, [b["id"] for b in late], complete=False))
    remote.actors[url] = served
    await _vote(client, await _member(client, "admin"), pool, pid, "disagree")

    # At the close our node waits: river's list is not complete yet (its intake has not settled).
    after = datetime_from_str(closes) + FLOOD_GRACE + timedelta(seconds=1)
    assert await close_due(client.app, after) == []
    assert (await floods(client.app).proposal(pid)).state == "open"  # type: ignore[union-attr]

    served.body = {**served.body, "complete": True}
    assert await close_due(client.app, after + timedelta(seconds=1)) == [pid]
    assert sorted(remote.fetches).count(late[0]["id"]) == 1
    stored = await floods(client.app).proposal(pid)
    assert stored is not None and stored.result is not None
    assert stored.result["participation"] == 3 and stored.result["counts"]["agree"] == 2
    (mine,) = [a for a in await floods(client.app).attestations(pid) if a.pool_uri == pool.uri]
    assert set(mine.document["ballots"]) >= {b["id"] for b in late}

    # The queued relays arrive afterwards: kept once, the final result does not change.
    for ballot in late:
        await _send(client, river, river.activity("Announce", ballot["id"], to=[pool.uri]))
    assert len(await floods(client.app).ballots(pid)) == 3
    again = await floods(client.app).proposal(pid)
    assert again is not None and again.result == stored.result


async def test_a_pool_not_reconciled_keeps_the_result_provisional_past_every_wait(client, remote) -> None:  # type: ignore[no-untyped-def]
    url = f"{remote.base}/users/river-ballots"
    pool, river, bo, pid = await _flood(client, remote, ballots=url)
    stored = await floods(client.app).proposal(pid)
    assert stored is not None
    closes = stored.document["closesAt"]
    served = Served(_list(url, river.uri, pid, closes, [], complete=False))
    remote.actors[url] = served
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    start = datetime_from_str(closes) + FLOOD_GRACE
    assert await close_due(client.app, start) == []
    # Long past the close and the reconcile wait: still provisional, river named as pending.
    later = datetime_from_str(closes) + timedelta(days=3)
    assert await close_due(client.app, later) == []
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["status"] == "provisional" and view["final"] is False
    (waiting,) = view["pendingPools"]
    assert waiting["pool"] == river.uri and waiting["overdue"] is True
    assert "not complete" in waiting["reason"]
    assert view["mismatches"] == [] and view["shares"] == []
    assert [a for a in await floods(client.app).attestations(pid) if a.pool_uri == pool.uri] == []

    # river's list completes (the link is back): final on the next attempt, with river's ballot.
    served.body = {**served.body, "complete": True, "orderedItems": [], "totalItems": 0}
    assert await close_due(client.app, later + RETRY_CAP) == [pid]
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["status"] == "final" and view["pendingPools"] == []
    assert view["result"]["participation"] == 1


async def test_the_pools_ballot_list_lists_its_own_members_ballots(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote)
    await _send(client, river, river.activity("Announce", _ballot(bo, river, pid, "agree"), to=[pool.uri]))
    admin = await _member(client, "admin")
    await _vote(client, admin, pool, pid, "agree")
    (electorate,) = [d for p, d in (await floods(client.app).electorates(pid)).items() if p == pool.uri]
    path = electorate["ballots"].removeprefix(NODE)
    listed = await (await client.get(path, headers={"Accept": "application/activity+json"})).json()
    assert listed["proposal"] == pid and listed["attributedTo"] == pool.uri
    assert listed["complete"] is False and listed["totalItems"] == 1  # bo's ballot is river's, not ours
    assert listed["orderedItems"][0].startswith(admin.uri)
