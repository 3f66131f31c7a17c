"""A pool's passed JoinFlood and LeaveFlood proposals make and end the flood link: the pool
engine closes them and carries out their effect through the function the app factory hands
it (node/pool_engine/extensions.py), which is node/floods'."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from node.appkeys import ACTORS, FOLLOWS
from node.floods import decided, floods
from node.handlers import Inbound, follow
from node.pool_engine import close_due
from node.pool_engine.common import POOL_LOCKS
from node.pool_engine.extensions import FLOOD_DISBURSEMENT, FLOOD_LINK_EFFECT
from tests.node.floods.test_relayed import _actor
from tests.node.pools.helpers import propose, vote

pytestmark = pytest.mark.both_backends


def _closes(proposal: dict) -> datetime:  # type: ignore[type-arg]
    return datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))


async def _pass(client, node, **fields) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token, **fields)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert await close_due(client.app, _closes(proposal)) == [proposal["id"]]


async def test_the_app_factory_hands_the_engine_the_floods_functions(fed_client) -> None:  # type: ignore[no-untyped-def]
    from node.floods import flood_disbursement

    assert fed_client.app[FLOOD_LINK_EFFECT] is decided
    assert fed_client.app[FLOOD_DISBURSEMENT] is flood_disbursement


async def test_a_passed_join_flood_links_the_pool_and_a_leave_flood_ends_it(fed_client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    app = fed_client.app
    pool = await app[ACTORS].get("commons", "pool")
    river = _actor(remote, "river", "Group")
    flood = river.uri + "/floods/delta"

    # A JoinFlood draft names a flood but is the pool's own proposal, not a flood proposal.
    await _pass(fed_client, fed, name="Join delta", proposalKind="join_flood", flood=flood, peer=river.uri)
    [link] = await floods(app).links(pool.id, flood)
    assert (link.peer_uri, link.state) == (river.uri, "approved")
    follow = await app[FOLLOWS].get(pool.uri, river.uri)
    assert follow is not None and follow.state == "pending"

    await _pass(fed_client, fed, name="Leave delta", proposalKind="leave_flood", flood=flood)
    [link] = await floods(app).links(pool.id, flood)
    assert link.state == "left"
    assert await app[FOLLOWS].get(pool.uri, river.uri) is None


async def test_a_follow_decided_while_the_link_is_approved_is_accepted(  # type: ignore[no-untyped-def]
    fed_client, fed, remote, monkeypatch
) -> None:
    """The peer's Follow is being decided (not approved yet) as the pool's JoinFlood passes:
    the approval waits for the decision and then accepts the Follow it left pending, instead of
    both missing each other (a flood that never formed under load)."""
    app = fed_client.app
    pool = await app[ACTORS].get("commons", "pool")
    river = _actor(remote, "river", "Group")
    flood = river.uri + "/floods/delta"
    store_type = type(floods(app))
    original = store_type.approved_peer
    checked, release = asyncio.Event(), asyncio.Event()

    async def decided_slowly(self, pool_id, peer):  # type: ignore[no-untyped-def]
        answer = await original(self, pool_id, peer)
        checked.set()
        await release.wait()
        return answer

    monkeypatch.setattr(store_type, "approved_peer", decided_slowly)
    activity = {"id": river.uri + "/follows/1", "type": "Follow", "actor": river.uri,
                "object": pool.uri}
    deciding = asyncio.create_task(follow.handle(Inbound(app, activity, river.uri, (pool,))))
    await checked.wait()  # the Follow was read as not approved
    passing = asyncio.create_task(_pass(fed_client, fed, name="Join delta",
                                        proposalKind="join_flood", flood=flood, peer=river.uri))
    lock = f"flood-link:{pool.id}"
    for _ in range(500):  # until the approval waits for the decision, or (unlocked) is done
        held = app[POOL_LOCKS].get(lock)
        if passing.done() or (held is not None and getattr(held, "_waiters", None)):
            break
        await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(deciding, passing)
    theirs = await app[FOLLOWS].get(river.uri, pool.uri)
    assert theirs is not None and theirs.state == "accepted"
