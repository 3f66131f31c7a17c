"""The callers route a flood draft or a flood ballot to node/floods (node/routing.py): the pool
engine answers only for its pools' own proposals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from governance import Ballot, Change
from node.accounts import now_iso
from node.appkeys import ACTORS, FOLLOWS
from node.errors import NotFound, NotPoolProposal
from node.floods import floods
from node.pool_engine import cast as cast_in_pool
from node.routing import cast
from node.wire import ballot_document, sign_document
from tests.node.floods.test_relayed import _actor, _flood
from tests.node.pools.helpers import POOL, post, proposals

pytestmark = pytest.mark.both_backends


async def test_a_members_flood_draft_in_the_outbox_opens_a_flood_proposal(fed_client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    app = fed_client.app
    pool = await app[ACTORS].get("commons", "pool")
    river = _actor(remote, "river", "Group")
    flood = river.uri + "/floods/delta"
    await floods(app).set_link(pool.id, flood, "delta", river.uri, "approved", "x", now_iso())
    await app[FOLLOWS].put(pool.uri, river.uri, pool.uri + "#f1", "accepted", now_iso(), follower_local_id=pool.id)
    await app[FOLLOWS].put(river.uri, pool.uri, river.uri + "#f2", "accepted", now_iso(), followee_local_id=pool.id)

    resp = await post(fed_client, "admin", fed.admin_token,
                      {"type": "Proposal", "pool": POOL, "name": "Shared van", "flood": flood})
    assert resp.status == 201, await resp.text()
    [opened] = await floods(app).proposals_of_flood(flood)
    assert opened.origin_pool == pool.uri and opened.pools == tuple(sorted([pool.uri, river.uri]))
    assert await proposals(fed_client) == []  # not one of the pool's own proposals


async def test_a_ballot_on_a_flood_proposal_is_the_floods_not_the_engines(fed_client, remote) -> None:  # type: ignore[no-untyped-def]
    app = fed_client.app
    pool, _, _, pid = await _flood(fed_client, remote)
    admin = await app[ACTORS].get("admin", "member")
    at = datetime.now(UTC).replace(microsecond=0)
    ballot = Ballot.consent(f"{admin.uri}/ballots/{uuid.uuid4()}", pid, admin.uri, at, "agree")
    document = sign_document(ballot_document(ballot, pool.uri), admin, at)

    with pytest.raises(NotPoolProposal) as refused:
        await cast_in_pool(app, document, at)
    assert isinstance(refused.value, NotFound) and refused.value.status == 404
    assert await floods(app).ballots(pid) == []

    assert await cast(app, document, at) is Change.COUNTED
    assert [b["voter"] for b, _ in await floods(app).ballots(pid)] == [admin.uri]
    assert await cast(app, document, at) is Change.UNCHANGED

    unknown = sign_document(ballot_document(Ballot.consent(
        f"{admin.uri}/ballots/{uuid.uuid4()}", pid + "x", admin.uri, at, "agree"), pool.uri), admin, at)
    with pytest.raises(NotFound) as nowhere:
        await cast(app, unknown, at)
    assert nowhere.value.reason == "no such proposal on this node"
