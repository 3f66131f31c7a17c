"""HTTP signatures: draft-cavage-http-signatures-12 signing and verification, and the dispatcher.

Outgoing requests are signed with draft-cavage-12 ``rsa-sha256`` (``hs2019`` for Ed25519 keys).
Incoming requests are verified the way Mastodon does; when a ``Signature-Input`` header is
present the request is handed to RFC 9421 (:mod:`federation.rfc9421`) instead.

Time: every function takes ``now`` as an *aware* ``datetime`` (UTC or any zone); a naive
datetime is a programming error and raises ``ValueError``.

Replay: a request whose ``Date`` (or ``(created)``) lies outside ``window_seconds`` of ``now``
is rejected ("date outside the accepted window"). An exact duplicate delivered again inside
the window verifies here; it is caught by activity-id deduplication at the inbox.

Layout: :func:`prepare_verification` does every check except the public-key operation and
yields a :class:`PreparedSignature` (pure, synchronous, no key needed); :func:`verify_prepared`
does the key operation. :func:`verify_request` glues them around an async key resolver with one
refetch; :func:`verify_request_with_key` is the synchronous path when the key is at hand.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from federation import rfc9421
from federation.digests import digest_header, verify_digest_header
from federation.errors import SignatureInvalid
from federation.keys import PublicKey
from federation.signing_base import (
    DEFAULT_WINDOW_SECONDS,
    HeaderView,
    PreparedSignature,
    PrivateKey,
    VerifiedSignature,
    check_window,
    epoch_seconds,
    format_http_date,
    host_header,
    parse_http_date,
    sign_bytes,
    verify_signature_bytes,
)

__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "KeyResolver",
    "ParsedSignature",
    "PreparedSignature",
    "PrivateKey",
    "VerifiedSignature",
    "build_signing_string",
    "format_http_date",
    "host_header",
    "parse_signature_header",
    "prepare_verification",
    "sign_bytes",
    "sign_request",
    "verify_prepared",
    "verify_request",
    "verify_request_with_key",
    "verify_signature_bytes",
]

KeyResolver = Callable[[str, bool], Awaitable[PublicKey]]
"""``resolver(key_id, refresh)``: the parsed public key; ``refresh=True`` after a failure."""

_CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_MAX_HEADER = 8192


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """The parameters of a draft-cavage ``Signature`` header (draft-cavage-12 §2.1)."""

    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: int | None = None
    expires: int | None = None


# --------------------------------------------------------------------------- helpers


def _path_with_query(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


# --------------------------------------------------------------------------- cavage: parsing


# One parameter: separators, a token name, "=", a quoted value (no escapes) or a bare one,
# then optional whitespace and a comma or the end (draft-cavage-12 §2.1). A regex match
# per parameter is several times faster than a character loop on this per-request path.
_PARAM = re.compile(r'[ \t,]*([A-Za-z0-9_-]+)=(?:"([^"]*)"|(?!")([^, \t]*))[ \t]*(?:,|\Z)')


def _parse_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos, n = 0, len(value)
    while pos < n:
        match = _PARAM.match(value, pos)
        if match is None:
            if value[pos:].strip(" \t,"):
                raise SignatureInvalid("signature header is malformed")
            break
        name = match[1].lower()
        if name in params:
            raise SignatureInvalid(f"signature header repeats {name}")
        quoted = match[2]
        params[name] = quoted if quoted is not None else match[3]
        pos = match.end()
    return params


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 15:
        raise SignatureInvalid(f"signature {name} is not an integer timestamp")
    return int(raw)


def parse_signature_header(value: str) -> ParsedSignature:
    """Parse a cavage ``Signature`` header; ``headers`` defaults to ``date`` (draft-cavage-12 §2.1)."""
    if len(value) > _MAX_HEADER:
        raise SignatureInvalid("signature header is too long")
    params = _parse_params(value)
    key_id = params.get("keyid")
    if not key_id:
        raise SignatureInvalid("signature header has no keyId")
    encoded = params.get("signature")
    if not encoded:
        raise SignatureInvalid("signature header has no signature")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("signature is not valid base64") from None
    algorithm = params.get("algorithm")
    if algorithm is not None:
        algorithm = algorithm.lower()
    names = params.get("headers")
    headers = tuple(names.lower().split()) if names is not None else ("date",)
    if not headers:
        raise SignatureInvalid("signature covers no headers")
    return ParsedSignature(
        key_id=key_id,
        algorithm=algorithm,
        headers=headers,
        signature=signature,
        created=_int_param(params, "created"),
        expires=_int_param(params, "expires"),
    )


def build_signing_string(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    *,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """The string to sign: ``name: value`` lines joined by ``\\n`` (draft-cavage-12 §2.3)."""
    return _signing_string(
        method, path_with_query, HeaderView(headers), signed_headers, created, expires
    )


def _signing_string(
    method: str,
    path_with_query: str,
    view: HeaderView,
    signed_headers: Iterable[str],
    created: int | None,
    expires: int | None,
) -> str:
    lines = []
    for name in signed_headers:
        if name == "(request-target)":
            value = f"{method.lower()} {path_with_query}"
        elif name == "(created)":
            if created is None:
                raise SignatureInvalid("(created) is signed but the created parameter is missing")
            value = str(created)
        elif name == "(expires)":
            if expires is None:
                raise SignatureInvalid("(expires) is signed but the expires parameter is missing")
            value = str(expires)
        else:
            found = view.get(name)
            if found is None:
                raise SignatureInvalid(f"signed header missing from request: {name}")
            value = found
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- cavage: signing


def sign_request(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
) -> dict[str, str]:
    """Headers to send for a draft-cavage-12 signed request (draft-cavage-12 §4.1).

    Signs ``(request-target) host date`` plus ``digest`` when there is a body. RSA keys sign
    ``rsa-sha256``; Ed25519 keys sign ``hs2019``. ``url`` must be exactly what goes on the
    wire (already percent-encoded). Returns Host, Date, Digest (with a body) and Signature.
    """
    out = {"Host": host_header(url), "Date": format_http_date(now)}
    names = ["(request-target)", "host", "date"]
    if body is not None:
        out["Digest"] = digest_header(body)
        names.append("digest")
    signing_string = build_signing_string(method, _path_with_query(url), out, names)
    signature = base64.b64encode(sign_bytes(private_key, signing_string.encode("utf-8")))
    algorithm = "rsa-sha256" if isinstance(private_key, rsa.RSAPrivateKey) else "hs2019"
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(names)}",'
        f'signature="{signature.decode("ascii")}"'
    )
    return out


# --------------------------------------------------------------------------- verification


def _prepare_cavage(
    method: str,
    path_with_query: str,
    view: HeaderView,
    body: bytes | None,
    now: int,
    window_seconds: int,
) -> PreparedSignature:
    raw = view.get("signature")
    if raw is None:
        authorization = view.get("authorization")
        if authorization is not None and authorization[:10].lower() == "signature ":
            raw = authorization[10:]
    if raw is None:
        raise SignatureInvalid("request is not signed")
    parsed = parse_signature_header(raw)
    if parsed.algorithm is not None and parsed.algorithm not in _CAVAGE_ALGORITHMS:
        raise SignatureInvalid("unsupported signature algorithm")
    signed = parsed.headers
    upper = method.upper()

    if parsed.algorithm == "rsa-sha256" and ("(created)" in signed or "(expires)" in signed):
        raise SignatureInvalid("(created) and (expires) are not allowed with rsa-sha256")
    if "date" not in signed and "(created)" not in signed:
        raise SignatureInvalid("signature does not sign date or (created)")
    if "(request-target)" not in signed and "digest" not in signed:
        raise SignatureInvalid("signature does not sign (request-target)")
    if upper in ("GET", "HEAD") and "host" not in signed:
        raise SignatureInvalid("signature does not sign host")
    has_body = upper in _BODY_METHODS or bool(body)
    if has_body and "digest" not in signed:
        raise SignatureInvalid("signature does not sign digest")

    if "date" in signed:
        date = view.get("date")
        if date is None:
            raise SignatureInvalid("signed header missing from request: date")
        check_window(
            parse_http_date(date), now, window_seconds, "date outside the accepted window"
        )
    if "(created)" in signed:
        if parsed.created is None:
            raise SignatureInvalid("(created) is signed but the created parameter is missing")
        check_window(parsed.created, now, window_seconds, "created outside the accepted window")
    if "(expires)" in signed or parsed.expires is not None:
        if parsed.expires is None:
            raise SignatureInvalid("(expires) is signed but the expires parameter is missing")
        if parsed.expires < now:
            raise SignatureInvalid("signature has expired")
    if "digest" in signed:
        digest = view.get("digest")
        if digest is None:
            raise SignatureInvalid("signed header missing from request: digest")
        verify_digest_header(digest, body or b"")

    signing_string = _signing_string(
        method, path_with_query, view, signed, parsed.created, parsed.expires
    )
    return PreparedSignature(
        scheme="cavage",
        key_id=parsed.key_id,
        algorithm=parsed.algorithm,
        signed_headers=signed,
        message=signing_string.encode("utf-8"),
        signature=parsed.signature,
    )


def prepare_verification(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
    *,
    scheme: str = "https",
) -> PreparedSignature:
    """Every check except the key operation: parse, policy, window, digest (draft-cavage-12 §3.1, RFC 9421 §3.2).

    Dispatches to RFC 9421 when ``Signature-Input`` is present. ``scheme`` is only used to
    rebuild ``@target-uri`` for RFC 9421. Raises :class:`SignatureInvalid`, nothing else.
    """
    epoch = epoch_seconds(now)
    view = HeaderView(headers)
    if view.values("signature-input"):
        return rfc9421.prepare_rfc9421(
            method, path_with_query, headers, body, now, window_seconds, scheme=scheme
        )
    return _prepare_cavage(method, path_with_query, view, body, epoch, window_seconds)


def verify_prepared(prepared: PreparedSignature, public_key: PublicKey) -> VerifiedSignature:
    """The key operation on a prepared request (draft-cavage-12 §2.5, RFC 9421 §3.2 step 8)."""
    used = verify_signature_bytes(
        prepared.algorithm, public_key, prepared.message, prepared.signature
    )
    if prepared.scheme == "rfc9421" and used == "rsa-sha256":
        used = "rsa-v1_5-sha256"
    return VerifiedSignature(
        key_id=prepared.key_id,
        algorithm=used,
        signed_headers=prepared.signed_headers,
        scheme=prepared.scheme,
    )


def verify_request_with_key(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key: PublicKey,
    now: datetime,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
    *,
    scheme: str = "https",
) -> VerifiedSignature:
    """Synchronous verification when the caller already holds the key (draft-cavage-12 §3.1, RFC 9421 §3.2).

    The caller must still check that the key belongs to ``result.key_id``.
    """
    prepared = prepare_verification(
        method, path_with_query, headers, body, now, window_seconds, scheme=scheme
    )
    return verify_prepared(prepared, public_key)


async def _resolve(resolver: KeyResolver, key_id: str, refresh: bool) -> PublicKey:
    try:
        return await resolver(key_id, refresh)
    except SignatureInvalid:
        raise
    except Exception as exc:
        raise SignatureInvalid("signing key could not be resolved", detail=repr(exc)) from exc


async def verify_request(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_resolver: KeyResolver,
    now: datetime,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
    *,
    scheme: str = "https",
) -> VerifiedSignature:
    """Verify an incoming request, refetching the key once on failure (draft-cavage-12 §3.1, RFC 9421 §3.2).

    ``headers`` may be any mapping (aiohttp's ``CIMultiDictProxy`` or a plain dict); ``body``
    must be the raw bytes received. ``key_resolver(key_id, False)`` is asked first; if the
    key operation fails, ``key_resolver(key_id, True)`` once more. A resolver exception other
    than :class:`SignatureInvalid` becomes "signing key could not be resolved".
    """
    prepared = prepare_verification(
        method, path_with_query, headers, body, now, window_seconds, scheme=scheme
    )
    key = await _resolve(key_resolver, prepared.key_id, False)
    try:
        return verify_prepared(prepared, key)
    except SignatureInvalid:
        pass
    key = await _resolve(key_resolver, prepared.key_id, True)
    return verify_prepared(prepared, key)
