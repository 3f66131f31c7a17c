"""docs/PROTOCOL.md's examples of witnessed ledger heads, built and signed by the node's own
wire code with the fixed keys and times of ``tests/node/pools/protocol_examples.py``, which
merges them into every example it renders: commons (on b.example) witnesses river (on
c.example), whose ledger holds two entries; river's operator then rewrites entry 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_to_multibase, private_key_to_pem
from governance import Ledger, Roster, donation
from governance.witness import Fork, ForkKind, Head
from node.storage import ActorRecord
from node.wire import ledger_entry_document, sign_document
from node.wire.witness import (
    attestation_path,
    conflict_document,
    head_attestation_document,
    recount_document,
)
from schemas import ACTOR_CONTEXT, AS_CONTEXT_URL, POOLNODE_CONTEXT_URL

B, C = "https://b.example", "https://c.example"
POOL, RIVER = B + "/pools/commons", C + "/pools/river"
CY = C + "/users/cy"
AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RIVER_PROPOSAL = RIVER + "/proposals/4c2d8e1f-6a3b-4d5e-8f70-1a2b3c4d5e6f"
SEEDS = {POOL: 1, RIVER: 4, CY: 5}


def _actor(uri: str) -> ActorRecord:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([SEEDS[uri]]) * 32)
    return ActorRecord(SEEDS[uri], uri.rsplit("/", 1)[1], "pool", uri, "", "", False, "", "",
                       private_key_to_pem(key), ed25519_public_to_multibase(key.public_key()),
                       "2025-01-01T00:00:00Z")


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def river_entries(amounts: tuple[int, ...]) -> list[dict[str, Any]]:
    """River's ledger of donations (booked by cy, its treasurer), each entry signed by river."""
    river = _actor(RIVER)
    roster = Roster.found([CY], AT - timedelta(days=30))
    ledger = Ledger("EUR")
    documents = []
    for n, amount in enumerate(amounts, start=1):
        at = AT + timedelta(days=n)
        ledger = ledger.apply(donation(f"{RIVER}/ledger/{n}", at, ledger, "a neighbour", amount,
                                       by=CY, roster=roster, reference=f"bank transfer {n}"))
        documents.append(sign_document(ledger_entry_document(ledger.entries[-1], RIVER, n), river, at))
    return documents


def _create(obj: dict[str, Any], key: str, to: list[str], cc: list[str]) -> dict[str, Any]:
    """A Create from commons, as ``node.pool_engine.common.publish`` sends it."""
    return {"@context": ACTOR_CONTEXT, "id": f"{B}/activities/{key}", "type": "Create",
            "actor": POOL, "object": obj, "to": to, "cc": cc, "published": _stamp(AT + timedelta(days=3))}


def witness_examples() -> dict[str, dict[str, Any]]:
    """Every example of witnessed ledger heads, by name."""
    commons = _actor(POOL)
    honest = river_entries((2500, 4000))
    first = Head(1, honest[0]["entryHash"])
    head = Head(2, honest[1]["entryHash"])
    checked = AT + timedelta(days=3)
    attestation = sign_document(head_attestation_document(
        attestation_path(POOL, RIVER, 2), POOL, RIVER, head, _stamp(checked), first), commons, checked)
    out: dict[str, dict[str, Any]] = {}
    out["create-head-attestation"] = _create(attestation, "create-head-attestation-1", [RIVER], [])
    out["witnesses-collection"] = {
        "@context": [AS_CONTEXT_URL, POOLNODE_CONTEXT_URL], "id": RIVER + "/witnesses",
        "type": "OrderedCollection", "totalItems": 1, "orderedItems": [attestation]}

    # River's operator edits entry 1 (2500 -> 250), recomputes the chain and re-signs it.
    rewritten = river_entries((250, 4000))
    found = checked + timedelta(hours=1)
    fork = Fork(ForkKind.REWRITTEN, 2, f"entry 2 now has the hash {rewritten[1]['entryHash'][:12]}…, "
                                       f"not the attested {head.hash[:12]}…")
    conflict = sign_document(conflict_document(
        POOL + "/conflicts/5b0e7c3a-2f1d-4e6b-9a8c-7d6e5f4a3b2c", POOL, RIVER, fork, attestation,
        [honest[1], rewritten[1]], Head(2, rewritten[1]["entryHash"]), _stamp(found)), commons, found)
    out["create-ledger-conflict"] = _create(conflict, "create-ledger-conflict-1", [RIVER],
                                            [POOL + "/followers"])

    recounted = {"electorateDigest": "5d2e0f8c1b7a4e93c6d1f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6",
                 "electorateSize": 2, "participation": 2, "abstentions": 0, "votesCast": 2,
                 "counts": {"abstain": 0, "agree": 2, "block": 0, "disagree": 0},
                 "quorumMet": True, "thresholdMet": True, "outcome": "passed", "winner": [],
                 "rounds": []}
    recount = sign_document(recount_document(
        POOL, RIVER, RIVER_PROPOSAL, RIVER_PROPOSAL + "/tally", "matches", recounted, {},
        _stamp(checked)), commons, checked)
    out["create-recount"] = _create(recount, "create-recount-1", [RIVER], [])
    return out
