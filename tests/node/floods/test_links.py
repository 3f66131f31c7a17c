"""A pool's passed JoinFlood and LeaveFlood proposals make and end the flood link: the pool
engine closes them and carries out their effect through the function the app factory hands
it (node/pool_engine/extensions.py), which is node/floods'."""

from __future__ import annotations

from datetime import datetime

import pytest

from node.appkeys import ACTORS, FOLLOWS
from node.floods import decided, floods
from node.pool_engine import close_due
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
