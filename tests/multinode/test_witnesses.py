"""Two real nodes whose pools form a flood witness each other's ledger heads: an honest growing
ledger never alarms, a witness that was stopped for a while catches up without a false alarm,
a ledger rewritten in the database and re-signed with the pool's own key is reported within one
exchange period, on both nodes' pool pages, and forged attestations are refused with reasons;
a proposal's page shows that the other pool recounted its result."""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import load_private_key_pem
from federation.proofs import create_proof
from governance.witness import Head
from node.wire.witness import attestation_path, head_attestation_document
from tests.multinode.harness import Cluster, NodeProcess, poll, set_voting_period
from tests.multinode.test_floods import _flood_pools, _pass_motion
from tests.multinode.witness_tools import actor_keys, post_signed, rewrite_ledger

pytestmark = pytest.mark.multinode

PERIOD = 2  # seconds: the nodes' witness_interval, short for the test


def _attested(witness: NodeProcess, of: NodeProcess, on: NodeProcess) -> tuple[int, str] | None:
    """The head ``witness``'s pool last attested of ``of``'s pool, as ``on`` keeps it."""
    rows = on.query("SELECT sequence, head_hash FROM witness_attestations WHERE witness_uri = ?"
                    " AND pool_uri = ?", (witness.pool_id, of.pool_id))
    return (rows[0]["sequence"], rows[0]["head_hash"]) if rows else None


def _head(node: NodeProcess) -> tuple[int, str]:
    status, body = node.request("GET", node.pool_id + "/ledger")
    assert status == 200, body
    return int(body["totalItems"]), str(body["headHash"])


def _alarms(node: NodeProcess) -> list[Any]:
    return node.query("SELECT role, kind, sequence, witness_uri, pool_uri, document FROM witness_alarms")


def _book(node: NodeProcess, *amounts: int) -> None:
    for amount in amounts:
        node.post_outbox({"type": "LedgerEntry", "pool": node.pool_id, "entryKind": "contribution",
                          "person": node.admin_id, "amount": amount, "reference": "bank"})


def _html(node: NodeProcess, path: str) -> str:
    request = urllib.request.Request(node.base_url + path, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def _pool_page(node: NodeProcess) -> str:
    return _html(node, node.pool_id.replace(node.base_url, ""))


def _attestation(witness: NodeProcess, of: NodeProcess, head: tuple[int, str], *,
                 key: ed25519.Ed25519PrivateKey | None = None) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    document = head_attestation_document(
        attestation_path(witness.pool_id, of.pool_id, 999), witness.pool_id, of.pool_id,
        Head(*head), now.isoformat().replace("+00:00", "Z"), None)
    own = load_private_key_pem(actor_keys(witness, witness.pool_id)["ed25519_private_pem"])
    return create_proof(document, key or own, witness.pool_id + "#ed25519-key", now)  # type: ignore[arg-type]


def _rejections(node: NodeProcess) -> list[str]:
    import json

    rows = node.query("SELECT document FROM objects WHERE type = 'Reject'")
    return [json.loads(r["document"]).get("summary", "") for r in rows]


def test_pools_in_a_flood_witness_each_other_and_catch_a_rewritten_ledger(cluster: Cluster) -> None:
    env = {"POOLNODE_WITNESS_INTERVAL": str(PERIOD)}
    a, b = cluster.node("a", **env), cluster.node("b", **env)
    for node in (a, b):
        set_voting_period(node, 4)
    flood = a.pool_id + "/floods/pair"
    _pass_motion(a, proposalKind="join_flood", flood=flood, peer=b.pool_id)
    _pass_motion(b, proposalKind="join_flood", flood=flood, peer=a.pool_id)
    both = sorted([a.pool_id, b.pool_id])
    for node in (a, b):
        poll(lambda node=node: _flood_pools(node, flood) == both, 40, f"the flood at {node.name}")

    # An honest, growing ledger: every head is attested, by the witness and kept by both sides.
    _book(b, 1000, 2000)
    poll(lambda: _attested(a, b, a) == _head(b), 20, "a's attestation of b's two entries")
    poll(lambda: _attested(a, b, b) == _head(b), 20, "the attestation delivered to b")
    poll(lambda: _attested(b, a, a) == (0, "0" * 64), 20, "b's attestation of a's empty ledger")
    _book(b, 3000)
    poll(lambda: _attested(a, b, b) == _head(b), 20, "the grown head attested")

    # A decision of b closes; a's node recounts its final tally and a's pool tells b so.
    decided = _pass_motion(b, content="Paint the shed")
    page = decided.replace(b.base_url, "")
    poll(lambda: "Recounted by 1 other pool: same result." in _html(b, page), 40,
         "a's recount shown on b's proposal page")

    # The witness is stopped for a while; the ledger grows; back, it catches up, no alarm.
    a.stop()
    _book(b, 400, 500)
    time.sleep(PERIOD)  # checks fall due while a is down (its clock is in its database)
    a.start()
    poll(lambda: _attested(a, b, b) == _head(b) == (5, _head(b)[1]), 30, "a caught up with b")
    assert _alarms(a) == [] and _alarms(b) == []

    # b's operator edits entry 1, recomputes the chain and re-signs it with the pool's own key.
    attested = _head(b)
    b.stop()
    rewrite_ledger(b, 1, 9000)
    b.start()
    rewritten = _head(b)
    assert rewritten[0] == attested[0] and rewritten[1] != attested[1]
    started = time.monotonic()
    (found,) = poll(lambda: [r for r in _alarms(a) if r["pool_uri"] == b.pool_id], PERIOD + 20,
                    "a's alarm about b")
    elapsed = time.monotonic() - started
    print(f"rewrite of b's ledger -> alarm at a: {elapsed:.2f} s (exchange period {PERIOD} s)")
    assert elapsed <= PERIOD + 8, elapsed
    assert (found["role"], found["kind"], found["sequence"], found["witness_uri"]) == (
        "witness", "rewritten", 5, a.pool_id)
    (told,) = poll(lambda: [r for r in _alarms(b) if r["role"] == "witnessed"], 20, "b told")
    assert (told["kind"], told["witness_uri"], told["pool_uri"]) == ("rewritten", a.pool_id, b.pool_id)
    for node in (a, b):
        html = _pool_page(node)
        assert "Ledger alarm" in html and "was rewritten: entry 5" in html, node.name

    # a witnesses b's ledger afresh from its new head (the alarm stays).
    poll(lambda: _attested(a, b, b) == rewritten, 20, "a's fresh attestation of b")

    # Forged attestations of b's head are refused with reasons, and nothing is kept.
    before = _attested(a, b, b)
    bad_proof = _attestation(a, b, rewritten, key=ed25519.Ed25519PrivateKey.generate())
    create = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
              "id": a.base_url + "/activities/forged-1", "actor": a.pool_id, "object": bad_proof,
              "to": [b.pool_id]}
    assert post_signed(a, a.pool_id, b.pool_id + "/inbox", create) == 202
    wrong_actor = {**create, "id": a.base_url + "/activities/forged-2", "actor": a.admin_id,
                   "object": _attestation(a, b, rewritten)}
    assert post_signed(a, a.admin_id, b.pool_id + "/inbox", wrong_actor) == 202
    reasons = poll(lambda: (r := _rejections(b)) and len(r) >= 2 and r, 20, "b's two refusals")
    assert any("proof rejected: proof does not verify" in r for r in reasons), reasons
    assert any("is sent by its own author" in r for r in reasons), reasons
    assert _attested(a, b, b) == before
