"""A member on another server takes part in a round over S2S: a signed bucket draft and signed
allocations count on their own proofs; a refused one is answered with a Reject and its reason,
and nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from federation.proofs import create_proof
from node.budget import buckets
from node.pool_engine.common import store
from schemas import OBJECT_CONTEXT
from tests.node.budget.helpers import POOL, contribute, open_round, result
from tests.node.pools.test_federated_ballots import _admit, _person, _rejections, _send

pytestmark = pytest.mark.both_backends


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


def _signed(actor: Any, doc: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    body = {"@context": OBJECT_CONTEXT, "attributedTo": actor.uri, "pool": POOL, "to": [POOL],
            "published": now.isoformat().replace("+00:00", "Z"), **doc}
    return create_proof(body, actor.proof_key, actor.uri + "#ed25519-key", now)


async def test_a_remote_member_proposes_and_allocates_over_s2s(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    bo = _person(remote, "bo")
    await _admit(client, fed, bo)
    await contribute(client, fed, 9000)
    rid = (await open_round(client, fed, pot=9000))["id"]  # 3000 each for admin, alice and bo
    draft = _signed(bo, {"id": bo.uri + "/drafts/1#b", "type": "Bucket", "proposal": rid,
                         "name": "Canoe", "minGoal": 1000, "maxGoal": 5000})
    assert (await _send(client, bo, bo.activity("Create", draft, to=[POOL]))).state == "done"
    (accepted,) = await buckets(client.app).buckets((await store(client.app).proposal(rid)).id)
    assert accepted.proposer_uri == bo.uri and accepted.uri == rid + "/buckets/1"

    over = _signed(bo, {"id": bo.uri + "/allocations/1", "type": "Allocation", "proposal": rid,
                        "sequence": 1, "amounts": [{"bucket": accepted.uri, "amount": 3001}]})
    assert (await _send(client, bo, bo.activity("Create", over, to=[POOL]))).state == "done"
    assert any("more than your allowance" in r for r in await _rejections(client))
    assert (await result(client, rid))["participation"] == 0

    fine = _signed(bo, {"id": bo.uri + "/allocations/2", "type": "Allocation", "proposal": rid,
                        "sequence": 2, "amounts": [{"bucket": accepted.uri, "amount": 3000}]})
    await _send(client, bo, bo.activity("Create", fine, to=[POOL]))
    # Relayed by someone else, it still counts once, on bo's own proof.
    eve = _person(remote, "eve")
    await _send(client, eve, eve.activity("Create", fine, to=[POOL]))
    current = await result(client, rid)
    assert current["participation"] == 1 and current["buckets"][0]["allocated"] == 3000
    assert current["allocations"] == [fine["id"]]

    forged = {**fine, "id": bo.uri + "/allocations/3", "sequence": 3}  # the proof is fine's
    await _send(client, bo, bo.activity("Create", forged, to=[POOL]))
    assert any("proof" in r for r in await _rejections(client))
    assert (await result(client, rid))["allocations"] == [fine["id"]]
