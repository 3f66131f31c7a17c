"""FEP-8b32 object integrity proofs: ``DataIntegrityProof`` with the ``eddsa-jcs-2022`` cryptosuite.

Algorithm (W3C vc-di-eddsa §3.3): proof options are the proof without ``proofValue``, carrying
the document's ``@context``; ``hashData = SHA-256(JCS(proof options)) || SHA-256(JCS(document
without proof))``; the Ed25519 signature over ``hashData`` is ``proofValue``, multibase
base58btc (``z`` prefix).

Verification tries at most two exact hash inputs, each spec-justified (docs/FEDERATION.md
§Object integrity proofs); the proof is accepted only if one of them verifies:
- proof with ``@context`` P (vc-di-eddsa §3.3.2 step 4): the document's ``@context`` must start
  with P; proof options = the proof without ``proofValue``; the document is hashed with its
  ``@context`` replaced by P (so a document whose context was extended after signing verifies).
  One attempt.
- proof without ``@context``: (1) proof options exactly as received, document as received
  (vc-di-eddsa §3.3.2, FEP-8b32 data-integrity/v1 vector); (2) only when the document has a
  ``@context`` C: proof options with ``"@context": C`` added, document as received (the proof
  inherits the document's context as a nested JSON-LD node does; Fedify's ``createProof``
  hashes this form and emits the proof without ``@context``).

Policy:
- exactly one proof: ``proof`` is an object or a one-element list; several proofs are
  rejected ("multiple proofs are not supported") rather than half-checked;
- ``type`` must be ``DataIntegrityProof``, ``cryptosuite`` ``eddsa-jcs-2022``, ``proofPurpose``
  the expected purpose (``assertionMethod`` per FEP-8b32);
- when the proof has ``@context``, the document must have an ``@context`` that starts with it
  (vc-di-eddsa §3.3.2);
- a legacy Linked Data ``signature`` next to ``proof`` is removed before hashing (FEP-8b32
  §Backward compatibility);
- floats are refused unless ``allow_floats=True`` (see :mod:`federation.canonical`);
- ``created`` is optional (Data Integrity §2.1) and returned if present; freshness and
  ``expires`` are the caller's business (no clock here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.canonical import CanonicalizationError, canonicalize
from federation.errors import ProofInvalid
from federation.keys import b58decode, b58encode

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofKeyResolver",
    "VerifiedProof",
    "create_proof",
    "verify_proof",
    "verify_proof_with_key",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ProofKeyResolver = Callable[[str], Awaitable[ed25519.Ed25519PublicKey]]
"""``resolver(verification_method)``: the Ed25519 public key it names."""


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    """A verified integrity proof; ``controller`` is the verification method minus its fragment."""

    verification_method: str
    controller: str
    created: datetime | None
    proof_purpose: str


def _format_created(created: datetime) -> str:
    if created.tzinfo is None:
        raise ValueError("created must be an aware datetime")
    return created.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jcs(value: Any, allow_floats: bool, error: type[Exception]) -> bytes:
    try:
        return canonicalize(value, allow_floats=allow_floats)
    except CanonicalizationError as exc:
        raise error(str(exc)) from None


def _hash_data(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    allow_floats: bool,
    error: type[Exception],
) -> bytes:
    proof_hash = hashlib.sha256(_jcs(options, allow_floats, error)).digest()
    doc_hash = hashlib.sha256(_jcs(unsecured, allow_floats, error)).digest()
    return proof_hash + doc_hash


def create_proof(
    document: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    *,
    allow_floats: bool = False,
) -> dict[str, Any]:
    """A copy of ``document`` with an eddsa-jcs-2022 ``proof`` added (vc-di-eddsa §3.3.1, FEP-8b32 §Proof generation).

    Raises ``ValueError`` if the document already has a proof, and ``CanonicalizationError``
    (a ``ValueError``) if it cannot be canonicalised: a float (unless ``allow_floats``), an
    integer outside the JSON safe range, or a value JSON does not have.
    """
    if "proof" in document:
        raise ValueError("document already has a proof")
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        "created": _format_created(created),
    }
    if "@context" in document:
        options = {"@context": document["@context"], **options}
    hash_data = _hash_data(document, options, allow_floats, CanonicalizationError)
    proof = {**options, "proofValue": "z" + b58encode(private_key.sign(hash_data))}
    return {**document, "proof": proof}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _parse_created(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProofInvalid("proof created is not a dateTime")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ProofInvalid("proof created is not a dateTime") from None
    if parsed.tzinfo is None:
        raise ProofInvalid("proof created has no time zone")
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Prepared:
    verification_method: str
    proof_purpose: str
    created: datetime | None
    hash_candidates: tuple[bytes, ...]
    """The exact ``hashData`` inputs the signature may cover, at most two (see module doc)."""
    signature: bytes


def _digest(value: Mapping[str, Any], allow_floats: bool) -> bytes:
    return hashlib.sha256(_jcs(value, allow_floats, ProofInvalid)).digest()


def _hash_candidates(
    document: Mapping[str, Any], proof: Mapping[str, Any], allow_floats: bool
) -> tuple[bytes, ...]:
    """The enumerated ``hashData`` variants for this proof (vc-di-eddsa §3.3.2; module doc)."""
    unsecured = {k: v for k, v in document.items() if k not in ("proof", "signature")}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in proof:
        proof_ctx = _as_list(proof["@context"])
        if "@context" not in document or not proof_ctx:
            raise ProofInvalid("proof @context does not match the document @context")
        doc_ctx = _as_list(document["@context"])
        # Compared as canonical JSON, not Python equality (True == 1): the document's prefix is
        # not hashed (P is, in its place), so it must be byte-for-byte what was signed.
        prefix = doc_ctx[: len(proof_ctx)]
        if len(prefix) != len(proof_ctx) or _jcs(prefix, True, ProofInvalid) != _jcs(
            proof_ctx, True, ProofInvalid
        ):
            raise ProofInvalid("proof @context does not match the document @context")
        unsecured["@context"] = proof["@context"]
        return (_hash_data(unsecured, options, allow_floats, ProofInvalid),)
    doc_hash = _digest(unsecured, allow_floats)
    candidates = [_digest(options, allow_floats) + doc_hash]
    if "@context" in document:
        inherited = {"@context": document["@context"], **options}
        candidates.append(_digest(inherited, allow_floats) + doc_hash)
    return tuple(candidates)


def _prepare(document: Mapping[str, Any], expected_purpose: str, allow_floats: bool) -> _Prepared:
    if not isinstance(document, Mapping):
        raise ProofInvalid("document is not a JSON object")
    proof = document.get("proof")
    if proof is None:
        raise ProofInvalid("document has no proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofInvalid(
                "multiple proofs are not supported" if proof else "document has no proof"
            )
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofInvalid("proof is not an object")
    if proof.get("type") != PROOF_TYPE:
        raise ProofInvalid("unsupported proof type")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofInvalid("unsupported cryptosuite")
    purpose = proof.get("proofPurpose")
    if purpose != expected_purpose:
        raise ProofInvalid("unexpected proof purpose")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofInvalid("proof has no verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofInvalid("proofValue is not multibase base58btc")
    try:
        signature = b58decode(value[1:])
    except ValueError:
        raise ProofInvalid("proofValue is not multibase base58btc") from None
    if len(signature) != 64:
        raise ProofInvalid("proofValue is not an Ed25519 signature")
    created = _parse_created(proof.get("created"))
    candidates = _hash_candidates(document, proof, allow_floats)
    return _Prepared(method, purpose, created, candidates, signature)


def _finish(prepared: _Prepared, public_key: ed25519.Ed25519PublicKey) -> VerifiedProof:
    if not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise ProofInvalid("verification method is not an Ed25519 key")
    for hash_data in prepared.hash_candidates:
        try:
            public_key.verify(prepared.signature, hash_data)
        except InvalidSignature:
            continue
        return VerifiedProof(
            verification_method=prepared.verification_method,
            controller=prepared.verification_method.split("#", 1)[0],
            created=prepared.created,
            proof_purpose=prepared.proof_purpose,
        )
    raise ProofInvalid("proof does not verify")


def verify_proof_with_key(
    document: Mapping[str, Any],
    public_key: ed25519.Ed25519PublicKey,
    *,
    expected_purpose: str = "assertionMethod",
    allow_floats: bool = False,
) -> VerifiedProof:
    """Verify the document's proof with a key at hand (vc-di-eddsa §3.3.2, FEP-8b32 §Proof verification).

    The caller must check that ``public_key`` belongs to ``result.verification_method``.
    """
    return _finish(_prepare(document, expected_purpose, allow_floats), public_key)


async def verify_proof(
    document: Mapping[str, Any],
    key_resolver: ProofKeyResolver,
    *,
    expected_purpose: str = "assertionMethod",
    allow_floats: bool = False,
) -> VerifiedProof:
    """Verify the document's proof, resolving its verification method (vc-di-eddsa §3.3.2, FEP-8b32 §Proof verification).

    A resolver exception other than :class:`ProofInvalid` becomes "verification method
    could not be resolved".
    """
    prepared = _prepare(document, expected_purpose, allow_floats)
    try:
        key = await key_resolver(prepared.verification_method)
    except ProofInvalid:
        raise
    except Exception as exc:
        raise ProofInvalid("verification method could not be resolved", detail=repr(exc)) from exc
    return _finish(prepared, key)
