"""FEP-8b32 integrity proofs (eddsa-jcs-2022): test vector, round trip, tamper, policy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.errors import ProofInvalid
from federation.keys import b58decode, b58encode, ed25519_public_from_multibase
from federation.proofs import VerifiedProof, create_proof, verify_proof, verify_proof_with_key

# FEP-8b32 fep-8b32.feature (codeberg fediverse/fep, data-integrity v2 revision).
FEP_SECRET_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
FEP_PUBLIC_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
FEP_METHOD = "https://server.example/users/alice#ed25519-key"
FEP_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/data-integrity/v2",
]
FEP_DOCUMENT: dict[str, Any] = {
    "@context": FEP_CONTEXT,
    "id": "https://server.example/activities/1",
    "type": "Create",
    "actor": "https://server.example/users/alice",
    "object": {
        "id": "https://server.example/objects/1",
        "type": "Note",
        "attributedTo": "https://server.example/users/alice",
        "content": "Hello world",
        "location": {"type": "Place", "longitude": -71.184902, "latitude": 25.273962},
    },
}
FEP_PROOF = {
    "@context": FEP_CONTEXT,
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "verificationMethod": FEP_METHOD,
    "proofPurpose": "assertionMethod",
    "proofValue": "z42ffGu6AUKPCFcFPiabmUvnGLPJzC7e4DGWC52NUasSSH37UMa9c58tdgVszUcZfytxa4fQ5TYHaJENCxUDe9SdL",
    "created": "2023-02-24T23:36:38Z",
}
FEP_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)

KEY = ed25519.Ed25519PrivateKey.generate()
PUB = KEY.public_key()
METHOD = "https://pool.example/actors/alice#ed25519-key"
DOC: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/data-integrity/v2",
    ],
    "id": "https://pool.example/votes/7",
    "type": "Create",
    "actor": "https://pool.example/actors/alice",
    "object": {"type": "Note", "content": "yes", "tally": 3, "tags": ["a", "b"], "ok": True},
}
CREATED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def fep_secret_key() -> ed25519.Ed25519PrivateKey:
    raw = b58decode(FEP_SECRET_MULTIBASE[1:])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])


# --------------------------------------------------------------------------- FEP-8b32 vector


def test_fep_vector_verifies() -> None:
    signed = {**FEP_DOCUMENT, "proof": FEP_PROOF}
    public = ed25519_public_from_multibase(FEP_PUBLIC_MULTIBASE)
    result = verify_proof_with_key(signed, public, allow_floats=True)
    assert result == VerifiedProof(
        verification_method=FEP_METHOD,
        controller="https://server.example/users/alice",
        created=FEP_CREATED,
        proof_purpose="assertionMethod",
    )


def test_fep_vector_signing_reproduces_proof_value() -> None:
    key = fep_secret_key()
    assert key.public_key() == ed25519_public_from_multibase(FEP_PUBLIC_MULTIBASE)
    signed = create_proof(FEP_DOCUMENT, key, FEP_METHOD, FEP_CREATED, allow_floats=True)
    assert signed == {**FEP_DOCUMENT, "proof": FEP_PROOF}
    # our own documents carry no floats: refused unless explicitly allowed
    with pytest.raises(ValueError, match="floating-point"):
        create_proof(FEP_DOCUMENT, key, FEP_METHOD, FEP_CREATED)


def test_fep_vector_is_refused_by_default_because_of_floats() -> None:
    signed = {**FEP_DOCUMENT, "proof": FEP_PROOF}
    public = ed25519_public_from_multibase(FEP_PUBLIC_MULTIBASE)
    with pytest.raises(ProofInvalid, match="floating-point number"):
        verify_proof_with_key(signed, public)


def test_fep_vector_tampered_fails() -> None:
    public = ed25519_public_from_multibase(FEP_PUBLIC_MULTIBASE)
    doc = copy.deepcopy({**FEP_DOCUMENT, "proof": FEP_PROOF})
    doc["object"]["content"] = "Hello world!"
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key(doc, public, allow_floats=True)


def test_create_proof_matches_fep_shape() -> None:
    key = fep_secret_key()
    doc = copy.deepcopy(FEP_DOCUMENT)
    del doc["object"]["location"]
    signed = create_proof(doc, key, FEP_METHOD, FEP_CREATED)
    proof = signed["proof"]
    assert list(proof) == [
        "@context",
        "type",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "created",
        "proofValue",
    ]
    assert {k: v for k, v in proof.items() if k != "proofValue"} == {
        k: v for k, v in FEP_PROOF.items() if k != "proofValue"
    }
    assert "proof" not in doc  # input untouched
    verify_proof_with_key(signed, key.public_key())


# --------------------------------------------------------------------------- round trip / tamper


def test_round_trip() -> None:
    signed = create_proof(DOC, KEY, METHOD, CREATED)
    assert signed["proof"]["proofValue"].startswith("z")
    assert len(b58decode(signed["proof"]["proofValue"][1:])) == 64
    result = verify_proof_with_key(signed, PUB)
    assert result.controller == "https://pool.example/actors/alice"
    assert result.created == CREATED


def test_created_is_normalised_to_utc_seconds() -> None:
    local = (CREATED + timedelta(microseconds=999)).astimezone(timezone(timedelta(hours=-5)))
    signed = create_proof(DOC, KEY, METHOD, local)
    assert signed["proof"]["created"] == "2024-05-01T12:00:00Z"
    with pytest.raises(ValueError):
        create_proof(DOC, KEY, METHOD, datetime(2024, 1, 1))


def _tampered() -> list[tuple[str, Any]]:
    def doc(f: Any) -> Any:
        signed = copy.deepcopy(create_proof(DOC, KEY, METHOD, CREATED))
        f(signed)
        return signed

    def flip_value(s: dict[str, Any]) -> None:
        raw = bytearray(b58decode(s["proof"]["proofValue"][1:]))
        raw[10] ^= 1
        s["proof"]["proofValue"] = "z" + b58encode(bytes(raw))

    return [
        ("document field", doc(lambda s: s["object"].__setitem__("content", "no"))),
        ("document int", doc(lambda s: s["object"].__setitem__("tally", 4))),
        ("document added key", doc(lambda s: s.__setitem__("extra", "x"))),
        ("document removed key", doc(lambda s: s.pop("actor"))),
        ("document list order", doc(lambda s: s["object"].__setitem__("tags", ["b", "a"]))),
        ("proof created", doc(lambda s: s["proof"].__setitem__("created", "2024-05-01T12:00:01Z"))),
        ("proof method", doc(lambda s: s["proof"].__setitem__("verificationMethod", METHOD + "2"))),
        ("proof added option", doc(lambda s: s["proof"].__setitem__("nonce", "1"))),
        ("proof value", doc(flip_value)),
    ]


@pytest.mark.parametrize(("name", "signed"), _tampered(), ids=[t[0] for t in _tampered()])
def test_tamper_fails(name: str, signed: dict[str, Any]) -> None:
    with pytest.raises(ProofInvalid, match="proof does not verify") as info:
        verify_proof_with_key(signed, PUB)
    assert info.value.status == 422


def test_wrong_key_fails() -> None:
    signed = create_proof(DOC, KEY, METHOD, CREATED)
    with pytest.raises(ProofInvalid, match="proof does not verify"):
        verify_proof_with_key(signed, ed25519.Ed25519PrivateKey.generate().public_key())


@settings(max_examples=50, deadline=None)
@given(
    content=st.text(max_size=200),
    number=st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
)
def test_any_content_round_trips(content: str, number: int) -> None:
    doc = {**DOC, "object": {"type": "Note", "content": content, "n": number}}
    verify_proof_with_key(create_proof(doc, KEY, METHOD, CREATED), PUB)


# --------------------------------------------------------------------------- policy


def _with_proof(proof: Any) -> dict[str, Any]:
    return {**DOC, "proof": proof}


def _good_proof() -> dict[str, Any]:
    return dict(create_proof(DOC, KEY, METHOD, CREATED)["proof"])


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (DOC, "document has no proof"),
        (_with_proof([]), "document has no proof"),
        (_with_proof([_good_proof(), _good_proof()]), "multiple proofs are not supported"),
        (_with_proof("z123"), "proof is not an object"),
        (_with_proof({**_good_proof(), "type": "Ed25519Signature2020"}), "unsupported proof type"),
        (
            _with_proof({**_good_proof(), "cryptosuite": "eddsa-rdfc-2022"}),
            "unsupported cryptosuite",
        ),
        (
            _with_proof({**_good_proof(), "proofPurpose": "authentication"}),
            "unexpected proof purpose",
        ),
        (
            _with_proof({k: v for k, v in _good_proof().items() if k != "verificationMethod"}),
            "no verificationMethod",
        ),
        (
            _with_proof({k: v for k, v in _good_proof().items() if k != "proofValue"}),
            "not multibase",
        ),
        (
            _with_proof({**_good_proof(), "proofValue": "u" + _good_proof()["proofValue"][1:]}),
            "not multibase",
        ),
        (_with_proof({**_good_proof(), "proofValue": "z0OIl"}), "not multibase"),
        (
            _with_proof({**_good_proof(), "proofValue": "z" + b58encode(b"\1" * 63)}),
            "not an Ed25519 signature",
        ),
        (_with_proof({**_good_proof(), "created": "yesterday"}), "not a dateTime"),
        (_with_proof({**_good_proof(), "created": "2024-05-01T12:00:00"}), "no time zone"),
        (
            _with_proof({**_good_proof(), "@context": ["https://other.example"]}),
            "@context does not match",
        ),
        ({**DOC, "score": 1.5, "proof": _good_proof()}, "floating-point number"),
        ({**DOC, "big": 2**60, "proof": _good_proof()}, "outside the JSON safe range"),
    ],
)
def test_policy_rejections(document: dict[str, Any], reason: str) -> None:
    with pytest.raises(ProofInvalid, match=reason):
        verify_proof_with_key(document, PUB)


def test_single_proof_in_list_is_accepted() -> None:
    signed = create_proof(DOC, KEY, METHOD, CREATED)
    signed["proof"] = [signed["proof"]]
    verify_proof_with_key(signed, PUB)


def test_legacy_ld_signature_is_ignored() -> None:
    signed = create_proof(DOC, KEY, METHOD, CREATED)
    signed["signature"] = {"type": "RsaSignature2017", "signatureValue": "..."}
    verify_proof_with_key(signed, PUB)


def test_create_refuses_existing_proof_and_floats() -> None:
    with pytest.raises(ValueError, match="already has a proof"):
        create_proof(create_proof(DOC, KEY, METHOD, CREATED), KEY, METHOD, CREATED)
    with pytest.raises(ValueError, match="floating-point"):
        create_proof({**DOC, "x": 0.5}, KEY, METHOD, CREATED)


def test_document_without_context() -> None:
    doc = {"type": "Note", "content": "plain"}
    signed = create_proof(doc, KEY, METHOD, CREATED)
    assert "@context" not in signed["proof"]
    verify_proof_with_key(signed, PUB)


# --------------------------------------------------------------------------- async resolver


async def test_verify_proof_resolves_method() -> None:
    seen: list[str] = []

    async def resolve(method: str) -> ed25519.Ed25519PublicKey:
        seen.append(method)
        return PUB

    result = await verify_proof(create_proof(DOC, KEY, METHOD, CREATED), resolve)
    assert seen == [METHOD]
    assert result.verification_method == METHOD


async def test_verify_proof_resolver_failure() -> None:
    async def resolve(method: str) -> ed25519.Ed25519PublicKey:
        raise KeyError(method)

    with pytest.raises(ProofInvalid, match="could not be resolved"):
        await verify_proof(create_proof(DOC, KEY, METHOD, CREATED), resolve)


async def test_verify_proof_rejects_non_ed25519_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_pub = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()

    async def resolve(method: str) -> ed25519.Ed25519PublicKey:
        return rsa_pub  # type: ignore[return-value]

    with pytest.raises(ProofInvalid, match="not an Ed25519 key"):
        await verify_proof(create_proof(DOC, KEY, METHOD, CREATED), resolve)
