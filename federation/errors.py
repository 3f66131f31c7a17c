"""Errors raised by the federation layer; each knows its HTTP status and a client-safe message."""

from __future__ import annotations

__all__ = [
    "BadActivity",
    "FederationError",
    "FetchError",
    "ForbiddenOrigin",
    "HostUnreachable",
    "ProofInvalid",
    "RemoteAnswered",
    "SignatureInvalid",
    "UnsafeAddress",
]


class FederationError(Exception):
    """Base: ``status`` is the HTTP status to answer, ``reason`` is safe to show a client, ``code`` is for machines."""

    status = 400
    code: str | None = None

    def __init__(self, reason: str, *, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason


class BadActivity(FederationError):
    """The document is malformed or not of a shape we accept."""

    status = 400
    code = "bad_activity"


class SignatureInvalid(FederationError):
    """The HTTP signature is missing, malformed, stale, or does not verify."""

    status = 401
    code = "signature_invalid"


class ProofInvalid(FederationError):
    """A FEP-8b32 object integrity proof is missing or does not verify."""

    status = 422
    code = "proof_invalid"


class ForbiddenOrigin(FederationError):
    """The signer may not speak for this actor or object (FEP-fe34 origin rules)."""

    status = 403
    code = "forbidden_origin"


class FetchError(FederationError):
    """A remote document could not be fetched or was not acceptable."""

    status = 502
    code = "fetch_failed"


class HostUnreachable(FetchError):
    """The remote server could not be reached (not resolved, not connected, or too slow):
    unlike a document it served and we refused, worth asking again later."""


class RemoteAnswered(FetchError):
    """The remote server answered, but not with the document (e.g. 404): it is up."""

    def __init__(self, reason: str, *, detail: str | None = None, remote_status: int = 0,
                 remote_reason: str = "") -> None:
        super().__init__(reason, detail=detail)
        self.remote_status = remote_status
        self.remote_reason = remote_reason
        """The ``error`` of a JSON error body, if it had one (what the remote said, to show)."""


class UnsafeAddress(FetchError):
    """The target resolves to an address we refuse (SSRF guard)."""

    status = 400
    code = "unsafe_address"
