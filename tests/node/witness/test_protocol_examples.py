"""docs/PROTOCOL.md's examples of witnessed ledger heads are what the code builds: valid
documents whose proofs verify with their authors' fixed keys, an attested head that a replay
of the pool's signed entries reaches, and conflict evidence that shows the rewrite."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.proofs import verify_proof_with_key
from governance.witness import Fork, ForkKind, Head, check_extension
from node.wire import check_document, entry_from_document, replay_documents
from tests.node.witness.protocol_examples import POOL, RIVER, SEEDS, river_entries, witness_examples

SCHEMAS = {"HeadAttestation": "head-attestation", "LedgerConflict": "ledger-conflict",
           "Recount": "recount"}


def _key(actor: str) -> ed25519.Ed25519PublicKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes([SEEDS[actor]]) * 32).public_key()


def _object(name: str) -> dict[str, Any]:
    document = witness_examples()[name]["object"]
    assert isinstance(document, dict)
    return document


def test_every_example_matches_its_schema_and_verifies_with_its_authors_key() -> None:
    for name in ("create-head-attestation", "create-ledger-conflict", "create-recount"):
        document = _object(name)
        assert check_document(SCHEMAS[document["type"]], document), name
        assert verify_proof_with_key(document, _key(document["attributedTo"])), name
        assert document["attributedTo"] == POOL and document["pool"] == RIVER
    assert witness_examples()["witnesses-collection"]["orderedItems"] == [_object("create-head-attestation")]


def test_the_attested_head_is_what_a_replay_of_the_signed_entries_reaches() -> None:
    attestation = _object("create-head-attestation")
    entries = river_entries((2500, 4000))
    for entry in entries:
        assert verify_proof_with_key(entry, _key(RIVER))
    ledger = replay_documents("EUR", entries)
    assert (attestation["sequence"], attestation["headHash"]) == (2, ledger.head)
    assert attestation["extends"] == {"sequence": 1, "headHash": ledger.entries[0].hash}


def test_the_conflict_evidence_shows_the_rewrite() -> None:
    conflict = _object("create-ledger-conflict")
    assert conflict["attestation"] == _object("create-head-attestation")
    before, after = conflict["evidence"]
    for entry in (before, after):
        assert verify_proof_with_key(entry, _key(RIVER))
    assert before["sequence"] == after["sequence"] == conflict["sequence"] == 2
    assert before["entryHash"] == conflict["attestation"]["headHash"] != after["entryHash"]
    # The witness's own judgement of the rewritten ledger gives this conflict.
    rewritten = {e["sequence"]: entry_from_document(e) for e in river_entries((250, 4000))}
    verdict = check_extension(Head(2, before["entryHash"]), Head(2, after["entryHash"]), rewritten, 2)
    assert isinstance(verdict, Fork) and verdict.kind is ForkKind.REWRITTEN
    assert (verdict.sequence, verdict.reason) == (conflict["sequence"], conflict["summary"])
