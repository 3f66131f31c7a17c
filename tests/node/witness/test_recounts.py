"""Recounts told back: a witnessing pool reports this node's recounts of the witnessed pool's
final tallies as signed Recounts, and a pool keeps other pools' Recounts of its own proposals
with whether they reproduce its final tally ("recounted by N pools: same result")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation.proofs import create_proof
from node.appkeys import ACTORS, DB
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pool_engine.remote_results import COMPARED_FIELDS
from node.storage import RemoteResultStore
from node.wire import check_document
from node.wire.witness import recount_document
from node.witness import recounts_of, report_recounts, witnesses
from tests.node.inbox_helpers import post_signed, processed
from tests.node.pools.helpers import propose, vote
from tests.node.witness.helpers import RemotePool, start_remote_pool
from tests.node.witness.helpers import received as _received

pytestmark = pytest.mark.both_backends

POOL = "http://node.test/pools/commons"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def mill(aiohttp_server):  # type: ignore[no-untyped-def]
    return await start_remote_pool(aiohttp_server, "mill")


async def _closed(client, node) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A proposal of commons, voted and closed: (proposal, its final tally)."""
    proposal = await propose(client, "admin", node.admin_token)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes) == [proposal["id"]]
    stored = await store(client.app).proposal(proposal["id"])
    assert stored is not None
    final = await store(client.app).tally_document(stored.id)
    assert final is not None and final["final"]
    return proposal, final


def _recount(mill: RemotePool, proposal: str, tally: dict[str, Any], **changed: Any) -> dict[str, Any]:
    fields = {f: tally.get(f) for f in COMPARED_FIELDS} | changed
    document = recount_document(mill.uri, POOL, proposal, tally["id"],
                                "mismatch" if changed else "matches", fields, {},
                                NOW.isoformat().replace("+00:00", "Z"))
    return create_proof(document, mill.actor.proof_key, mill.uri + "#ed25519-key", NOW)


async def _send(client, mill: RemotePool, document: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    activity = mill.actor.activity("Create", document, to=[POOL])
    resp = await post_signed(client, mill.actor, "/pools/commons/inbox", activity)
    assert resp.status == 202, await resp.text()
    item = await processed(client, activity["id"], within=10)
    assert item.state == "done", item.last_error


async def test_a_recount_of_our_final_tally_is_kept_with_whether_it_matches(client, witness_node, mill) -> None:  # type: ignore[no-untyped-def]
    proposal, final = await _closed(client, witness_node)
    same = _recount(mill, proposal["id"], final)
    assert check_document("recount", same)
    await _send(client, mill, same)
    (report,) = await recounts_of(client.app, proposal["id"])
    assert (report.reporter_uri, report.matches, report.differences) == (mill.uri, True, {})

    # A later recount of the same pool that differs replaces it, with both values of each field.
    other = _recount(mill, proposal["id"], final, participation=1)
    await _send(client, mill, other)
    (report,) = await recounts_of(client.app, proposal["id"])
    assert report.matches is False
    assert report.differences["fields"] == {"participation": {"ours": 2, "theirs": 1}}

    # A recount that does not name the final tally, or of no proposal here, is refused.
    await _send(client, mill, _recount(mill, proposal["id"], {**final, "id": proposal["id"] + "/x"}))
    await _send(client, mill, _recount(mill, POOL + "/proposals/00000000-0000-4000-8000-000000000000", final))
    (report,) = await recounts_of(client.app, proposal["id"])
    assert report.document == other


async def test_our_recounts_of_a_witnessed_pool_are_told_back_signed(client, witness_node, river) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    await witnesses(client.app).add_link(pool.id, river.uri, steward=True, now="2025-03-01T12:00:00Z")
    results = RemoteResultStore(client.app[DB])
    proposal = river.uri + "/proposals/11111111-2222-4333-8444-555555555555"
    tally = {"id": proposal + "/tally", "type": "Tally", "pool": river.uri, "final": True}
    await results.put(uri=tally["id"], type="Tally", pool_uri=river.uri, proposal_uri=proposal,
                      document=tally, verified_by=river.uri + "#ed25519-key", at="2025-03-01T12:00:00Z")
    recounted = {"participation": 3, "outcome": "passed"}
    await results.set_recount(proposal, tally["id"], "matches", recounted, {}, "2025-03-01T12:00:01Z")

    assert await report_recounts(client.app, pool, river.uri, NOW) == 1
    assert await report_recounts(client.app, pool, river.uri, NOW + timedelta(seconds=1)) == 0
    (sent,) = await _received(river, "Recount", 1)
    assert check_document("recount", sent)
    assert (sent["attributedTo"], sent["pool"], sent["proposal"], sent["tally"], sent["result"]) == (
        pool.uri, river.uri, proposal, tally["id"], "matches")
    assert sent["recount"] == recounted
    resp = await client.get(sent["id"].removeprefix("http://node.test"))
    assert (await resp.json()) == sent

    # Recounted again later (say, after a retry): reported again.
    await results.set_recount(proposal, tally["id"], "mismatch", recounted, {"fields": {}},
                              "2099-01-01T00:00:00Z")
    assert await report_recounts(client.app, pool, river.uri, NOW + timedelta(seconds=2)) == 1
    assert await report_recounts(client.app, pool, river.uri, NOW + timedelta(seconds=3)) == 0
