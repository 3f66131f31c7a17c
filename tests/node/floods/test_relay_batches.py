"""Relays coalesced per peer: a pool sends the ballots it accepts within a short window as one
Announce whose object is a list (one ballot alone keeps the single form); a receiver accepts
each listed ballot on its own proof and only from a voter in the relaying pool's electorate,
refuses the rest with one Reject, and counts nothing after the close. Voters' keys are
fetched ahead when an electorate arrives."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import Ballot
from node.appkeys import ACTORS, OBJECTS, REMOTE_ACTORS
from node.floods import floods
from node.floods.relay import RELAY_WINDOW
from node.floods.running import remember, running_count
from tests.node.floods.test_relayed import _actor, _ballot, _flood, _send, _signed
from tests.node.floods.test_results import _member, _vote
from tests.node.inbox_helpers import start_remote
from tests.node.pools.test_federated_ballots import _rejections

pytestmark = pytest.mark.both_backends


async def _announces(client) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    return [d for d in documents.values() if d["type"] == "Announce"]


async def _relays(client, count: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The pool's Announces of ballots, once there are ``count`` of them."""
    async with asyncio.timeout(20):
        while True:
            found = [a for a in await _announces(client)
                     if isinstance(a["object"], list) or a["object"].get("type") == "Ballot"]
            if len(found) >= count:
                return found
            await asyncio.sleep(RELAY_WINDOW / 2)


async def test_ballots_accepted_together_are_relayed_in_one_announce(client, remote, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from node.floods import relay

    # However slow the machine, both ballots fall in one window: it ends when flushed here.
    monkeypatch.setattr(relay, "RELAY_WINDOW", 3600)
    pool, river, _, pid = await _flood(client, remote)
    admin, alice = await _member(client, "admin"), await _member(client, "alice")
    await _vote(client, admin, pool, pid, "agree")
    await _vote(client, alice, pool, pid, "disagree")
    await relay.flush_all(client.app)
    (announce,) = await _relays(client, 1)
    assert announce["to"] == [river.uri]
    listed = announce["object"]
    assert isinstance(listed, list)
    assert sorted(b["attributedTo"] for b in listed) == sorted([admin.uri, alice.uri])
    assert all(b["proof"]["verificationMethod"].startswith(b["attributedTo"]) for b in listed)
    # A ballot alone in its window keeps the single-object form.
    await _vote(client, admin, pool, pid, "abstain")
    await relay.flush_all(client.app)
    relays = await _relays(client, 2)
    single = [a["object"] for a in relays if isinstance(a["object"], dict)]
    assert [b["attributedTo"] for b in single] == [admin.uri]


async def test_each_listed_ballot_is_accepted_on_its_own_proof(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote, members=("bo", "cy"))
    cy = remote.actors[f"{remote.base}/users/cy"]
    good = _ballot(bo, river, pid, "agree")
    forged = copy.deepcopy(_ballot(cy, river, pid, "agree"))
    forged["choice"] = ["block"]
    outsider = _ballot(_actor(remote, "dan"), river, pid, "agree")
    item = await _send(client, river, river.activity("Announce", [good, forged, outsider], to=[pool.uri]))
    assert item.state == "done"
    assert [b["id"] for b, _ in await floods(client.app).ballots(pid)] == [good["id"]]
    (reason,) = [r for r in await _rejections(client) if forged["id"] in r]
    assert "does not verify" in reason and outsider["id"] in reason and "not a member of the flood" in reason
    assert good["id"] not in reason
    # The same list again changes nothing; the running tally counts bo once.
    await _send(client, river, river.activity("Announce", [good, _ballot(cy, river, pid, "disagree")],
                                              to=[pool.uri]))
    view = await (await client.get("/pools/commons/floods/tally", params={"proposal": pid})).json()
    assert view["result"]["participation"] == 2
    assert len(await floods(client.app).ballots(pid)) == 2


async def test_a_listed_ballot_of_another_pool_or_cast_after_the_close_is_refused(client, remote) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote, members=("bo", "cy"))
    cy = remote.actors[f"{remote.base}/users/cy"]
    stored = await floods(client.app).proposal(pid)
    assert stored is not None
    late = _signed(bo, {**{k: v for k, v in _ballot(bo, river, pid, "agree").items() if k != "proof"},
                        "published": _iso(datetime.fromisoformat(stored.document["closesAt"].replace("Z", "+00:00"))
                                          + timedelta(seconds=1))})
    elsewhere = _signed(cy, {**{k: v for k, v in _ballot(cy, river, pid, "agree").items() if k != "proof"},
                             "pool": pool.uri})
    await _send(client, river, river.activity("Announce", [late, elsewhere], to=[pool.uri]))
    assert await floods(client.app).ballots(pid) == []
    (reason,) = [r for r in await _rejections(client) if late["id"] in r]
    assert "cast after the close" in reason and "relays only its own members' ballots" in reason


async def test_a_listed_ballot_from_another_origin_is_fetched_from_its_server(client, remote, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    pool, river, bo, pid = await _flood(client, remote)
    elsewhere = await start_remote(aiohttp_server)  # the voter's server, not river's origin
    ballot = _ballot(bo, river, pid, "agree")
    ballot = _signed(bo, {**{k: v for k, v in ballot.items() if k != "proof"},
                          "id": f"{elsewhere.base}/users/ballot-{uuid.uuid4().hex}"})

    class Served:
        def document(self) -> dict[str, Any]:
            return ballot

    elsewhere.actors[ballot["id"]] = Served()  # type: ignore[assignment]
    # An embedded copy from another origin than the relay's is not taken as sent (here it is
    # altered and its proof would fail): the ballot is fetched by its id and counted as served.
    altered = {**ballot, "choice": ["block"]}
    await _send(client, river, river.activity("Announce", [altered], to=[pool.uri]))
    assert ballot["id"] in elsewhere.fetches
    assert [b["choice"] for b, _ in await floods(client.app).ballots(pid)] == [["agree"]]


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def test_the_keys_of_an_electorates_members_are_fetched_when_it_arrives(client, remote) -> None:  # type: ignore[no-untyped-def]
    await _flood(client, remote, members=("bo", "cy", "dan"))
    wanted = {f"{remote.base}/users/{n}" for n in ("bo", "cy", "dan")}
    async with asyncio.timeout(20):
        while True:
            if all([await client.app[REMOTE_ACTORS].get(uri) for uri in wanted]):
                break
            await asyncio.sleep(0.02)
    assert wanted <= set(remote.fetches)


async def test_the_running_count_is_computed_again_only_when_something_was_added(client) -> None:  # type: ignore[no-untyped-def]
    uri = f"https://river.example/floods/proposals/{uuid.uuid4()}"  # nothing else refreshes it
    calls: list[int] = []

    def count(ballots: list[Ballot]) -> Any:
        calls.append(len(ballots))
        return None

    pools = ["https://a.example/pools/one", "https://b.example/pools/two"]
    await running_count(client.app, uri, pools, count)
    await running_count(client.app, uri, pools, count)
    assert calls == [0]
    ballot = Ballot.consent(uri + "/b/1", uri, "https://a.example/users/ana",
                            datetime.now(UTC).replace(microsecond=0), "agree")
    assert await floods(client.app).add_ballot(uri, uri=ballot.id, voter_uri=ballot.voter,
                                               via_pool=pools[0], ballot=ballot.to_dict(),
                                               document={}, now="2026-01-01T00:00:00Z")
    remember(client.app, uri, ballot)  # (on PostgreSQL the next read takes it from its row)
    await running_count(client.app, uri, pools, count)
    await running_count(client.app, uri, pools, count)
    await running_count(client.app, uri, pools[:1], count)  # another set of electorates
    assert calls == [0, 1, 1]


async def test_collected_relays_are_published_at_once_when_the_node_stops(client, remote, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from node.floods import relay

    monkeypatch.setattr(relay, "RELAY_WINDOW", 3600)  # the window would not end during the test
    pool, river, _, pid = await _flood(client, remote)
    await _vote(client, await _member(client, "admin"), pool, pid, "agree")
    ballots = [a for a in await _announces(client) if a["object"].get("type") == "Ballot"]
    assert ballots == []
    await relay.flush_all(client.app)  # what floods_ctx does at shutdown
    (announce,) = [a for a in await _announces(client) if a["object"].get("type") == "Ballot"]
    assert announce["to"] == [river.uri]


async def test_a_list_longer_than_the_limit_is_refused_whole(client, remote) -> None:  # type: ignore[no-untyped-def]
    from node.handlers.announce import MAX_RELAYED

    pool, river, bo, pid = await _flood(client, remote)
    good = _ballot(bo, river, pid, "agree")
    items = [good] + [{**good, "id": f"{good['id']}-{i}"} for i in range(MAX_RELAYED)]
    activity = river.activity("Announce", items, to=[pool.uri])
    await _send(client, river, activity)
    assert await floods(client.app).ballots(pid) == []
    assert any(f"more than {MAX_RELAYED} ballots" in r for r in await _rejections(client))
