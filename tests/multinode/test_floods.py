"""Three real nodes, three pools: they form a flood by mutual follows after their JoinFlood
proposals pass, decide a flood disbursement (one person in two pools counted once), every
node shows the same result, each pool books its pro-rata share; then one pool leaves."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from node.wire import replay_documents
from tests.multinode.harness import Cluster, NodeProcess, poll, set_voting_period

pytestmark = pytest.mark.multinode

VOTING_SECONDS = 4


def _get(node: NodeProcess, url: str) -> dict[str, Any]:
    status, body = node.request("GET", url)
    assert status == 200, (url, status, body)
    return body


def _pass_motion(node: NodeProcess, **fields: Any) -> str:
    """The node's admin proposes in its pool and agrees; the id of the opened proposal."""
    before = {p["id"] for p in _get(node, node.pool_id + "/proposals?page=true")["orderedItems"]}
    node.post_outbox({"type": "Proposal", "pool": node.pool_id, "name": "Flood motion", **fields})
    (new,) = poll(lambda: [p for p in _get(node, node.pool_id + "/proposals?page=true")["orderedItems"]
                           if p["id"] not in before], 10, "the motion opened")
    node.post_outbox({"type": "Ballot", "pool": node.pool_id, "proposal": new["id"], "choice": ["agree"]})
    return str(new["id"])


def _flood_pools(node: NodeProcess, flood: str) -> list[str]:
    for entry in _get(node, node.pool_id + "/floods")["floods"]:
        if entry["id"] == flood:
            return list(entry["pools"])
    return []


def _tally(node: NodeProcess, proposal: str) -> dict[str, Any] | None:
    status, body = node.request("GET", node.pool_id + "/floods/tally?proposal=" + proposal)
    return body if status == 200 else None


def test_three_pools_form_a_flood_decide_and_one_leaves(cluster: Cluster) -> None:
    nodes = [cluster.node("a"), cluster.node("b"), cluster.node("c")]
    a, b, c = nodes
    for node in nodes:
        set_voting_period(node, VOTING_SECONDS)
    flood = a.pool_id + "/floods/commons"

    # Each pool decides to link with each other pool; the links form by mutual follows.
    for node in nodes:
        for peer in nodes:
            if peer is not node:
                _pass_motion(node, proposalKind="join_flood", flood=flood, peer=peer.pool_id)
    everyone = sorted(n.pool_id for n in nodes)
    for node in nodes:
        poll(lambda node=node: _flood_pools(node, flood) == everyone, 40, f"the flood at {node.name}")

    # Funds (the pledges), and ana (a's admin) also joins pool b.
    for node, amount in zip(nodes, (6000, 3000, 1000), strict=True):
        node.post_outbox({"type": "LedgerEntry", "pool": node.pool_id, "entryKind": "contribution",
                          "person": node.admin_id, "amount": amount, "reference": "bank"})
    ana = a.admin_id
    join = a.post_outbox({"type": "Join", "object": b.pool_id})
    poll(lambda: b.query("SELECT state FROM memberships WHERE person_uri = ?", (ana,)), 20, "Join at b")
    b.post_outbox({"type": "Accept", "object": join["id"]})

    # A flood disbursement proposed in b reaches every pool; each freezes its electorate.
    b.post_outbox({"type": "Proposal", "pool": b.pool_id, "name": "Shared van", "flood": flood,
                   "proposalKind": "disbursement", "amount": 1000, "currency": "EUR",
                   "payee": "Van rental", "purpose": "a van for everyone"})
    proposal = poll(lambda: [r["uri"] for r in b.query("SELECT uri FROM flood_proposals")], 20,
                    "the flood proposal at b")[0]
    for node in nodes:
        poll(lambda node=node: (t := _tally(node, proposal)) and t["result"], 20,
             f"every electorate at {node.name}")
    a.post_outbox({"type": "Ballot", "pool": a.pool_id, "proposal": proposal, "choice": ["agree"]})
    b.post_outbox({"type": "Ballot", "pool": b.pool_id, "proposal": proposal, "choice": ["agree"]})
    c.post_outbox({"type": "Ballot", "pool": c.pool_id, "proposal": proposal, "choice": ["disagree"]})
    last_ballot = time.monotonic()
    finals = [poll(lambda node=node: (t := _tally(node, proposal)) and t["final"] and t, 30,
                   f"the final result at {node.name}") for node in nodes]
    elapsed = time.monotonic() - last_ballot
    print(f"last ballot -> final result on every node: {elapsed:.2f} s")
    results = [f["result"] for f in finals]
    assert results[0] == results[1] == results[2]
    assert results[0]["electorateSize"] == 3  # ana is in two pools: counted once
    assert results[0]["counts"]["agree"] == 2 and results[0]["outcome"] == "passed"
    for node in nodes:
        poll(lambda node=node: len(_tally(node, proposal)["attestations"]) == 3, 20,  # type: ignore[index]
             f"three attestations at {node.name}")
        assert _tally(node, proposal)["mismatches"] == []  # type: ignore[index]

    # Each pool's ledger holds its share (pledged 6000 : 3000 : 1000), and the chains verify.
    for node, share in zip(nodes, (600, 300, 100), strict=True):
        def booked(node: NodeProcess = node) -> list[dict[str, Any]]:
            entries = _get(node, node.pool_id + "/ledger?page=true")["orderedItems"]
            return list(entries) if any(e["entryKind"] == "commitment" for e in entries) else []

        entries = poll(booked, 20, f"the commitment at {node.name}")
        ledger = replay_documents("EUR", list(reversed(entries)))
        assert ledger.balance("commitment:" + proposal) == share
        assert ledger.head == _get(node, node.pool_id + "/ledger")["headHash"]

    # c leaves; a later flood proposal includes only a and b.
    _pass_motion(c, proposalKind="leave_flood", flood=flood)
    for node in (a, b):
        poll(lambda node=node: _flood_pools(node, flood) == sorted([a.pool_id, b.pool_id]), 30,
             f"c gone at {node.name}")
    a.post_outbox({"type": "Proposal", "pool": a.pool_id, "name": "Picnic", "flood": flood,
                   "proposalKind": "decision", "content": "Hold a picnic"})
    later = poll(lambda: [json.loads(r["pools_json"]) for r in
                          a.query("SELECT pools_json FROM flood_proposals WHERE uri != ?", (proposal,))],
                 20, "the later proposal")[0]
    assert later == sorted([a.pool_id, b.pool_id])
