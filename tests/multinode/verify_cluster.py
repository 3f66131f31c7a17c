"""A two-node world for ``poolnode verify``, and the operator's means to tamper with it.

Node b hosts the pool ``commons``; ana (node a's admin) is a member of it and bo (b's admin)
too. ``commons`` decided a disbursement (ana's ballot signed on a, bo's on b), funded a bucket
in a budget round, and booked a contribution and both commitments. The two nodes' pools formed a flood and decided a flood
proposal, each pool attesting the result. The tamper helpers edit a node's database the way a
dishonest operator could (re-signing with the pool's own key from that database) and give back
a function that undoes the edit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import load_private_key_pem
from federation.proofs import create_proof
from tests.multinode.harness import Cluster, NodeProcess, poll, set_voting_period

__all__ = ["World", "build_world", "edited", "resigned"]

VOTING_SECONDS = 4


@dataclass
class World:
    a: NodeProcess
    b: NodeProcess
    proposal: str  # commons' disbursement, closed
    round: str  # commons' budget round, closed: one bucket funded
    flood_proposal: str  # the flood decision, closed and attested by both pools
    flood: str


def _get(node: NodeProcess, url: str) -> dict[str, Any]:
    status, body = node.request("GET", url)
    assert status == 200, (url, status, body)
    return body


def _proposals(node: NodeProcess) -> list[dict[str, Any]]:
    return list(_get(node, node.pool_id + "/proposals?page=true")["orderedItems"])


def _open(node: NodeProcess, by: NodeProcess, **fields: Any) -> str:
    """``by``'s admin drafts a proposal in ``node``'s pool; the id once it opened."""
    before = {p["id"] for p in _proposals(node)}
    by.post_outbox({"type": "Proposal", "pool": node.pool_id, "name": "Motion", **fields})
    (new,) = poll(lambda: [p for p in _proposals(node) if p["id"] not in before], 20, "the opening")
    return str(new["id"])


def _vote(voter: NodeProcess, pool: NodeProcess, proposal: str, choice: str) -> None:
    voter.post_outbox({"type": "Ballot", "pool": pool.pool_id, "proposal": proposal, "choice": [choice]})


def _flood_tally(node: NodeProcess, proposal: str) -> dict[str, Any] | None:
    status, body = node.request("GET", node.pool_id + "/floods/tally?proposal=" + proposal)
    return body if status == 200 else None


def build_world(cluster: Cluster) -> World:
    a, b = cluster.node("a"), cluster.node("b")
    for node in (a, b):
        set_voting_period(node, VOTING_SECONDS)
    ana = a.admin_id
    join = a.post_outbox({"type": "Join", "object": b.pool_id})
    poll(lambda: b.query("SELECT 1 FROM memberships WHERE person_uri = ?", (ana,)), 20, "ana's Join")
    b.post_outbox({"type": "Accept", "object": join["id"]})
    b.post_outbox({"type": "LedgerEntry", "pool": b.pool_id, "entryKind": "contribution",
                   "person": ana, "amount": 5000, "reference": "bank transfer 1"})

    # In one voting period: the disbursement, and each pool's decision to link with the other.
    flood = a.pool_id + "/floods/delta"
    proposal = _open(b, a, proposalKind="disbursement", amount=3000, currency="EUR",
                     payee="Tool shop", purpose="a shared drill")
    links = [(a, _open(a, a, proposalKind="join_flood", flood=flood, peer=b.pool_id)),
             (b, _open(b, b, proposalKind="join_flood", flood=flood, peer=a.pool_id))]
    budget_round = _open(b, b, proposalKind="budget_round", pot=1000, currency="EUR")
    b.post_outbox({"type": "Bucket", "pool": b.pool_id, "proposal": budget_round, "name": "Seeds",
                   "minGoal": 200, "maxGoal": 800})
    b.post_outbox({"type": "Allocation", "pool": b.pool_id, "proposal": budget_round,
                   "amounts": [{"bucket": budget_round + "/buckets/1", "amount": 500}]})
    _vote(a, b, proposal, "agree")
    _vote(b, b, proposal, "agree")
    for node, link in links:
        _vote(node, node, link, "agree")
    poll(lambda: _get(b, proposal + "/tally")["final"], 30, "the disbursement's close")
    poll(lambda: _get(b, budget_round + "/result")["final"], 30, "the round's close")
    both = sorted([a.pool_id, b.pool_id])

    def linked(node: NodeProcess) -> bool:
        listed = _get(node, node.pool_id + "/floods")["floods"]
        return any(f["id"] == flood and sorted(f["pools"]) == both for f in listed)

    for node in (a, b):
        poll(lambda node=node: linked(node), 40, f"the flood at {node.name}")

    b.post_outbox({"type": "Proposal", "pool": b.pool_id, "name": "Picnic", "flood": flood,
                   "proposalKind": "decision", "content": "Hold a picnic together"})
    flood_proposal = poll(lambda: [r["uri"] for r in b.query("SELECT uri FROM flood_proposals")], 20,
                          "the flood proposal")[0]
    for node in (a, b):
        poll(lambda node=node: (t := _flood_tally(node, flood_proposal)) and t["result"], 20,
             f"both electorates at {node.name}")
    _vote(a, a, flood_proposal, "agree")
    _vote(b, b, flood_proposal, "disagree")
    for node in (a, b):
        poll(lambda node=node: (t := _flood_tally(node, flood_proposal)) and t["final"]
             and len(t["attestations"]) == 2, 40, f"the attested result at {node.name}")
    return World(a, b, proposal, budget_round, flood_proposal, flood)


@contextmanager
def edited(node: NodeProcess, table: str, where: str, params: tuple[Any, ...],
           change: Callable[[sqlite3.Connection], None]) -> Iterator[None]:
    """Run ``change`` on the node's database, then put back every row of ``table`` matching
    ``where`` as it was (rows deleted by the change are inserted again)."""
    conn = sqlite3.connect(node.data_dir / "poolnode.sqlite3", timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        saved = [dict(r) for r in conn.execute(f"SELECT * FROM {table} WHERE {where}", params)]
        assert saved, f"nothing in {table} where {where} {params}"
        with conn:
            change(conn)
        yield
    finally:
        with conn:
            conn.execute(f"DELETE FROM {table} WHERE {where}", params)
            for row in saved:
                names = ", ".join(row)
                conn.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})",
                             tuple(row.values()))
        conn.close()


def resigned(node: NodeProcess, document: dict[str, Any], signer: str) -> str:
    """``document`` with a fresh proof by ``signer`` (a pool of ``node``), made with the key in
    the node's own database: what an operator who edits the record can always do. As JSON."""
    (row,) = node.query("SELECT ed25519_private_pem FROM actors WHERE uri = ?", (signer,))
    key = load_private_key_pem(row["ed25519_private_pem"])
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return json.dumps(create_proof(unsigned, key, signer + "#ed25519-key", datetime.now(UTC)))
