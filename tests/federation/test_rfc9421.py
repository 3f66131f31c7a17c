"""RFC 9421 HTTP Message Signatures: Appendix B vectors, round trips, policy, structured fields."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.errors import SignatureInvalid
from federation.httpsig import verify_request, verify_request_with_key, verify_signature_bytes
from federation.keys import PublicKey
from federation.rfc9421 import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    build_signature_base,
    parse_dictionary,
    prepare_rfc9421,
    serialize_inner_list,
    sign_request_rfc9421,
)

# RFC 9421 Appendix B.1.4 (test-key-ed25519) and the B.2 test request.
B14_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
B14_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
TEST_REQUEST_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    ),
    "Content-Length": "18",
}
TEST_REQUEST_BODY = b'{"hello": "world"}'
TEST_REQUEST_TARGET = "/foo?param=Value&Pet=dog"
B26_COVERED = ["date", "@method", "@path", "@authority", "content-type", "content-length"]
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
B26_CREATED = datetime.fromtimestamp(1618884473, UTC)

KEY_ID = "https://pool.example/actors/alice#main-key"
URL = "https://pool.example/actors/bob/inbox"
PATH = "/actors/bob/inbox"
BODY = b'{"type":"Follow"}'
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUB = RSA_KEY.public_key()
ED_KEY = ed25519.Ed25519PrivateKey.generate()
ED_PUB = ED_KEY.public_key()


def b14_keys() -> tuple[ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey]:
    private = serialization.load_pem_private_key(B14_PRIVATE, None)
    public = serialization.load_pem_public_key(B14_PUBLIC)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert isinstance(public, ed25519.Ed25519PublicKey)
    return private, public


# --------------------------------------------------------------------------- Appendix B


def test_b26_signature_base() -> None:
    base = build_signature_base(
        "POST",
        TEST_REQUEST_TARGET,
        TEST_REQUEST_HEADERS,
        B26_COVERED,
        {"created": 1618884473, "keyid": "test-key-ed25519"},
    )
    assert base == B26_BASE


def test_b26_signature_verifies_with_test_key() -> None:
    _, public = b14_keys()
    signature = base64.b64decode(B26_SIGNATURE.split("=", 1)[1].strip(":"))
    assert verify_signature_bytes(None, public, B26_BASE.encode(), signature) == "ed25519"


def test_b26_signing_reproduces_the_rfc_signature() -> None:
    private, _ = b14_keys()
    extra = {k: v for k, v in TEST_REQUEST_HEADERS.items() if k != "Host"}
    headers = sign_request_rfc9421(
        "POST",
        "https://example.com" + TEST_REQUEST_TARGET,
        TEST_REQUEST_BODY,
        "test-key-ed25519",
        private,
        B26_CREATED,
        components=B26_COVERED,
        label="sig-b26",
        extra_headers=extra,
        include_alg=False,
    )
    assert headers["Signature-Input"] == B26_SIGNATURE_INPUT
    assert headers["Signature"] == B26_SIGNATURE


def test_b26_request_is_refused_by_policy_for_missing_content_digest() -> None:
    """The vector does not cover content-digest; our inbox policy requires it on POST."""
    _, public = b14_keys()
    headers = {
        **TEST_REQUEST_HEADERS,
        "Signature-Input": B26_SIGNATURE_INPUT,
        "Signature": B26_SIGNATURE,
    }
    with pytest.raises(SignatureInvalid, match="does not cover content-digest"):
        verify_request_with_key(
            "POST", TEST_REQUEST_TARGET, headers, TEST_REQUEST_BODY, public, B26_CREATED
        )


def test_b26_covered_as_get_verifies_end_to_end() -> None:
    """Same key and components over a GET (no body): full verify through the dispatcher."""
    private, public = b14_keys()
    headers = sign_request_rfc9421(
        "GET",
        "https://example.com" + TEST_REQUEST_TARGET,
        None,
        "test-key-ed25519",
        private,
        B26_CREATED,
        components=["date", "@method", "@path", "@authority", "@query"],
        extra_headers={"Date": TEST_REQUEST_HEADERS["Date"]},
    )
    result = verify_request_with_key(
        "GET", TEST_REQUEST_TARGET, headers, None, public, B26_CREATED + timedelta(seconds=2)
    )
    assert result.scheme == "rfc9421"
    assert result.algorithm == "ed25519"
    assert result.key_id == "test-key-ed25519"


def test_test_request_content_digest_sha512() -> None:
    from federation.digests import verify_content_digest

    assert (
        verify_content_digest(TEST_REQUEST_HEADERS["Content-Digest"], TEST_REQUEST_BODY)
        == "sha-512"
    )


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    ("key", "public", "alg"),
    [(RSA_KEY, RSA_PUB, "rsa-v1_5-sha256"), (ED_KEY, ED_PUB, "ed25519")],
)
def test_round_trip_and_tamper(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, public: PublicKey, alg: str
) -> None:
    headers = sign_request_rfc9421("POST", URL, BODY, KEY_ID, key, NOW)
    assert f'alg="{alg}"' in headers["Signature-Input"]
    result = verify_request_with_key("POST", PATH, headers, BODY, public, NOW)
    assert result.algorithm == alg
    assert result.signed_headers == ("@method", "@target-uri", "content-digest")
    with pytest.raises(SignatureInvalid, match="content-digest does not match body"):
        verify_request_with_key("POST", PATH, headers, BODY[:-1] + b"]", public, NOW)
    with pytest.raises(SignatureInvalid, match="signature does not verify"):
        verify_request_with_key("POST", PATH + "x", headers, BODY, public, NOW)
    with pytest.raises(SignatureInvalid, match="signature does not verify"):
        verify_request_with_key("POST", PATH, headers, BODY, public, NOW, scheme="http")
    sig = bytearray(base64.b64decode(headers["Signature"].split("=", 1)[1].strip(":")))
    sig[5] ^= 1
    bad = {**headers, "Signature": "sig1=:" + base64.b64encode(bytes(sig)).decode() + ":"}
    with pytest.raises(SignatureInvalid, match="signature does not verify"):
        verify_request_with_key("POST", PATH, bad, BODY, public, NOW)


def test_alg_absent_uses_key_type() -> None:
    headers = sign_request_rfc9421("POST", URL, BODY, KEY_ID, RSA_KEY, NOW, include_alg=False)
    assert "alg=" not in headers["Signature-Input"]
    result = verify_request_with_key("POST", PATH, headers, BODY, RSA_PUB, NOW)
    assert result.algorithm == "rsa-v1_5-sha256"


def test_alg_mismatching_key_fails() -> None:
    headers = sign_request_rfc9421("POST", URL, BODY, KEY_ID, RSA_KEY, NOW)
    with pytest.raises(SignatureInvalid, match="key type does not match"):
        verify_request_with_key("POST", PATH, headers, BODY, ED_PUB, NOW)


def test_non_default_port_and_query() -> None:
    url = "http://127.0.0.1:8081/inbox?a=1&b=%20"
    headers = sign_request_rfc9421(
        "GET", url, None, KEY_ID, ED_KEY, NOW, components=["@method", "@target-uri", "@query"]
    )
    verify_request_with_key("GET", "/inbox?a=1&b=%20", headers, None, ED_PUB, NOW, scheme="http")


@settings(max_examples=30, deadline=None)
@given(body=st.binary(max_size=1024))
def test_any_body_round_trips(body: bytes) -> None:
    headers = sign_request_rfc9421("PUT", URL, body, KEY_ID, ED_KEY, NOW)
    verify_request_with_key("PUT", PATH, headers, body, ED_PUB, NOW)


async def test_dispatcher_refetches_key_for_rfc9421() -> None:
    calls: list[bool] = []

    async def resolve(key_id: str, refresh: bool) -> PublicKey:
        calls.append(refresh)
        return ED_PUB if refresh else RSA_PUB

    headers = sign_request_rfc9421("POST", URL, BODY, KEY_ID, ED_KEY, NOW, include_alg=False)
    result = await verify_request("POST", PATH, headers, BODY, resolve, NOW)
    assert result.scheme == "rfc9421"
    assert calls == [False, True]


# --------------------------------------------------------------------------- policy / bad input


def _signed(**kwargs: object) -> dict[str, str]:
    return sign_request_rfc9421("POST", URL, BODY, KEY_ID, ED_KEY, NOW, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "now", "reason"),
    [
        (
            {**_signed(), "Signature-Input": 'sig1=("@method"'},
            NOW,
            "signature-input header is malformed",
        ),
        ({k: v for k, v in _signed().items() if k != "Signature"}, NOW, "signature header missing"),
        ({**_signed(), "Signature": "other=:AAAA:"}, NOW, "no value for the signature-input label"),
        ({**_signed(), "Signature": 'sig1="text"'}, NOW, "signature header is malformed"),
        ({**_signed(), "Signature": "sig1=:@@:"}, NOW, "signature header is malformed"),
        (_signed(), NOW + timedelta(seconds=3601), "created outside the accepted window"),
        (_signed(), NOW - timedelta(seconds=3601), "created outside the accepted window"),
        (_signed(expires_in=10), NOW + timedelta(seconds=11), "signature has expired"),
        (_signed(components=["@target-uri", "content-digest"]), NOW, "does not cover @method"),
        (
            _signed(components=["@method", "@path", "content-digest"]),
            NOW,
            "does not cover the target URI",
        ),
        (_signed(components=["@method", "@target-uri"]), NOW, "does not cover content-digest"),
        (
            {
                k: v
                for k, v in _signed(
                    components=["@method", "@target-uri", "content-digest", "x-missing"],
                    extra_headers={"X-Missing": "1"},
                ).items()
                if k != "X-Missing"
            },
            NOW,
            "missing from request: x-missing",
        ),
        ({**_signed(), "Content-Digest": "md5=:AAAA:"}, NOW, "no supported algorithm"),
        ({**_signed(), "Content-Digest": "sha-256=AAAA"}, NOW, "malformed content-digest"),
    ],
)
def test_bad_rfc9421_inputs(headers: dict[str, str], now: datetime, reason: str) -> None:
    with pytest.raises(SignatureInvalid, match=reason):
        verify_request_with_key("POST", PATH, headers, BODY, ED_PUB, now)


@pytest.mark.parametrize(
    ("signature_input", "reason"),
    [
        ('sig1=("@method" "@target-uri" "content-digest");keyid="k"', "no created timestamp"),
        ('sig1=("@method" "@target-uri" "content-digest");created=1714564800', "no keyid"),
        (
            'sig1=("@method" "@target-uri" "content-digest");created=1714564800;keyid="k";alg="hmac-sha256"',
            "unsupported signature algorithm",
        ),
        (
            'sig1=("@method" "@target-uri" "content-digest");created=1714564800;keyid="k";alg="rsa-pss-sha512"',
            "unsupported signature algorithm",
        ),
        (
            'sig1=("@method" "@target-uri";req "content-digest");created=1714564800;keyid="k"',
            "unsupported component parameter",
        ),
        (
            'sig1=("@method" "@status" "@target-uri" "content-digest");created=1714564800;keyid="k"',
            "unsupported derived component",
        ),
        (
            'sig1=("@method" "@method" "@target-uri" "content-digest");created=1714564800;keyid="k"',
            "covered twice",
        ),
        (
            'sig1=("Date" "@method" "@target-uri" "content-digest");created=1714564800;keyid="k"',
            "invalid component identifier",
        ),
        ('sig1=(@method);created=1714564800;keyid="k"', "signature-input has no usable|malformed"),
        ("sig1=:AAAA:", "no usable signature"),
    ],
)
def test_bad_signature_input_params(signature_input: str, reason: str) -> None:
    headers = {**_signed(), "Signature-Input": signature_input}
    with pytest.raises(SignatureInvalid, match=reason):
        verify_request_with_key("POST", PATH, headers, BODY, ED_PUB, NOW)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=100))
def test_arbitrary_headers_raise_only_signature_invalid(sig_input: str, sig: str) -> None:
    headers = {**_signed(), "Signature-Input": sig_input or "x", "Signature": sig}
    with pytest.raises(SignatureInvalid):
        verify_request_with_key("POST", PATH, headers, BODY, ED_PUB, NOW)


def test_prepare_selects_label() -> None:
    headers = _signed(label="first")
    other = _signed(label="second")
    merged = {
        **headers,
        "Signature-Input": headers["Signature-Input"] + ", " + other["Signature-Input"],
        "Signature": headers["Signature"] + ", " + other["Signature"],
    }
    assert prepare_rfc9421("POST", PATH, merged, BODY, NOW, label="second").key_id == KEY_ID
    assert verify_request_with_key("POST", PATH, merged, BODY, ED_PUB, NOW).scheme == "rfc9421"


# --------------------------------------------------------------------------- RFC 8941


def test_parse_dictionary_round_trip() -> None:
    text = 'a=("x" "y";p=1);k="v";n=-3;t=tok/x;b=:AQI=:;f=?0, b, c=?1;z'
    parsed = parse_dictionary(text)
    a = parsed["a"]
    assert isinstance(a, InnerList)
    assert a.items == (Item("x", {}), Item("y", {"p": 1}))
    assert a.params == {"k": "v", "n": -3, "t": Token("tok/x"), "b": b"\x01\x02", "f": False}
    assert isinstance(a.params["t"], Token)
    assert parsed["b"] == Item(True, {})
    assert parsed["c"] == Item(True, {"z": True})
    assert serialize_inner_list(a) == '("x" "y";p=1);k="v";n=-3;t=tok/x;b=:AQI=:;f=?0'


def test_string_escapes() -> None:
    inner = parse_dictionary(r'a=("q\"uo\\te")')["a"]
    assert isinstance(inner, InnerList)
    assert inner.items[0].value == 'q"uo\\te'
    assert serialize_inner_list(inner) == r'("q\"uo\\te")'


@pytest.mark.parametrize(
    "text",
    [
        "A=1",
        "a=1,",
        "a=(1 2",
        'a="x',
        'a="\\x"',
        "a=:abc",
        "a=1.5",
        "a=1 b=2",
        "a=?2",
        "a=@",
        "a=(1)x",
    ],
)
def test_parse_dictionary_rejects(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)
