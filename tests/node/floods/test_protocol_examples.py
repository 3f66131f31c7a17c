"""The flood examples of docs/PROTOCOL.md: valid documents, proofs that verify with the fixed
keys, and a third party's recount of the example's signed inputs gives the attested result."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.proofs import verify_proof_with_key
from node.wire import ballot_from_document, check_document
from node.wire.floods import recount, summary_digest, summary_of_attestation
from tests.node.pools.protocol_examples import POOL, RIVER, examples

SEEDS = {POOL: 1, "https://a.example/users/ana": 2, "https://b.example/users/bo": 3, RIVER: 4,
         "https://c.example/users/cy": 5}


def _key(actor: str) -> ed25519.Ed25519PublicKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes([SEEDS[actor]]) * 32).public_key()


def _object(name: str) -> dict[str, Any]:
    document = examples()[name]["object"]
    assert isinstance(document, dict)
    return document


def test_flood_documents_match_their_schemas() -> None:
    found = examples()
    assert check_document("flood", found["flood"])
    assert check_document("attestation", _object("create-attestation"))
    assert check_document("proposal", _object("announce-flood-proposal"))
    assert check_document("electorate", _object("create-flood-electorate"))
    assert check_document("ballot", _object("announce-flood-ballot"))
    listed = examples()["announce-flood-ballots"]["object"]
    assert isinstance(listed, list) and len(listed) == 2
    for ballot in listed:
        assert check_document("ballot", ballot)
    for name in ("flood-follow", "flood-undo-follow", "flood-reject-follow", "flood-accept-follow"):
        assert found[name]["type"] in ("Follow", "Undo", "Reject", "Accept"), name


def test_every_signed_flood_example_verifies_with_its_authors_key() -> None:
    for name in ("announce-flood-proposal", "create-flood-electorate", "announce-flood-ballot",
                 "create-attestation"):
        document = _object(name)
        verified = verify_proof_with_key(document, _key(document["attributedTo"]))
        assert verified.verification_method == document["attributedTo"] + "#ed25519-key", name
    # Relayed together, each ballot still carries (and is accepted on) its own voter's proof.
    for ballot in examples()["announce-flood-ballots"]["object"]:
        verified = verify_proof_with_key(ballot, _key(ballot["attributedTo"]))
        assert verified.verification_method == ballot["attributedTo"] + "#ed25519-key"
        assert ballot["pool"] == examples()["announce-flood-ballots"]["actor"]


def test_a_third_party_recount_gives_the_attested_result() -> None:
    from tests.node.pools.protocol_examples import flood_inputs

    proposal, electorates, ballots = flood_inputs()
    attestation = _object("create-attestation")
    counted = recount(proposal, electorates, [ballot_from_document(b) for b in ballots], final=True)
    assert counted is not None
    _, summary, ids = counted
    assert summary == summary_of_attestation(attestation)
    assert summary_digest(summary) == attestation["tallyDigest"]
    assert sorted(ids) == attestation["ballots"]
    assert summary["electorateSize"] == 3 and summary["counts"]["agree"] == 2
    # Tamper: one more agree than the voters cast changes the digest the pools attest.
    assert summary_digest({**summary, "counts": {**summary["counts"], "agree": 3}}) != attestation["tallyDigest"]
