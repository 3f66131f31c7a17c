"""The independent implementation of docs/SPEC.md (tests/spec/independent.py) agrees with real
nodes on every hash, digest and proof they serve: two nodes, a member of both pools, a decision
with a changed vote, money booked, a flood formed and decided. Everything is read over HTTP from
the documents the nodes publish, starting from the pools' actor documents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.multinode.harness import Cluster, NodeProcess, poll, set_voting_period
from tests.spec import independent as spec

pytestmark = pytest.mark.multinode


def _get(node: NodeProcess, url: str) -> dict[str, Any]:
    status, body = node.request("GET", url)
    assert status == 200, (url, status, body)
    return body


def _items(node: NodeProcess, collection: str) -> list[dict[str, Any]]:
    """Every item of a paged collection, following ``first`` and each page's ``next``."""
    page: str | None = _get(node, collection)["first"]
    items: list[dict[str, Any]] = []
    while page:
        body = _get(node, page)
        items += body["orderedItems"]
        page = body.get("next")
    return items


def _opened(node: NodeProcess, before: set[str]) -> dict[str, Any]:
    found = poll(lambda: [p for p in _get(node, node.pool_id + "/proposals?page=true")["orderedItems"]
                          if p["id"] not in before], 15, "the proposal opened")
    return dict(found[0])


def _proposal_ids(node: NodeProcess) -> set[str]:
    return {p["id"] for p in _get(node, node.pool_id + "/proposals?page=true")["orderedItems"]}


def _ballot(node: NodeProcess, pool: str, proposal: str, choice: str) -> None:
    node.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal, "choice": [choice]})


def _flood_tally(node: NodeProcess, proposal: str) -> dict[str, Any] | None:
    status, body = node.request("GET", node.pool_id + "/floods/tally?proposal=" + proposal)
    return body if status == 200 else None


class Keys:
    """Each actor's Multikey from its actor document's ``assertionMethod`` (§8)."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.known: dict[str, str] = {}

    def verify(self, document: dict[str, Any]) -> None:
        author = spec.signer(document)
        method = document["proof"]["verificationMethod"]
        assert method.split("#")[0] == author, document["id"]
        if method not in self.known:
            for key in _get(self.node, author)["assertionMethod"]:
                if key["controller"] == author:
                    self.known[key["id"]] = key["publicKeyMultibase"]
        assert spec.verify_proof(document, self.known[method]), document["id"]


def _check_ledger(node: NodeProcess, keys: Keys) -> int:
    pool = _get(node, node.pool_id)
    entries = _items(node, pool["ledger"])
    for entry in entries:
        keys.verify(entry)
        assert spec.entry_hash(entry) == entry["entryHash"]
    head = spec.chain_head(entries)
    assert head == _get(node, pool["ledger"])["headHash"] == _get(node, pool["ledger"] + "/balances")["headHash"]
    return len(entries)


def _check_decision(node: NodeProcess, keys: Keys, proposal_id: str, voter: str) -> None:
    proposal = _get(node, proposal_id)
    electorate = _get(node, proposal["electorate"])
    tally = _get(node, proposal_id + "/tally")
    for document in (proposal, electorate, tally):
        keys.verify(document)
    digest = spec.electorate_digest(electorate["members"])
    assert digest == electorate["electorateDigest"] == proposal["electorateDigest"] == tally["electorateDigest"]
    ballots = _items(node, proposal_id + "/ballots")
    for ballot in ballots:
        keys.verify(ballot)
    assert tally["final"] is True
    # §5.2: every accepted ballot, replaced ones too, sorted by code point.
    assert tally["ballots"] == spec.code_point_sorted(b["id"] for b in ballots)
    mine = [b for b in ballots if b["attributedTo"] == voter]
    assert len(mine) == 3  # the voter changed their vote twice
    result, counted = spec.recount(proposal, electorate["members"], ballots)
    for field, value in result.items():
        assert tally[field] == value, field
    latest = max(mine, key=lambda b: b["sequence"])
    assert latest["id"] in counted and not {b["id"] for b in mine if b is not latest} & set(counted)


def _check_flood(nodes: list[NodeProcess], keys: Keys, proposal_id: str) -> None:
    a = nodes[0]
    proposal = _get(a, proposal_id)
    keys.verify(proposal)
    key = spec.document_key(proposal_id)
    electorates, ballots, attestations = [], {}, []
    for pool_id in proposal["floodPools"]:
        node = next(n for n in nodes if n.pool_id == pool_id)
        # Where a pool lists its floods and their proposals: its actor document's `floods`.
        listed = _get(node, _get(node, pool_id)["floods"])["floods"]
        assert any(proposal_id in flood["proposals"] and flood["id"] == proposal["flood"] for flood in listed)
        electorate = _get(node, f"{pool_id}/floods/electorates/{key}")
        attestation = _get(node, f"{pool_id}/floods/attestations/{key}")
        for document in (electorate, attestation):
            keys.verify(document)
        assert spec.electorate_digest(electorate["members"]) == electorate["electorateDigest"]
        listing = _get(node, electorate["ballots"])
        assert listing["complete"] and listing["orderedItems"] == spec.code_point_sorted(listing["orderedItems"])
        for ballot_id in listing["orderedItems"]:
            ballots[ballot_id] = _get(node, ballot_id)
            keys.verify(ballots[ballot_id])
        electorates.append(electorate)
        attestations.append(attestation)
    ours = spec.flood_result(proposal, electorates, list(ballots.values()))
    for attestation in attestations:
        assert {k: attestation[k] for k in (*spec.SUMMARY, "ballots")} == ours
        assert spec.attestation_digest(attestation) == attestation["tallyDigest"]
    assert len({a["tallyDigest"] for a in attestations}) == 1
    assert len(ours["ballots"]) < len(ballots)  # a replaced ballot is listed by its pool, not attested


def test_every_hash_a_running_node_serves_is_reproduced_from_the_spec(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    for node in (a, b):
        set_voting_period(node, 6)
    ana, bo = a.admin_id, b.admin_id
    join = a.post_outbox({"type": "Join", "object": b.pool_id})
    poll(lambda: b.query("SELECT state FROM memberships WHERE person_uri = ?", (ana,)), 60, "Join at b")
    b.post_outbox({"type": "Accept", "object": join["id"]})
    poll(lambda: [r for r in b.query("SELECT state FROM memberships WHERE person_uri = ?", (ana,))
                  if r["state"] == "member"], 60, "ana a member of b")
    for node, person, amount in ((b, bo, 6000), (b, ana, 2000), (a, ana, 3000)):
        node.post_outbox({"type": "LedgerEntry", "pool": node.pool_id, "entryKind": "contribution",
                          "person": person, "amount": amount, "reference": "bank transfer"})

    # The pools decide to link in one flood (named under a), and b decides to spend.
    flood = a.pool_id + "/floods/delta"
    links = []
    for node, peer in ((a, b), (b, a)):
        before = _proposal_ids(node)
        node.post_outbox({"type": "Proposal", "pool": node.pool_id, "name": "Link",
                          "proposalKind": "join_flood", "flood": flood, "peer": peer.pool_id})
        links.append((node, _opened(node, before)["id"]))
    before = _proposal_ids(b)
    b.post_outbox({"type": "Proposal", "pool": b.pool_id, "name": "Buy a drill", "proposalKind": "disbursement",
                   "amount": 1000, "currency": "EUR", "payee": "Tool shop", "purpose": "a drill"})
    spend = _opened(b, before)["id"]
    for node, proposal in links:
        _ballot(node, node.pool_id, proposal, "agree")
    for choice in ("agree", "disagree", "agree"):  # bo changes his vote twice
        _ballot(b, b.pool_id, spend, choice)
    _ballot(a, b.pool_id, spend, "agree")  # ana votes in b from her own node
    poll(lambda: _get(b, spend + "/tally")["final"], 60, "the spending decided")
    for node in (a, b):
        poll(lambda node=node: any(f["id"] == flood and len(f["pools"]) == 2
                                   for f in _get(node, node.pool_id + "/floods")["floods"]), 40,
             f"the flood at {node.name}")

    # A flood decision proposed in b; ana votes through a and changes her vote; bo votes.
    set_voting_period(b, 10)  # time for every pool to freeze its electorate first
    b.post_outbox({"type": "Proposal", "pool": b.pool_id, "name": "Picnic", "flood": flood,
                   "proposalKind": "decision", "content": "Hold a picnic"})
    decision = poll(lambda: [r["uri"] for r in b.query("SELECT uri FROM flood_proposals")], 60,
                    "the flood proposal")[0]
    poll(lambda: all((_flood_tally(n, decision) or {}).get("result") for n in (a, b)), 60,
         "every electorate frozen")
    _ballot(a, a.pool_id, decision, "disagree")
    _ballot(a, a.pool_id, decision, "agree")
    _ballot(b, b.pool_id, decision, "agree")
    for node in (a, b):
        poll(lambda node=node: len((_flood_tally(node, decision) or {}).get("attestations", [])) == 2,
             40, f"both attestations at {node.name}")

    keys = Keys(a)
    _check_decision(b, keys, spend, bo)
    booked = poll(lambda: any(e["entryKind"] == "commitment" for e in _items(b, b.pool_id + "/ledger")),
                  20, "the commitment booked")
    assert booked and _check_ledger(b, keys) == 3 and _check_ledger(a, keys) == 1
    _check_flood([a, b], keys, decision)
