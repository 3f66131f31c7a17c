"""Signing governance documents with a local actor's Ed25519 key; verifying an author's proof.

A document is its author's when its FEP-8b32 proof verifies with a key from the author's
``assertionMethod`` and that key's controller is the author (FEP-8b32 §Proof verification;
FEP-521a). Who relayed the document does not matter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.errors import ProofInvalid
from federation.keys import load_private_key_pem
from federation.proofs import VerifiedProof, create_proof, verify_proof
from node.storage import ActorRecord
from node.wire.errors import ProofRejected

__all__ = ["KeyLookup", "ProofAuthor", "sign_document", "verify_author_proof"]

KeyLookup = Callable[[str], Awaitable[tuple[str, ed25519.Ed25519PublicKey]]]
"""``lookup(verification_method)``: (controller actor id, the Ed25519 key it publishes)."""

ProofAuthor = VerifiedProof


def sign_document(document: Mapping[str, Any], signer: ActorRecord, at: datetime) -> dict[str, Any]:
    """A copy of ``document`` with an eddsa-jcs-2022 proof by ``signer`` (FEP-8b32 §Proof generation)."""
    key = load_private_key_pem(signer.ed25519_private_pem)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return create_proof(unsigned, key, signer.proof_key_id, at)


async def verify_author_proof(
    document: Mapping[str, Any], author: str, lookup: KeyLookup
) -> VerifiedProof:
    """Verify the proof and that ``author`` controls its key; ProofRejected with the reason."""
    controllers: dict[str, str] = {}

    async def resolver(method: str) -> ed25519.Ed25519PublicKey:
        controller, key = await lookup(method)
        controllers[method] = controller
        return key

    try:
        verified = await verify_proof(document, resolver)
    except ProofInvalid as exc:
        raise ProofRejected(f"proof rejected: {exc.reason}", detail=exc.detail) from exc
    if controllers.get(verified.verification_method) != author:
        raise ProofRejected("proof rejected: the signing key is not the author's")
    return verified
