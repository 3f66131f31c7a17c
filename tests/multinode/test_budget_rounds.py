"""Two real nodes: a budget round of a pool on B with a member on A, who proposes a bucket and
allocates over ActivityPub; at the close A keeps B's signed result only after its own recount
from the signed buckets and allocations reproduces it, and B's ledger books the commitments."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.multinode.harness import Cluster, NodeProcess, poll, set_voting_period

pytestmark = pytest.mark.multinode

VOTING_SECONDS = 15


def _get(node: NodeProcess, url: str) -> dict[str, Any]:
    status, body = node.request("GET", url)
    assert status == 200, (url, status, body)
    return body


def _membership(node: NodeProcess, person: str) -> str | None:
    rows = node.query("SELECT state FROM memberships WHERE person_uri = ?", (person,))
    return rows[0]["state"] if rows else None


def test_a_round_on_b_with_a_member_on_a(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    set_voting_period(b, VOTING_SECONDS)
    pool, ana = b.pool_id, a.admin_id
    join = a.post_outbox({"type": "Join", "object": pool})
    poll(lambda: _membership(b, ana) == "applicant", 20, "ana's Join at b")
    b.post_outbox({"type": "Accept", "object": join["id"]})
    b.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                   "person": b.admin_id, "amount": 6000, "reference": "bank 1"})

    b.post_outbox({"type": "Proposal", "pool": pool, "name": "Spring round",
                   "proposalKind": "budget_round", "pot": 6000, "currency": "EUR"})
    (round_doc,) = _get(b, pool + "/proposals?page=true")["orderedItems"]
    rid = round_doc["id"]
    assert round_doc["allowance"] == 3000 and round_doc["electorateSize"] == 2
    # A member on A sees the round: B delivered the signed Proposal, and A kept it verified.
    poll(lambda: (r := a.request("GET", "/remote?" + urlencode({"proposal": rid})))[0] == 200
         and r[1]["documents"]["proposal"], 20, "the round at a")

    a.post_outbox({"type": "Bucket", "pool": pool, "proposal": rid, "name": "Tool shed",
                   "minGoal": 2000, "maxGoal": 4000})
    poll(lambda: _get(b, rid + "/buckets")["totalItems"] == 1, 20, "ana's bucket at b")
    b.post_outbox({"type": "Bucket", "pool": pool, "proposal": rid, "name": "Seeds",
                   "minGoal": 2500, "maxGoal": 3000})
    buckets = {d["name"]: d["id"] for d in _get(b, rid + "/buckets?page=true")["orderedItems"]}
    assert buckets["Tool shed"] == rid + "/buckets/1"
    a.post_outbox({"type": "Allocation", "pool": pool, "proposal": rid,
                   "amounts": [{"bucket": buckets["Tool shed"], "amount": 3000}]})
    b.post_outbox({"type": "Allocation", "pool": pool, "proposal": rid,
                   "amounts": [{"bucket": buckets["Tool shed"], "amount": 500},
                               {"bucket": buckets["Seeds"], "amount": 2000}]})
    poll(lambda: _get(b, rid + "/result")["participation"] == 2, 20, "both allocations at b")

    final = poll(lambda: (r := _get(b, rid + "/result"))["final"] and r, 40, "the close at b")
    assert final["outcome"] == "passed" and final["funded"] == 3500 and final["returned"] == 2500
    assert [(x["allocated"], x["funded"]) for x in final["buckets"]] == [(3500, 3500), (2000, 0)]

    def verified_at_a() -> dict[str, Any] | None:
        status, body = a.request("GET", "/remote?" + urlencode({"proposal": rid}))
        return body if status == 200 and body["result"] in ("verified", "mismatch") else None

    remote = poll(verified_at_a, 45, "a's recount of the round")
    assert remote["result"] == "verified" and remote["recount"]["state"] == "matches", remote
    assert remote["documents"]["result"]["document"] == final
    assert remote["recount"]["recount"]["funded"] == 3500

    entries = poll(lambda: (e := _get(b, pool + "/ledger?page=true")["orderedItems"]) and len(e) == 2 and e,
                   20, "the commitment at b")
    commitment = entries[0]
    assert commitment["entryKind"] == "commitment" and commitment["reference"] == buckets["Tool shed"]
    assert commitment["memo"] == "Tool shed"
