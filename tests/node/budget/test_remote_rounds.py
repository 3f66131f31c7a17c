"""Another node's budget round reaching a local member: its signed result is kept, and shown as
verified only when a recount from the signed buckets and allocations reproduces it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import (
    Allocation,
    BallotType,
    Bucket,
    Budget,
    BudgetRound,
    Bylaws,
    Roster,
    open_proposal,
)
from node.pool_engine.common import signed
from node.wire import electorate_document, proposal_document
from node.wire.budget import allocation_document, bucket_document, result_document
from tests.node.pools.test_remote_results import (
    PoolServer,
    _admin_rejections,
    _deliver,
    _view,
    server,
)

__all__ = ["server"]

pytestmark = pytest.mark.both_backends


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


def _collection(server: PoolServer, uri: str, items: list[dict[str, Any]]) -> None:
    server.docs[uri] = {"@context": "https://www.w3.org/ns/activitystreams", "id": uri,
                        "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items}


async def _remote_round(fed, server: PoolServer) -> tuple[Any, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """River (on the server) ran a round: our admin and cy each gave 3000; the shed is funded."""
    river = server.actor("/pools/river", "Group")
    cy = server.actor("/users/cy", "Person")
    opens = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    roster = Roster.found([fed.admin.uri, cy.uri], opens - timedelta(days=1))
    proposal = open_proposal(id=f"{river.uri}/proposals/{uuid.uuid4()}", author=cy.uri,
                             title="Boat season", motion=BudgetRound(6000, "EUR"),
                             bylaws=Bylaws("River", "Boats.", "EUR"), electorate=roster.electorate(),
                             opens_at=opens, closes_at=opens + timedelta(hours=1),
                             ballot_type=BallotType.ALLOCATION)
    published = opens.isoformat().replace("+00:00", "Z")
    server.docs[proposal.id] = server.sign(river, proposal_document(proposal, river.uri, published))
    server.docs[proposal.id + "/electorate"] = server.sign(
        river, electorate_document(proposal, river.uri, published))
    at = opens + timedelta(minutes=5)
    stamp = at.isoformat().replace("+00:00", "Z")
    shed = Bucket(proposal.id + "/buckets/1", "Shed", cy.uri, 4000, 5000)
    oars = Bucket(proposal.id + "/buckets/2", "Oars", fed.admin.uri, 3000, 3000)
    buckets = [server.sign(river, bucket_document(b, proposal.id, river.uri, "EUR", stamp)) for b in (shed, oars)]
    mine = Allocation(fed.admin.uri + "/allocations/1", proposal.id, fed.admin.uri, at,
                      ((shed.id, 2000), (oars.id, 1000)), 1)
    theirs = Allocation(cy.uri + "/allocations/1", proposal.id, cy.uri, at, ((shed.id, 3000),), 1)
    allocations = [signed(allocation_document(mine, river.uri), fed.admin, at),
                   server.sign(cy, allocation_document(theirs, river.uri))]
    _collection(server, proposal.id + "/buckets", buckets)
    _collection(server, proposal.id + "/allocations", allocations)
    budget = Budget(proposal).propose(shed, at).propose(oars, at).apply(mine).apply(theirs)
    final = result_document(budget, river.uri, [mine.id, theirs.id], final=True,
                            updated=(opens + timedelta(hours=1)).isoformat().replace("+00:00", "Z"))
    return river, final


async def test_a_remote_round_result_is_recounted_before_it_is_shown_verified(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    river, final = await _remote_round(fed, server)
    assert final["funded"] == 5000 and final["returned"] == 1000
    signed_final = server.sign(river, final)
    item = await _deliver(client, river, "Update", signed_final, fed.admin.uri)
    assert item.state == "done", item.last_error
    view = await (await _view(client, final["proposal"])).json()
    assert view["result"] == "verified" and view["recount"]["state"] == "matches", view
    assert view["documents"]["result"]["document"] == signed_final
    assert view["recount"]["recount"]["buckets"] == final["buckets"]
    assert len(view["ballots"]) == 2  # the two allocations, each verified against its member


async def test_a_remote_round_result_the_inputs_do_not_give_is_a_mismatch(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    river, final = await _remote_round(fed, server)
    # The pool says the oars were funded too: signed, but not what the allocations give.
    lying = {**final, "funded": 8000, "returned": 0,
             "buckets": [final["buckets"][0], {**final["buckets"][1], "funded": 3000}]}
    item = await _deliver(client, river, "Update", server.sign(river, lying), fed.admin.uri)
    assert item.state == "done", item.last_error
    view = await (await _view(client, final["proposal"])).json()
    assert view.get("result") == "mismatch", (view, await _admin_rejections(client))
    assert set(view["recount"]["differences"]["fields"]) == {"buckets", "funded", "returned"}
