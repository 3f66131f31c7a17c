"""An implementation of docs/SPEC.md written from its text alone, by an outside tester.

It imports nothing of the node (no ``node``, ``governance`` nor ``federation``): only the
standard library and ``cryptography`` for Ed25519. Each function names the section it follows.
Where the text left a choice open, the choice made is marked ``GUESS`` (and filed as a test).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

__all__ = [
    "ZEROS", "b58decode", "b58encode", "ballot_counts", "body_digests", "canonical_time",
    "chain_problems", "consent_tally", "counted_ballots", "document_key", "electorate_digest",
    "entry_hash", "entry_hash_input", "hash_data", "instant", "jcs", "multikey_public",
    "sha256_hex", "sign", "tally_digest", "tally_digest_input", "verify_proof",
]

ZEROS = "0" * 64
MAX_SAFE = 2**53 - 1
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# §1 Canonical JSON -------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValueError("lone surrogate")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _canon(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE:
            raise ValueError("integer outside the safe range")
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    if isinstance(value, dict):
        names = sorted(value, key=lambda k: k.encode("utf-16-be"))  # UTF-16 code units
        return "{" + ",".join(_string(k) + ":" + _canon(value[k]) for k in names) + "}"
    raise ValueError(f"not hashable JSON: {type(value).__name__}")


def jcs(value: Any) -> bytes:
    return _canon(value).encode("utf-8")


# §2 Times ----------------------------------------------------------------------------------

def instant(text: str) -> datetime:
    if not text.endswith("Z"):
        raise ValueError(f"not UTC: {text}")
    body = text[:-1]
    whole, _, fraction = body.partition(".")
    parsed = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    if fraction:
        if not fraction.isdigit() or len(fraction) > 6:
            raise ValueError(f"bad fraction: {text}")
        parsed = parsed.replace(microsecond=int(fraction.ljust(6, "0")))
    return parsed


def canonical_time(text: str) -> str:
    moment = instant(text)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return base + (f".{moment.microsecond:06d}Z" if moment.microsecond else "Z")


# §3 Electorate digest, §4 document keys ------------------------------------------------------

def electorate_digest(members: list[str]) -> tuple[str, int]:
    unique = sorted(set(members))  # Python's sorted is code point order
    return sha256_hex("\n".join(unique).encode("utf-8")), len(unique)


def document_key(identifier: str) -> str:
    return sha256_hex(identifier.encode("utf-8"))[:32]


# §5 Ballots --------------------------------------------------------------------------------

def _answer(ballot: dict[str, Any]) -> str | None:
    # GUESS: §5.1 says "each the number of counted ballots with that `choice`"; on the wire
    # `choice` is a one-element list (docs/PROTOCOL.md examples), so its one element is taken.
    choice = ballot.get("choice")
    if isinstance(choice, list) and len(choice) == 1 and isinstance(choice[0], str):
        return choice[0]
    return choice if isinstance(choice, str) else None


CONSENT = ("agree", "abstain", "disagree", "block")


def counted_ballots(proposal: dict[str, Any], electorate: set[str],
                    ballots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """§5.1: voter → the ballot that counts."""
    opens, closes = instant(proposal["opensAt"]), instant(proposal["closesAt"])
    best: dict[str, tuple[tuple[int, datetime, str], dict[str, Any]]] = {}
    for ballot in ballots:
        voter = ballot.get("attributedTo")
        if ballot.get("proposal") != proposal["id"] or voter not in electorate:
            continue
        published = instant(ballot["published"])
        if not opens <= published < closes:
            continue
        if proposal.get("ballotType", "consent") == "consent" and _answer(ballot) not in CONSENT:
            continue
        key = (int(ballot.get("sequence", 0)), published, str(ballot["id"]))
        if voter not in best or key > best[voter][0]:
            best[voter] = (key, ballot)
    return {voter: pair[1] for voter, pair in best.items()}


def ballot_counts(counted: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(CONSENT, 0)
    for ballot in counted.values():
        counts[str(_answer(ballot))] += 1
    return counts


def consent_tally(proposal: dict[str, Any], electorate_size: int,
                  counted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """§5.1, the consent paragraph."""
    counts = ballot_counts(counted)
    participation = len(counted)
    votes_cast = counts["agree"] + counts["disagree"] + counts["block"]
    qn, qd = (int(x) for x in proposal["quorum"].split("/"))
    tn, td = (int(x) for x in proposal["threshold"].split("/"))
    quorum_met = participation * qd >= qn * electorate_size
    if proposal.get("thresholdComparator", "more_than") == "at_least":
        threshold_met = votes_cast > 0 and counts["agree"] * td >= tn * votes_cast
    else:
        threshold_met = votes_cast > 0 and counts["agree"] * td > tn * votes_cast
    if not quorum_met:
        outcome = "no_quorum"
    elif proposal.get("blockVetoes") and counts["block"]:
        outcome = "vetoed"
    else:
        outcome = "passed" if threshold_met else "rejected"
    return {"counts": counts, "participation": participation, "abstentions": counts["abstain"],
            "votesCast": votes_cast, "quorumMet": quorum_met, "thresholdMet": threshold_met,
            "outcome": outcome}


# §6 Ledger -----------------------------------------------------------------------------------

def entry_hash_input(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "at": canonical_time(entry["published"]),
        "kind": entry["entryKind"],
        "currency": entry["currency"],
        "postings": [{"account": p["account"], "amount": p["amount"]} for p in entry["postings"]],
        "memo": entry.get("memo", ""),
        "reference": entry.get("reference"),
        "recorded_by": entry.get("recordedBy"),
        "prev_hash": entry["previousHash"],
    }


def entry_hash(entry: dict[str, Any]) -> str:
    return sha256_hex(jcs(entry_hash_input(entry)))


def chain_problems(entries: list[dict[str, Any]], head: str) -> list[str]:
    """§6: every entryHash, every link, the head; [] when the chain holds."""
    problems = []
    previous = ZEROS
    for number, entry in enumerate(sorted(entries, key=lambda e: e["sequence"]), start=1):
        if entry["sequence"] != number:
            problems.append(f"gap at {number}")
        if entry["previousHash"] != previous:
            problems.append(f"link {number}")
        if entry_hash(entry) != entry["entryHash"]:
            problems.append(f"entryHash {number}")
        previous = entry["entryHash"]
    if previous != head:
        problems.append("head")
    return problems


# §7 Flood attestation digest -------------------------------------------------------------

DIGEST_MEMBERS = ("proposal", "flood", "electorates", "electorateDigest", "electorateSize",
                  "participation", "votesCast", "counts", "poolOutcomes", "poolsFor",
                  "doubleMajority", "outcome", "absentPools")


def tally_digest_input(attestation: dict[str, Any]) -> dict[str, Any]:
    return {name: attestation[name] for name in DIGEST_MEMBERS}


def tally_digest(attestation: dict[str, Any]) -> str:
    return sha256_hex(jcs(tally_digest_input(attestation)))


# §8 Proofs ---------------------------------------------------------------------------------

def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = ALPHABET[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for ch in text:
        number = number * 58 + ALPHABET.index(ch)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey_public(multibase: str) -> ed25519.Ed25519PublicKey:
    raw = b58decode(multibase[1:]) if multibase.startswith("z") else b""
    if len(raw) != 34 or raw[:2] != b"\xed\x01":
        raise ValueError("not an Ed25519 Multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k not in ("proof", "signature")}
    return hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(unsigned)).digest()


def sign(document: dict[str, Any], key: ed25519.Ed25519PrivateKey, actor: str,
         created: str) -> dict[str, Any]:
    """§8 steps 1-4: the document with a fresh proof by ``actor``."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {"@context": unsigned["@context"], "type": "DataIntegrityProof",
               "cryptosuite": "eddsa-jcs-2022", "verificationMethod": actor + "#ed25519-key",
               "proofPurpose": "assertionMethod", "created": created}
    signature = key.sign(hash_data(unsigned, options))
    return {**unsigned, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def verify_proof(document: dict[str, Any], actor_document: dict[str, Any]) -> str | None:
    """§8 "To verify"; None when it holds, else the reason."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return "no proof"
    method = proof.get("verificationMethod", "")
    actor = method.split("#", 1)[0]
    if actor != actor_document.get("id"):
        return "actor document is not the key's actor"
    author = document.get("attestedBy") or document.get("attributedTo")
    if actor != author:
        return f"signed by {actor}, not by its author {author}"
    keys = [k for k in actor_document.get("assertionMethod", []) if isinstance(k, dict)
            and k.get("type") == "Multikey" and k.get("id") == method and k.get("controller") == actor]
    if not keys:
        return "no such Multikey in the actor's assertionMethod"
    value = proof.get("proofValue", "")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        public = multikey_public(keys[0]["publicKeyMultibase"])
        public.verify(b58decode(value[1:]), hash_data(document, options))
    except (InvalidSignature, ValueError):
        return "proof does not verify"
    return None


# §9 HTTP body digests ----------------------------------------------------------------------

def body_digests(body: bytes) -> tuple[str, str]:
    raw = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return f"SHA-256={raw}", f"sha-256=:{raw}:"
