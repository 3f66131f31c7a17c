"""Issue 12 item 1: a voter's later ballot always counts, in an order a recount derives from
the signed ballots (their ``sequence``), never from the clock's precision or a random id."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.accounts import now_iso
from node.appkeys import ACTORS
from node.pool_engine.common import iso, store
from node.wire import sign_document
from schemas import OBJECT_CONTEXT
from tests.node.pools.helpers import POOL, post, propose, signed_tally, vote

pytestmark = pytest.mark.both_backends


@pytest.fixture
def same_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every C2S post gets the same ``published`` and ever smaller ids: the old tie-break
    (the greater id) would then pick a voter's first ballot."""
    # A few seconds ahead (a ballot may be dated up to five minutes ahead), so that a proposal
    # opened later in the test, on a slow machine, is already open at that instant.
    fixed = iso(datetime.now(UTC) + timedelta(seconds=5))
    counter = itertools.count(99999, -1)
    monkeypatch.setattr("node.outbox.now_iso", lambda: fixed)
    monkeypatch.setattr("node.outbox.new_object_uri",
                        lambda config, what="objects": config.url(f"/{what}/{next(counter):05d}"))


async def _counted(client: Any, proposal: str) -> dict[str, Any]:
    tally: dict[str, Any] = await signed_tally(client, proposal)
    return tally


async def test_c2s_two_ballots_in_one_instant_the_later_counts(client, node, same_instant) -> None:  # type: ignore[no-untyped-def]
    proposal = (await propose(client, "admin", node.admin_token))["id"]
    for choice in ("abstain", "agree", "disagree", "agree"):
        resp = await vote(client, "alice", node.alice_token, proposal, choice)
        assert resp.status == 201, await resp.text()
    tally = await _counted(client, proposal)
    assert tally["participation"] == 1 and tally["counts"]["agree"] == 1
    assert tally["counts"]["abstain"] == 0 and tally["counts"]["disagree"] == 0
    stored = await store(client.app).proposal(proposal)
    assert stored is not None
    mine = await store(client.app).ballots(stored.id)
    assert len({b.document["published"] for b in mine}) == 1  # one instant
    assert [b.document["sequence"] for b in mine] == [1, 2, 3, 4]


def _signed_ballot(node: Any, actor: Any, proposal: str, choice: str, sequence: int,
                   ballot_id: str, published: str) -> dict[str, Any]:
    doc = {"@context": OBJECT_CONTEXT, "id": ballot_id, "type": "Ballot",
           "attributedTo": actor.uri, "pool": POOL, "proposal": proposal, "choice": [choice],
           "to": [POOL], "published": published, "sequence": sequence}
    return sign_document(doc, actor, datetime.now(UTC))


async def test_c2s_signed_ballots_out_of_order_and_a_reused_sequence(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = (await propose(client, "admin", node.admin_token))["id"]
    alice = await client.app[ACTORS].get("alice")
    at = now_iso()
    second = _signed_ballot(node, alice, proposal, "agree", 2, node.alice.uri + "/b/a", at)
    first = _signed_ballot(node, alice, proposal, "block", 1, node.alice.uri + "/b/z", at)
    for ballot in (second, first):  # sequence 2 arrives before 1
        resp = await post(client, "alice", node.alice_token, ballot)
        assert resp.status == 201, await resp.text()
    tally = await _counted(client, proposal)
    assert tally["counts"]["agree"] == 1 and tally["counts"]["block"] == 0
    # Another ballot reusing sequence 2: refused with a code, nothing stored.
    again = _signed_ballot(node, alice, proposal, "disagree", 2, node.alice.uri + "/b/y", at)
    resp = await post(client, "alice", node.alice_token, again)
    assert resp.status == 409 and (await resp.json())["code"] == "ballot_sequence_conflict"
    stored = await store(client.app).proposal(proposal)
    assert stored is not None and len(await store(client.app).voter_ballots(stored.id, alice.uri)) == 2
    # The node numbers alice's next unsigned ballot after the ones her client signed.
    resp = await vote(client, "alice", node.alice_token, proposal, "disagree")
    assert resp.status == 201, await resp.text()
    mine = await store(client.app).voter_ballots(stored.id, alice.uri)
    assert mine[-1].document["sequence"] == 3
    assert (await _counted(client, proposal))["counts"]["disagree"] == 1
