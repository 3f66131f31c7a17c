"""Key material for actors: RSA-2048 for HTTP signatures, Ed25519 for object proofs.

Private keys are serialised as unencrypted PKCS#8 PEM for storage in the node's data
directory; public keys as SubjectPublicKeyInfo PEM (``publicKey``) and as FEP-521a
``Multikey`` (``publicKeyMultibase``, base58btc of the multicodec-prefixed key).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

__all__ = [
    "ActorKeys",
    "PublicKey",
    "b58decode",
    "b58encode",
    "ed25519_public_from_multibase",
    "ed25519_public_to_multibase",
    "generate_actor_keys",
    "load_private_key_pem",
    "load_public_key_pem",
    "private_key_to_pem",
    "public_key_to_pem",
]

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
# multicodec varint prefix for ed25519-pub (0xed), FEP-521a / did:key.
_ED25519_PUB_PREFIX = b"\xed\x01"


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet) encoding, leading zero bytes kept as '1'."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58_ALPHABET[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; raises ValueError on a character outside the alphabet."""
    n = 0
    for c in text:
        try:
            n = n * 58 + _B58_INDEX[c]
        except KeyError:
            raise ValueError(f"invalid base58 character {c!r}") from None
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def ed25519_public_to_multibase(key: ed25519.Ed25519PublicKey) -> str:
    """FEP-521a ``publicKeyMultibase``: 'z' + base58btc(0xed01 || raw key)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(_ED25519_PUB_PREFIX + raw)


def ed25519_public_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    """Parse a FEP-521a Ed25519 ``publicKeyMultibase``; ValueError if it is not one."""
    if not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc ('z' prefix)")
    data = b58decode(value[1:])
    if not data.startswith(_ED25519_PUB_PREFIX) or len(data) != 34:
        raise ValueError("publicKeyMultibase is not an Ed25519 public key")
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def private_key_to_pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    """PKCS#8 PEM, unencrypted: the node's data directory (mode 0600) protects it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_to_pem(key: PublicKey) -> str:
    """SubjectPublicKeyInfo PEM, the form Mastodon publishes as ``publicKeyPem``."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


@lru_cache(maxsize=4096)
def load_public_key_pem(pem: str) -> PublicKey:
    """Parse a PEM public key once; cached so the hot path never re-parses a PEM."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ValueError("only RSA and Ed25519 public keys are supported")
    return key


@lru_cache(maxsize=1024)
def load_private_key_pem(pem: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """Parse a PEM private key once (cached: signing is on the delivery hot path)."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("only RSA and Ed25519 private keys are supported")
    return key


@dataclass(frozen=True, slots=True)
class ActorKeys:
    """An actor's two key pairs as PEM text, ready to store."""

    rsa_private_pem: str
    rsa_public_pem: str
    ed25519_private_pem: str
    ed25519_public_multibase: str


def generate_actor_keys() -> ActorKeys:
    """Generate an RSA-2048 key (HTTP signatures) and an Ed25519 key (FEP-8b32 proofs)."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    return ActorKeys(
        rsa_private_pem=private_key_to_pem(rsa_key),
        rsa_public_pem=public_key_to_pem(rsa_key.public_key()),
        ed25519_private_pem=private_key_to_pem(ed_key),
        ed25519_public_multibase=ed25519_public_to_multibase(ed_key.public_key()),
    )
