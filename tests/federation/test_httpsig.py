"""draft-cavage-12 HTTP signatures: round trips, httpsig interop, bad inputs, key refetch."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone

import httpsig as reference
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from federation.errors import SignatureInvalid
from federation.httpsig import (
    VerifiedSignature,
    build_signing_string,
    format_http_date,
    host_header,
    parse_signature_header,
    sign_bytes,
    sign_request,
    verify_request,
    verify_request_with_key,
    verify_signature_bytes,
)
from federation.keys import PublicKey, private_key_to_pem, public_key_to_pem

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
KEY_ID = "https://pool.example/actors/alice#main-key"
URL = "https://pool.example/actors/bob/inbox"
PATH = "/actors/bob/inbox"
BODY = b'{"type":"Create","id":"https://a.example/1"}'

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUB = RSA_KEY.public_key()
OTHER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
ED_KEY = ed25519.Ed25519PrivateKey.generate()
ED_PUB = ED_KEY.public_key()


def resolver_for(
    *keys: PublicKey,
) -> tuple[Callable[[str, bool], Awaitable[PublicKey]], list[bool]]:
    """A resolver handing out ``keys`` in turn (last one repeated), recording refresh flags."""
    calls: list[bool] = []

    async def resolve(key_id: str, refresh: bool) -> PublicKey:
        assert key_id == KEY_ID
        calls.append(refresh)
        return keys[min(len(calls) - 1, len(keys) - 1)]

    return resolve, calls


def signed_post(body: bytes = BODY, now: datetime = NOW) -> dict[str, str]:
    return sign_request("POST", URL, body, KEY_ID, RSA_KEY, now)


def cavage_header(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    method: str,
    path: str,
    headers: Mapping[str, str],
    names: list[str] | None,
    algorithm: str | None = "rsa-sha256",
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """Hand-build a Signature header (to exercise variants our signer does not emit)."""
    covered = names if names is not None else ["date"]
    text = build_signing_string(method, path, headers, covered, created=created, expires=expires)
    sig = base64.b64encode(sign_bytes(key, text.encode())).decode()
    parts = [f'keyId="{KEY_ID}"']
    if algorithm is not None:
        parts.append(f'algorithm="{algorithm}"')
    if created is not None:
        parts.append(f"created={created}")
    if expires is not None:
        parts.append(f"expires={expires}")
    if names is not None:
        parts.append(f'headers="{" ".join(names)}"')
    parts.append(f'signature="{sig}"')
    return ",".join(parts)


# --------------------------------------------------------------------------- signing


def test_sign_post_headers_and_round_trip() -> None:
    headers = signed_post()
    assert headers["Host"] == "pool.example"
    assert headers["Date"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert headers["Digest"].startswith("SHA-256=")
    sig = parse_signature_header(headers["Signature"])
    assert sig.key_id == KEY_ID
    assert sig.algorithm == "rsa-sha256"
    assert sig.headers == ("(request-target)", "host", "date", "digest")
    result = verify_request_with_key("POST", PATH, headers, BODY, RSA_PUB, NOW)
    assert result == VerifiedSignature(
        key_id=KEY_ID,
        algorithm="rsa-sha256",
        signed_headers=("(request-target)", "host", "date", "digest"),
        scheme="cavage",
    )


def test_sign_get_covers_target_host_date() -> None:
    headers = sign_request("GET", URL + "?page=2", None, KEY_ID, RSA_KEY, NOW)
    assert "Digest" not in headers
    assert parse_signature_header(headers["Signature"]).headers == (
        "(request-target)",
        "host",
        "date",
    )
    result = verify_request_with_key("GET", PATH + "?page=2", headers, None, RSA_PUB, NOW)
    assert result.signed_headers == ("(request-target)", "host", "date")


def test_ed25519_signs_hs2019() -> None:
    headers = sign_request("POST", URL, BODY, KEY_ID, ED_KEY, NOW)
    assert parse_signature_header(headers["Signature"]).algorithm == "hs2019"
    result = verify_request_with_key("POST", PATH, headers, BODY, ED_PUB, NOW)
    assert result.algorithm == "ed25519"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://a.example/x", "a.example"),
        ("https://a.example:443/x", "a.example"),
        ("http://a.example:80/x", "a.example"),
        ("https://a.example:8443/x", "a.example:8443"),
        ("http://A.Example:8080/x", "a.example:8080"),
        ("http://[::1]:8080/x", "[::1]:8080"),
    ],
)
def test_host_header_port(url: str, host: str) -> None:
    assert host_header(url) == host


def test_non_default_port_round_trip() -> None:
    headers = sign_request("POST", "http://127.0.0.1:8081/inbox", BODY, KEY_ID, RSA_KEY, NOW)
    assert headers["Host"] == "127.0.0.1:8081"
    verify_request_with_key("POST", "/inbox", headers, BODY, RSA_PUB, NOW)


def test_format_http_date_converts_to_gmt() -> None:
    plus2 = NOW.astimezone(timezone(timedelta(hours=2))) + timedelta(microseconds=500)
    assert format_http_date(plus2) == "Wed, 01 May 2024 12:00:00 GMT"
    with pytest.raises(ValueError):
        format_http_date(datetime(2024, 1, 1))  # naive


def test_case_insensitive_multidict_headers() -> None:
    signed = signed_post()
    lower = CIMultiDictProxy(CIMultiDict((k.lower(), v) for k, v in signed.items()))
    verify_request_with_key("POST", PATH, lower, BODY, RSA_PUB, NOW)
    # a plain dict with lowercase or odd-case names works too
    verify_request_with_key(
        "POST", PATH, {k.upper(): v for k, v in signed.items()}, BODY, RSA_PUB, NOW
    )


def test_authorization_signature_scheme_accepted() -> None:
    headers = signed_post()
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    verify_request_with_key("POST", PATH, headers, BODY, RSA_PUB, NOW)


@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=2048))
def test_any_body_round_trips(body: bytes) -> None:
    headers = signed_post(body)
    verify_request_with_key("POST", PATH, headers, body, RSA_PUB, NOW)
    tampered = bytes([body[0] ^ 1]) + body[1:] if body else b"x"
    with pytest.raises(SignatureInvalid, match="digest does not match body"):
        verify_request_with_key("POST", PATH, headers, tampered, RSA_PUB, NOW)


# --------------------------------------------------------------------------- interop


def test_our_signature_verifies_with_reference_httpsig() -> None:
    headers = signed_post()
    verifier = reference.HeaderVerifier(
        headers,
        public_key_to_pem(RSA_PUB).encode(),
        required_headers=["(request-target)", "host", "date", "digest"],
        method="POST",
        path=PATH,
        sign_header="signature",
    )
    assert verifier.verify()
    get = sign_request("GET", URL, None, KEY_ID, RSA_KEY, NOW)
    assert reference.HeaderVerifier(
        get, public_key_to_pem(RSA_PUB).encode(), method="GET", path=PATH, sign_header="signature"
    ).verify()


def test_reference_httpsig_signature_verifies_with_ours() -> None:
    ours = signed_post()
    signer = reference.HeaderSigner(
        KEY_ID,
        private_key_to_pem(RSA_KEY).encode(),
        algorithm="rsa-sha256",
        headers=["(request-target)", "host", "date", "digest"],
        sign_header="signature",
    )
    theirs = signer.sign(
        {"Host": ours["Host"], "Date": ours["Date"], "Digest": ours["Digest"]},
        method="POST",
        path=PATH,
    )
    result = verify_request_with_key("POST", PATH, theirs, BODY, RSA_PUB, NOW)
    assert result.signed_headers == ("(request-target)", "host", "date", "digest")


# --------------------------------------------------------------------------- hs2019 details


def test_hs2019_created_and_expires() -> None:
    created = int(NOW.timestamp())
    base = {"Host": "pool.example"}
    names = ["(request-target)", "(created)", "(expires)", "host"]
    headers = dict(base)
    headers["Signature"] = cavage_header(
        ED_KEY, "GET", PATH, base, names, "hs2019", created=created, expires=created + 300
    )
    result = verify_request_with_key("GET", PATH, headers, None, ED_PUB, NOW)
    assert result.signed_headers == tuple(names)
    with pytest.raises(SignatureInvalid, match="signature has expired"):
        verify_request_with_key("GET", PATH, headers, None, ED_PUB, NOW + timedelta(seconds=301))
    with pytest.raises(SignatureInvalid, match="created outside the accepted window"):
        verify_request_with_key("GET", PATH, headers, None, ED_PUB, NOW - timedelta(hours=2))


def test_rsa_sha256_rejects_created_pseudo_header() -> None:
    created = int(NOW.timestamp())
    base = {"Host": "pool.example"}
    headers = dict(base)
    headers["Signature"] = cavage_header(
        RSA_KEY, "GET", PATH, base, ["(request-target)", "(created)", "host"], created=created
    )
    with pytest.raises(SignatureInvalid, match=r"\(created\) and \(expires\) are not allowed"):
        verify_request_with_key("GET", PATH, headers, None, RSA_PUB, NOW)


def test_absent_algorithm_uses_key_type() -> None:
    base = {"Host": "pool.example", "Date": format_http_date(NOW)}
    headers = dict(base)
    names = ["(request-target)", "host", "date"]
    headers["Signature"] = cavage_header(RSA_KEY, "GET", PATH, base, names, algorithm=None)
    assert (
        verify_request_with_key("GET", PATH, headers, None, RSA_PUB, NOW).algorithm == "rsa-sha256"
    )


def test_headers_param_defaults_to_date() -> None:
    assert parse_signature_header('keyId="k",signature="AAAA"').headers == ("date",)
    # a date-only signature is parsed, then refused by policy (no target, no host)
    base = {"Date": format_http_date(NOW)}
    headers = dict(base)
    headers["Signature"] = cavage_header(RSA_KEY, "GET", PATH, base, None)
    with pytest.raises(SignatureInvalid, match=r"does not sign \(request-target\)"):
        verify_request_with_key("GET", PATH, headers, None, RSA_PUB, NOW)


def test_multiple_header_instances_joined() -> None:
    text = build_signing_string(
        "GET",
        "/x",
        CIMultiDict([("X-A", " one "), ("x-a", "two")]),
        ["(request-target)", "x-a"],
    )
    assert text == "(request-target): get /x\nx-a: one, two"


def test_verify_signature_bytes_key_type_mismatch() -> None:
    sig = sign_bytes(RSA_KEY, b"m")
    assert verify_signature_bytes("rsa-sha256", RSA_PUB, b"m", sig) == "rsa-sha256"
    with pytest.raises(SignatureInvalid, match="key type does not match"):
        verify_signature_bytes("rsa-sha256", ED_PUB, b"m", sig)
    with pytest.raises(SignatureInvalid, match="unsupported signature algorithm"):
        verify_signature_bytes("hmac-sha256", RSA_PUB, b"m", sig)


# --------------------------------------------------------------------------- bad inputs


def _replace_sig_param(header: str, name: str, value: str) -> str:
    parts = [p for p in header.split(",") if not p.lower().startswith(name.lower() + "=")]
    return ",".join([*parts, f'{name}="{value}"'])


def _bad_cases() -> list[tuple[str, str, str, dict[str, str], bytes | None, str]]:
    """(id, method, path, headers, body, expected reason regex)."""
    post = signed_post()
    get = sign_request("GET", URL, None, KEY_ID, RSA_KEY, NOW)
    date_now = format_http_date(NOW)
    cases: list[tuple[str, str, str, dict[str, str], bytes | None, str]] = []

    def add(
        name: str, method: str, headers: dict[str, str], body: bytes | None, reason: str
    ) -> None:
        cases.append((name, method, PATH, headers, body, reason))

    add(
        "no signature",
        "POST",
        {k: v for k, v in post.items() if k != "Signature"},
        BODY,
        "request is not signed",
    )
    for n, junk in enumerate(
        ['keyId="a', "garbage", 'keyId="a" signature="b"', "=x", 'keyId="a",keyId="b"']
    ):
        add(f"malformed header {n}", "POST", {**post, "Signature": junk}, BODY, "signature header")
    add(
        "missing keyId",
        "POST",
        {**post, "Signature": 'signature="AAAA",headers="date"'},
        BODY,
        "no keyId",
    )
    add(
        "missing signature",
        "POST",
        {**post, "Signature": f'keyId="{KEY_ID}",headers="date"'},
        BODY,
        "has no signature",
    )
    add(
        "bad base64",
        "POST",
        {**post, "Signature": _replace_sig_param(post["Signature"], "signature", "@@@")},
        BODY,
        "not valid base64",
    )
    add(
        "unknown algorithm",
        "POST",
        {**post, "Signature": _replace_sig_param(post["Signature"], "algorithm", "hmac-sha1")},
        BODY,
        "unsupported signature algorithm",
    )
    add("tampered body", "POST", post, BODY + b" ", "digest does not match body")
    add(
        "digest header mismatch",
        "POST",
        {**post, "Digest": "SHA-256=" + base64.b64encode(b"\0" * 32).decode()},
        BODY,
        "digest does not match body",
    )
    add(
        "digest unknown algorithm only",
        "POST",
        {**post, "Digest": "MD5=abc"},
        BODY,
        "no supported algorithm",
    )
    add(
        "digest bad base64",
        "POST",
        {**post, "Digest": "SHA-256=!!!"},
        BODY,
        "digest is not valid base64",
    )
    unsigned_digest = dict(post)
    unsigned_digest["Signature"] = cavage_header(
        RSA_KEY, "POST", PATH, post, ["(request-target)", "host", "date"]
    )
    add("digest unsigned on POST", "POST", unsigned_digest, BODY, "does not sign digest")
    no_host = dict(get)
    no_host["Signature"] = cavage_header(RSA_KEY, "GET", PATH, get, ["(request-target)", "date"])
    add("host unsigned on GET", "GET", no_host, None, "does not sign host")
    no_date = dict(get)
    no_date["Signature"] = cavage_header(RSA_KEY, "GET", PATH, get, ["(request-target)", "host"])
    add("date unsigned", "GET", no_date, None, r"does not sign date or \(created\)")
    add(
        "signed header missing",
        "GET",
        {k: v for k, v in get.items() if k != "Host"},
        None,
        "signed header missing from request: host",
    )
    add("date malformed", "GET", {**get, "Date": "yesterday"}, None, "date header is malformed")
    for label, delta in (("future", 3601), ("past", -3601)):
        moved = format_http_date(NOW + timedelta(seconds=delta))
        shifted = {**get, "Date": moved}
        shifted["Signature"] = cavage_header(
            RSA_KEY, "GET", PATH, shifted, ["(request-target)", "host", "date"]
        )
        add(
            f"date outside window ({label})",
            "GET",
            shifted,
            None,
            "date outside the accepted window",
        )
    replay = sign_request("POST", URL, BODY, KEY_ID, RSA_KEY, NOW - timedelta(days=3))
    add("replayed old date", "POST", replay, BODY, "date outside the accepted window")
    add("wrong path", "POST", post, BODY, "signature does not verify")
    cases[-1] = (
        "wrong path",
        "POST",
        "/actors/carol/inbox",
        post,
        BODY,
        "signature does not verify",
    )
    add(
        "signed date altered",
        "GET",
        {**get, "Date": date_now.replace("12:00:00", "12:00:01")},
        None,
        "signature does not verify",
    )
    return cases


BAD_CASES = _bad_cases()


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "reason"),
    [c[1:] for c in BAD_CASES],
    ids=[c[0] for c in BAD_CASES],
)
async def test_bad_inputs_are_signature_invalid(
    method: str, path: str, headers: dict[str, str], body: bytes | None, reason: str
) -> None:
    resolver, _ = resolver_for(RSA_PUB)
    with pytest.raises(SignatureInvalid, match=reason) as info:
        await verify_request(method, path, headers, body, resolver, NOW)
    assert info.value.status == 401


def test_window_is_configurable_and_inclusive() -> None:
    headers = signed_post(now=NOW - timedelta(seconds=60))
    verify_request_with_key("POST", PATH, headers, BODY, RSA_PUB, NOW, window_seconds=60)
    with pytest.raises(SignatureInvalid, match="date outside the accepted window"):
        verify_request_with_key("POST", PATH, headers, BODY, RSA_PUB, NOW, window_seconds=59)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_signature_header_raises_only_signature_invalid(value: str) -> None:
    headers = {**signed_post(), "Signature": value}
    with pytest.raises(SignatureInvalid):
        verify_request_with_key("POST", PATH, headers, BODY, RSA_PUB, NOW)


# --------------------------------------------------------------------------- key resolution


async def test_verify_request_async_happy_path() -> None:
    resolver, calls = resolver_for(RSA_PUB)
    result = await verify_request("POST", PATH, signed_post(), BODY, resolver, NOW)
    assert result.key_id == KEY_ID
    assert calls == [False]


async def test_stale_key_is_refetched_once() -> None:
    resolver, calls = resolver_for(OTHER_RSA, RSA_PUB)
    result = await verify_request("POST", PATH, signed_post(), BODY, resolver, NOW)
    assert result.scheme == "cavage"
    assert calls == [False, True]


async def test_wrong_key_twice_is_401() -> None:
    resolver, calls = resolver_for(OTHER_RSA)
    with pytest.raises(SignatureInvalid, match="signature does not verify") as info:
        await verify_request("POST", PATH, signed_post(), BODY, resolver, NOW)
    assert info.value.status == 401
    assert calls == [False, True]


async def test_unknown_key_resolver_raises() -> None:
    async def resolve(key_id: str, refresh: bool) -> PublicKey:
        raise LookupError("404 from remote")

    with pytest.raises(SignatureInvalid, match="signing key could not be resolved") as info:
        await verify_request("POST", PATH, signed_post(), BODY, resolve, NOW)
    assert "404" in info.value.detail


async def test_policy_failures_do_not_resolve_keys() -> None:
    resolver, calls = resolver_for(RSA_PUB)
    with pytest.raises(SignatureInvalid):
        await verify_request("POST", PATH, signed_post(), BODY + b"x", resolver, NOW)
    assert calls == []
