"""Key material: base58, FEP-521a multibase, PEM round trips and caching."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from federation.keys import (
    b58decode,
    b58encode,
    ed25519_public_from_multibase,
    ed25519_public_to_multibase,
    generate_actor_keys,
    load_private_key_pem,
    load_public_key_pem,
)


@given(st.binary(max_size=128))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\x01", "112"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    ],
)
def test_base58_known_values(data: bytes, text: str) -> None:
    assert b58encode(data) == text
    assert b58decode(text) == data


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "abc+"])
def test_base58_rejects_outside_alphabet(bad: str) -> None:
    with pytest.raises(ValueError):
        b58decode(bad)


@given(st.binary(min_size=32, max_size=32))
def test_ed25519_multibase_round_trip(seed: bytes) -> None:
    public = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    encoded = ed25519_public_to_multibase(public)
    assert encoded.startswith("z6Mk")
    assert ed25519_public_from_multibase(encoded) == public


def test_fep_521a_known_key() -> None:
    # FEP-8b32 test vector key pair (multicodec ed25519-priv 0x8026 / ed25519-pub 0xed01)
    raw = b58decode("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])
    assert ed25519_public_to_multibase(key.public_key()) == (
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "z" + b58encode(b"\xed\x01" + b"\1" * 31),
        "z0",
    ],
)
def test_multibase_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        ed25519_public_from_multibase(bad)


def test_generated_keys_load_and_cache() -> None:
    keys = generate_actor_keys()
    private = load_private_key_pem(keys.rsa_private_pem)
    public = load_public_key_pem(keys.rsa_public_pem)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert isinstance(public, rsa.RSAPublicKey)
    assert private.key_size == 2048
    assert load_public_key_pem(keys.rsa_public_pem) is public  # parsed once
    ed_private = load_private_key_pem(keys.ed25519_private_pem)
    assert isinstance(ed_private, ed25519.Ed25519PrivateKey)
    assert ed25519_public_to_multibase(ed_private.public_key()) == keys.ed25519_public_multibase
