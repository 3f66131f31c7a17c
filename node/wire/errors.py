"""Why a governance document was refused."""

from __future__ import annotations

from node.errors import NodeError

__all__ = ["InvalidDocument", "ProofRejected"]


class InvalidDocument(NodeError):
    """The document does not match its JSON Schema or cannot become a governance value."""

    status = 422
    code = "invalid_document"


class ProofRejected(NodeError):
    """The document's integrity proof is missing, does not verify, or is not its author's."""

    status = 422
    code = "proof_rejected"
