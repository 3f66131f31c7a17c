"""RFC 9421 HTTP Message Signatures: verification policy, signature base, and signing.

Only what the fediverse uses: algorithms ``rsa-v1_5-sha256`` and ``ed25519`` (or no ``alg``,
in which case the key type decides), derived components ``@method``, ``@target-uri``,
``@authority``, ``@scheme``, ``@request-target``, ``@path``, ``@query``, and plain header
fields (no component parameters such as ``;sf`` or ``;req``). ``Content-Digest`` (RFC 9530)
must be covered, and must match, on any request carrying a body.

Includes a small RFC 8941 structured-field parser/serialiser covering dictionaries, inner
lists, items, and parameters. ``now`` is an aware ``datetime`` as in :mod:`federation.signing_base`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from federation.digests import content_digest_header, verify_content_digest
from federation.errors import SignatureInvalid
from federation.signing_base import (
    DEFAULT_WINDOW_SECONDS,
    HeaderView,
    PreparedSignature,
    PrivateKey,
    epoch_seconds,
    format_http_date,
    host_header,
    sign_bytes,
)
from federation.structured_fields import (
    BareItem,
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_bare,
    serialize_inner_list,
    serialize_item,
)

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "StructuredFieldError",
    "Token",
    "build_signature_base",
    "parse_dictionary",
    "prepare_rfc9421",
    "serialize_inner_list",
    "serialize_item",
    "sign_request_rfc9421",
]

_ALGORITHMS = frozenset({"rsa-v1_5-sha256", "ed25519"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_MAX_HEADER = 8192


# --------------------------------------------------------------------------- signature base


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    scheme: str
    path: str
    query: str | None
    headers: HeaderView

    def authority(self) -> str:
        host = self.headers.get("host")
        if host is None:
            raise SignatureInvalid("covered component missing from request: host")
        host = host.lower()
        default = {"http": ":80", "https": ":443"}.get(self.scheme)
        if default and host.endswith(default):
            host = host[: -len(default)]
        return host


def _split_target(path_with_query: str) -> tuple[str, str | None]:
    path, sep, query = path_with_query.partition("?")
    return (path or "/"), (query if sep else None)


def _component_value(name: str, req: _Request) -> str:
    if name == "@method":
        return req.method
    if name == "@scheme":
        return req.scheme
    if name == "@authority":
        return req.authority()
    if name == "@path":
        return req.path
    if name == "@query":
        return "?" + (req.query or "")
    if name == "@request-target":
        return req.path + ("?" + req.query if req.query is not None else "")
    if name == "@target-uri":
        target = req.path + ("?" + req.query if req.query is not None else "")
        return f"{req.scheme}://{req.authority()}{target}"
    if name.startswith("@"):
        raise SignatureInvalid(f"unsupported derived component: {name}")
    value = req.headers.get(name)
    if value is None:
        raise SignatureInvalid(f"covered component missing from request: {name}")
    return value


def _covered_names(inner: InnerList) -> tuple[str, ...]:
    names: list[str] = []
    for item in inner.items:
        value = item.value
        if not isinstance(value, str) or isinstance(value, Token):
            raise SignatureInvalid("signature-input is malformed")
        if item.params:
            raise SignatureInvalid(f"unsupported component parameter on {value}")
        if value != value.lower() or not value or value == "@signature-params":
            raise SignatureInvalid(f"invalid component identifier: {value}")
        if value in names:
            raise SignatureInvalid(f"component covered twice: {value}")
        names.append(value)
    return tuple(names)


def _signature_base(req: _Request, inner: InnerList, names: Sequence[str]) -> str:
    lines = [f'"{name}": {_component_value(name, req)}' for name in names]
    lines.append(f'"@signature-params": {serialize_inner_list(inner)}')
    return "\n".join(lines)


def build_signature_base(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    covered: Sequence[str],
    params: Mapping[str, int | str],
    *,
    scheme: str = "https",
) -> str:
    """The signature base for covered components and signature parameters (RFC 9421 §2.5).

    ``params`` are serialised in the given order (``int`` as integer, ``str`` as string).
    """
    inner = InnerList(tuple(Item(name, {}) for name in covered), dict(params))
    path, query = _split_target(path_with_query)
    req = _Request(method.upper(), scheme.lower(), path, query, HeaderView(headers))
    return _signature_base(req, inner, _covered_names(inner))


# --------------------------------------------------------------------------- verification


def _dictionary(view: HeaderView, name: str) -> dict[str, Item | InnerList]:
    raw = view.get(name)
    if raw is None:
        raise SignatureInvalid(f"{name} header missing")
    if len(raw) > _MAX_HEADER:
        raise SignatureInvalid(f"{name} header is too long")
    try:
        return parse_dictionary(raw)
    except StructuredFieldError:
        raise SignatureInvalid(f"{name} header is malformed") from None


def prepare_rfc9421(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
    *,
    scheme: str = "https",
    label: str | None = None,
) -> PreparedSignature:
    """Every RFC 9421 check except the key operation (RFC 9421 §3.2 steps 1-7).

    Uses signature ``label`` or, by default, the first member of ``Signature-Input``.
    Requires ``created`` within the window, ``keyid``, coverage of ``@method`` and of the
    target (``@target-uri``, or ``@path`` with ``@authority``/``host``), and on requests with
    a body coverage of a matching ``content-digest``.
    """
    epoch = epoch_seconds(now)
    view = HeaderView(headers)
    inputs = _dictionary(view, "signature-input")
    signatures = _dictionary(view, "signature")
    if not inputs:
        raise SignatureInvalid("signature-input header is empty")
    if label is None:
        label = next(iter(inputs))
    inner = inputs.get(label)
    if not isinstance(inner, InnerList):
        raise SignatureInvalid("signature-input has no usable signature")
    sig_item = signatures.get(label)
    if sig_item is None:
        raise SignatureInvalid("signature header has no value for the signature-input label")
    if not isinstance(sig_item, Item) or not isinstance(sig_item.value, bytes):
        raise SignatureInvalid("signature header is malformed")

    params = inner.params
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or isinstance(key_id, Token) or not key_id:
        raise SignatureInvalid("signature-input has no keyid")
    alg = params.get("alg")
    if alg is not None and (not isinstance(alg, str) or alg not in _ALGORITHMS):
        raise SignatureInvalid("unsupported signature algorithm")
    created = params.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        raise SignatureInvalid("signature-input has no created timestamp")
    if abs(epoch - created) > window_seconds:
        raise SignatureInvalid("created outside the accepted window")
    expires = params.get("expires")
    if expires is not None:
        if not isinstance(expires, int) or isinstance(expires, bool):
            raise SignatureInvalid("signature-input expires is not an integer")
        if expires < epoch:
            raise SignatureInvalid("signature has expired")

    names = _covered_names(inner)
    upper = method.upper()
    if "@method" not in names:
        raise SignatureInvalid("signature does not cover @method")
    if "@target-uri" not in names and not (
        "@path" in names and ("@authority" in names or "host" in names)
    ):
        raise SignatureInvalid("signature does not cover the target URI")
    if (upper in _BODY_METHODS or body) and "content-digest" not in names:
        raise SignatureInvalid("signature does not cover content-digest")
    if "content-digest" in names:
        value = view.get("content-digest")
        if value is None:
            raise SignatureInvalid("covered component missing from request: content-digest")
        verify_content_digest(value, body or b"")

    path, query = _split_target(path_with_query)
    req = _Request(upper, scheme.lower(), path, query, view)
    base = _signature_base(req, inner, names)
    return PreparedSignature(
        scheme="rfc9421",
        key_id=key_id,
        algorithm=alg if isinstance(alg, str) else None,
        signed_headers=names,
        message=base.encode("utf-8"),
        signature=sig_item.value,
    )


# --------------------------------------------------------------------------- signing


def sign_request_rfc9421(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
    *,
    components: Sequence[str] | None = None,
    label: str = "sig1",
    extra_headers: Mapping[str, str] | None = None,
    include_alg: bool = True,
    expires_in: int | None = None,
) -> dict[str, str]:
    """Headers to send for an RFC 9421 signed request (RFC 9421 §3.1).

    Default coverage is ``@method @target-uri`` plus ``content-digest`` when there is a
    body. Returns Host, Date, Content-Digest (with a body), ``extra_headers`` (sent as given,
    overriding Host/Date if named), Signature-Input and Signature. Parameters are
    ``created``, ``expires`` (if ``expires_in``), ``keyid`` and ``alg`` (unless
    ``include_alg`` is false), in that order.
    """
    created = epoch_seconds(now)
    out = {"Host": host_header(url), "Date": format_http_date(now)}
    if body is not None:
        out["Content-Digest"] = content_digest_header(body)
    if extra_headers:
        out.update(extra_headers)
    if components is None:
        components = ["@method", "@target-uri"]
        if body is not None:
            components.append("content-digest")
    params: dict[str, BareItem] = {"created": created}
    if expires_in is not None:
        params["expires"] = created + expires_in
    params["keyid"] = key_id
    if include_alg:
        params["alg"] = (
            "rsa-v1_5-sha256" if isinstance(private_key, rsa.RSAPrivateKey) else "ed25519"
        )
    inner = InnerList(tuple(Item(name, {}) for name in components), params)
    parts = urlsplit(url)
    req = _Request(
        method.upper(),
        parts.scheme.lower(),
        parts.path or "/",
        parts.query if parts.query or url.endswith("?") else None,
        HeaderView(out),
    )
    base = _signature_base(req, inner, _covered_names(inner))
    signature = sign_bytes(private_key, base.encode("utf-8"))
    out["Signature-Input"] = f"{label}={serialize_inner_list(inner)}"
    out["Signature"] = f"{label}={serialize_bare(signature)}"
    return out
