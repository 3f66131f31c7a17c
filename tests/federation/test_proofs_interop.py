"""eddsa-jcs-2022 proofs made by others: the W3C and FEP-8b32 vectors, vc-di-eddsa §3.3.2
context extension, and a proof made by Fedify's ``createProof`` (fixture, see
tests/fixtures/fedify/make_fixture.mjs). Each accepted form has its tampered variants refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.canonical import canonicalize
from federation.errors import ProofInvalid
from federation.keys import b58decode, b58encode, ed25519_public_from_multibase
from federation.proofs import create_proof, verify_proof_with_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
W3C_FEP_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"  # both vectors' key

# W3C vc-di-eddsa, TestVectors/eddsa-jcs-2022/signedJCS.json (w3c/vc-di-eddsa).
W3C_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]
W3C_SIGNED: dict[str, Any] = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "https://vc.example/issuers/5678#" + W3C_FEP_PUBLIC,
        "proofPurpose": "assertionMethod",
        "@context": W3C_CONTEXT,
        "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
    },
}

# FEP-8b32 fep-8b32.feature, data-integrity/v1 revision: the proof has no @context and its
# configuration was hashed without one.
FEP_V1_SIGNED: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/data-integrity/v1",
    ],
    "type": "Create",
    "actor": "https://server.example/users/alice",
    "object": {"type": "Note", "content": "Hello world"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": "https://server.example/users/alice#ed25519-key",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3sXaxjKs4M3BRicwWA9peyNPJvJqxtGsDmpt1jjoHCjgeUf71TRFz56osPSfDErszyLp5Ks1EhYSgpDaNM977Rg2",
        "created": "2023-02-24T23:36:38Z",
    },
}

KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
METHOD = "https://pool.example/actors/alice#ed25519-key"
CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POOL_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/data-integrity/v2",
]
BALLOT: dict[str, Any] = {
    "@context": POOL_CONTEXT,
    "id": "https://pool.example/ballots/1",
    "type": "Ballot",
    "attributedTo": "https://pool.example/actors/alice",
    "choice": "agree",
}
EXTENSION = "https://poolnode.org/ns/v1"


def _fedify() -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((FIXTURES / "fedify" / "fedify_proof.json").read_text())
    return fixture


def _fedify_key() -> ed25519.Ed25519PublicKey:
    raw = base64.urlsafe_b64decode(_fedify()["publicKeyBase64url"] + "=")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def _w3c_key() -> ed25519.Ed25519PublicKey:
    return ed25519_public_from_multibase(W3C_FEP_PUBLIC)


def _changed(document: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(document))  # as received: nothing shared
    change(copied)
    return copied


def _flip_signature(signed: dict[str, Any]) -> None:
    raw = bytearray(b58decode(signed["proof"]["proofValue"][1:]))
    raw[7] ^= 1
    signed["proof"]["proofValue"] = "z" + b58encode(bytes(raw))


# --------------------------------------------------------------------------- published vectors


def test_w3c_vector_verifies() -> None:
    result = verify_proof_with_key(W3C_SIGNED, _w3c_key())
    assert result.controller == "https://vc.example/issuers/5678"


def test_fep_v1_vector_without_proof_context_verifies() -> None:
    result = verify_proof_with_key(FEP_V1_SIGNED, _w3c_key())
    assert result.created == datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


@pytest.mark.parametrize("vector", [W3C_SIGNED, FEP_V1_SIGNED], ids=["w3c", "fep-v1"])
@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("type", "Update"),
        lambda d: d.__setitem__("extra", 1),
        lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
        _flip_signature,
    ],
    ids=["field", "added", "created", "signature"],
)
def test_published_vectors_tampered_fail(
    vector: dict[str, Any], change: Callable[[dict[str, Any]], None]
) -> None:
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key(_changed(vector, change), _w3c_key())


# --------------------------------------------------------------------------- (a) context extended


def _extended(signed: dict[str, Any], *extra: Any) -> dict[str, Any]:
    return {**signed, "@context": [*signed["@context"], *extra]}


def test_document_extended_after_signing_verifies() -> None:
    """vc-di-eddsa §3.3.2 step 4: the document is hashed with the proof's @context."""
    signed = create_proof(BALLOT, KEY, METHOD, CREATED)
    extended = _extended(signed, EXTENSION, {"choice": "https://poolnode.org/ns#choice"})
    assert extended["proof"]["@context"] == POOL_CONTEXT
    verify_proof_with_key(extended, KEY.public_key())
    verify_proof_with_key(_extended(W3C_SIGNED, {"@vocab": "https://vc.example/#"}), _w3c_key())


def test_extended_document_tampered_fails() -> None:
    extended = _extended(create_proof(BALLOT, KEY, METHOD, CREATED), EXTENSION)
    for change in (
        lambda d: d.__setitem__("choice", "disagree"),
        lambda d: d.__setitem__("extra", "x"),
        lambda d: d["proof"].__setitem__("@context", [*POOL_CONTEXT, EXTENSION]),
        _flip_signature,
    ):
        with pytest.raises(ProofInvalid, match="proof does not verify"):
            verify_proof_with_key(_changed(extended, change), KEY.public_key())


def test_extended_document_prefix_must_be_exactly_the_proof_context() -> None:
    ctx = [*POOL_CONTEXT, {"flag": {"@id": "https://x.example/flag", "@protected": True}}]
    signed = _extended(create_proof({**BALLOT, "@context": ctx}, KEY, METHOD, CREATED), EXTENSION)
    verify_proof_with_key(signed, KEY.public_key())
    # True == 1 in Python; the unhashed prefix must still be the signed JSON, byte for byte
    swapped = _changed(signed, lambda d: d["@context"][2]["flag"].__setitem__("@protected", 1))
    reordered = _changed(signed, lambda d: d.__setitem__("@context", [EXTENSION, *ctx]))
    dropped = _changed(signed, lambda d: d.__setitem__("@context", POOL_CONTEXT))
    for document in (swapped, reordered, dropped):
        with pytest.raises(ProofInvalid, match="@context does not match"):
            verify_proof_with_key(document, KEY.public_key())


def test_document_hashed_with_its_full_context_under_a_shorter_proof_context_is_refused() -> None:
    """Not an enumerated variant: with a proof @context, only that context is ever hashed."""
    document = {**BALLOT, "@context": [*POOL_CONTEXT, EXTENSION]}
    options = {
        "@context": POOL_CONTEXT,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": METHOD,
        "proofPurpose": "assertionMethod",
        "created": "2025-03-01T12:00:00Z",
    }
    hash_data = (
        hashlib.sha256(canonicalize(options)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )
    proof = {**options, "proofValue": "z" + b58encode(KEY.sign(hash_data))}
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key({**document, "proof": proof}, KEY.public_key())


# --------------------------------------------------------------------------- (b) Fedify


def test_fedify_fixture_key_is_the_fixed_seed() -> None:
    seed = bytes.fromhex(_fedify()["seedHex"])
    derived = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert derived.public_bytes(*raw) == _fedify_key().public_bytes(*raw)


@pytest.mark.parametrize("shape", ["embedded", "inherited"])
def test_fedify_proof_verifies(shape: str) -> None:
    document = _fedify()[shape]
    assert ("@context" in document["proof"]) == (shape == "embedded")
    result = verify_proof_with_key(document, _fedify_key())
    assert result.verification_method == _fedify()["verificationMethod"]
    assert result.controller == "https://fedify.example/users/ana"
    assert result.created == datetime(2025, 3, 1, 12, 0, 1, 123456, tzinfo=UTC)


@pytest.mark.parametrize("shape", ["embedded", "inherited"])
@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["object"].__setitem__("content", "I disagree"),
        lambda d: d.__setitem__("to", "https://www.w3.org/ns/activitystreams#Public"),
        lambda d: d.pop("published"),
        lambda d: d["proof"].__setitem__("created", "2025-03-01T12:00:01.123Z"),
        lambda d: d["proof"].__setitem__("verificationMethod", "https://fedify.example/k#2"),
        lambda d: d["proof"].__setitem__("nonce", "1"),
        _flip_signature,
    ],
    ids=["content", "added", "removed", "created", "method", "option", "signature"],
)
def test_fedify_tampered_fails(shape: str, change: Callable[[dict[str, Any]], None]) -> None:
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key(_changed(_fedify()[shape], change), _fedify_key())


@pytest.mark.parametrize(
    ("shape", "change", "reason"),
    [
        # inherited: the document's @context is in both hashes (document, inherited options)
        ("inherited", lambda d: d["@context"].append(EXTENSION), "proof does not verify"),
        ("inherited", lambda d: d["@context"].pop(0), "proof does not verify"),
        ("inherited", lambda d: d.pop("@context"), "proof does not verify"),
        # embedded: the proof's @context must stay a prefix of the document's
        ("embedded", lambda d: d["@context"].pop(0), "@context does not match"),
        ("embedded", lambda d: d.pop("@context"), "@context does not match"),
        ("embedded", lambda d: d["proof"]["@context"].pop(0), "@context does not match"),
    ],
    ids=[
        "inherited-extended",
        "inherited-shortened",
        "inherited-removed",
        "embedded-shortened",
        "embedded-removed",
        "embedded-proof-context-shortened",
    ],
)
def test_fedify_context_changes_fail(
    shape: str, change: Callable[[dict[str, Any]], None], reason: str
) -> None:
    with pytest.raises(ProofInvalid, match=reason):
        verify_proof_with_key(_changed(_fedify()[shape], change), _fedify_key())


def test_fedify_embedded_proof_survives_a_context_extension() -> None:
    """(a) applies to Fedify's embedded form: its proof @context is hashed, not the document's."""
    document = _changed(_fedify()["embedded"], lambda d: d["@context"].append(EXTENSION))
    verify_proof_with_key(document, _fedify_key())


def test_fedify_proof_is_not_accepted_with_a_foreign_proof_context() -> None:
    inherited = _fedify()["inherited"]
    document = _changed(
        inherited, lambda d: d["proof"].__setitem__("@context", inherited["@context"][:2])
    )
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key(document, _fedify_key())


# --------------------------------------------------------------------------- bounded attempts


class _CountingKey(ed25519.Ed25519PublicKey):
    """An Ed25519 public key that counts verification attempts."""

    def __init__(self, inner: ed25519.Ed25519PublicKey) -> None:
        self.inner = inner
        self.attempts = 0

    def verify(self, signature: bytes, data: bytes) -> None:
        self.attempts += 1
        self.inner.verify(signature, data)

    def public_bytes(self, *args: Any) -> bytes:
        return self.inner.public_bytes(*args)

    def public_bytes_raw(self) -> bytes:
        return self.inner.public_bytes_raw()

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __copy__(self) -> _CountingKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _CountingKey:
        return self


@pytest.mark.parametrize(
    ("document", "bound"),
    [
        (_changed(_fedify()["inherited"], _flip_signature), 2),
        (_changed(_fedify()["embedded"], _flip_signature), 1),
        (_changed(FEP_V1_SIGNED, _flip_signature), 2),
        ({**_changed(FEP_V1_SIGNED, _flip_signature), "@context": None}, 2),
    ],
    ids=["no-proof-context", "proof-context", "fep-v1", "null-document-context"],
)
def test_attempts_are_bounded(document: dict[str, Any], bound: int) -> None:
    key = _CountingKey(_fedify_key())
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key(document, key)
    assert key.attempts == bound
    document = {k: v for k, v in document.items() if k != "@context"}
    key = _CountingKey(_fedify_key())
    with pytest.raises(ProofInvalid):
        verify_proof_with_key(document, key)
    assert key.attempts <= 1


# --------------------------------------------------------------------------- the documented inputs


def test_federation_doc_states_the_exact_hash_inputs() -> None:
    """docs/FEDERATION.md §Object integrity proofs lists these bytes; they are what is hashed."""
    from federation.proofs import _hash_candidates

    text = (Path(__file__).resolve().parents[2] / "docs" / "FEDERATION.md").read_text()
    document = {k: v for k, v in FEP_V1_SIGNED.items() if k != "proof"}
    options = {k: v for k, v in FEP_V1_SIGNED["proof"].items() if k != "proofValue"}
    inherited = {"@context": document["@context"], **options}
    digests = []
    for value in (document, options, inherited):
        jcs = canonicalize(value)
        digest = hashlib.sha256(jcs).digest()
        assert jcs.decode() + "\nSHA-256: " + digest.hex() in text
        digests.append(digest)
    doc_hash, first, second = digests
    candidates = _hash_candidates(FEP_V1_SIGNED, FEP_V1_SIGNED["proof"], False)
    assert candidates == (first + doc_hash, second + doc_hash)
