"""docs/SPEC.md implemented from its text alone, to prove the text is enough.

It imports nothing of the node (no ``node``, ``governance``, ``federation`` or ``schemas``;
tests/spec/test_independent.py checks that), only the standard library, ``rfc8785`` for JCS and
``cryptography`` for Ed25519. Section numbers below are the spec's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ZEROS = "0" * 64
CONSENT = ("agree", "abstain", "disagree", "block")
SUMMARY = ("proposal", "flood", "electorates", "electorateDigest", "electorateSize", "participation",
           "votesCast", "counts", "poolOutcomes", "poolsFor", "doubleMajority", "outcome", "absentPools")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jcs(value: Any) -> bytes:
    """§1: RFC 8785, UTF-8."""
    return rfc8785.dumps(value)


def code_point_sorted(strings: Iterable[str]) -> list[str]:
    """Conventions: sorted scalar value by scalar value (not by UTF-16 code units)."""
    return sorted(strings, key=lambda text: [ord(c) for c in text])


_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z$")


def parse_time(text: str) -> datetime:
    """§2: an instant in UTC."""
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"not a UTC time: {text!r}")
    fraction = (match[7] or "").ljust(6, "0")
    return datetime(*(int(match[i]) for i in range(1, 7)), int(fraction or 0), tzinfo=UTC)


def canonical_time(text: str) -> str:
    """§2: YYYY-MM-DDTHH:MM:SSZ, or with exactly six fraction digits when not a whole second."""
    moment = parse_time(text)
    whole = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return whole + (f".{moment.microsecond:06d}Z" if moment.microsecond else "Z")


def electorate_digest(members: Iterable[str]) -> str:
    """§3."""
    return sha256_hex("\n".join(code_point_sorted(set(members))).encode("utf-8"))


def document_key(proposal_id: str) -> str:
    """§4."""
    return sha256_hex(proposal_id.encode("utf-8"))[:32]


# §5.1 Which ballot counts.

def _answer(ballot: Mapping[str, Any]) -> list[str]:
    answer = ballot.get("ranking", ballot.get("choice", []))
    return [answer] if isinstance(answer, str) else list(answer)


def is_valid(ballot: Mapping[str, Any], proposal: Mapping[str, Any], electorate: set[str]) -> bool:
    """§5.1 for a consent proposal: its proposal, a voter of the electorate, inside the window,
    one consent answer."""
    at = parse_time(ballot["published"])
    return (ballot.get("proposal") == proposal["id"] and ballot.get("attributedTo") in electorate
            and parse_time(proposal["opensAt"]) <= at < parse_time(proposal["closesAt"])
            and len(_answer(ballot)) == 1 and _answer(ballot)[0] in CONSENT)


def counting_key(ballot: Mapping[str, Any]) -> tuple[int, datetime, list[int]]:
    return (int(ballot.get("sequence", 0)), parse_time(ballot["published"]),
            [ord(c) for c in ballot["id"]])


def counted(ballots: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Each voter's ballot with the greatest (sequence, published, id)."""
    best: dict[str, Mapping[str, Any]] = {}
    for ballot in ballots:
        voter = ballot["attributedTo"]
        if voter not in best or counting_key(best[voter]) < counting_key(ballot):
            best[voter] = ballot
    return best


def _fraction(text: str) -> tuple[int, int]:
    numerator, denominator = text.split("/")
    return int(numerator), int(denominator)


def consent_tally(proposal: Mapping[str, Any], size: int, ballots: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """§5.1: the counts and outcome of a consent proposal from its counted ballots."""
    counts = dict.fromkeys(CONSENT, 0)
    for ballot in ballots:
        counts[_answer(ballot)[0]] += 1
    participation = sum(counts.values())
    votes = counts["agree"] + counts["disagree"] + counts["block"]
    qn, qd = _fraction(proposal["quorum"])
    tn, td = _fraction(proposal["threshold"])
    quorum = participation * qd >= qn * size
    if proposal["thresholdComparator"] == "more_than":
        threshold = votes > 0 and counts["agree"] * td > tn * votes
    else:
        threshold = votes > 0 and counts["agree"] * td >= tn * votes
    if not quorum:
        outcome = "no_quorum"
    elif proposal.get("blockVetoes") and counts["block"]:
        outcome = "vetoed"
    else:
        outcome = "passed" if threshold else "rejected"
    return {"counts": counts, "participation": participation, "abstentions": counts["abstain"],
            "votesCast": votes, "quorumMet": quorum, "thresholdMet": threshold, "outcome": outcome}


def recount(proposal: Mapping[str, Any], members: Iterable[str],
            ballots: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """§5.1, §5.2: a consent proposal's tally fields and its counted ballot ids (sorted)."""
    electorate = set(members)
    chosen = counted(b for b in ballots if is_valid(b, proposal, electorate))
    result = consent_tally(proposal, len(electorate), chosen.values())
    result.update(electorateDigest=electorate_digest(electorate), electorateSize=len(electorate))
    return result, code_point_sorted(b["id"] for b in chosen.values())


def ballots_digest(ids: Iterable[str]) -> str:
    """§5.3: SHA-256 of each ballot id's UTF-8 bytes followed by one LF, in the given order."""
    return sha256_hex(b"".join(i.encode("utf-8") + b"\n" for i in ids))


# §6 Ledger.

def entry_hash_input(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": entry["id"], "at": canonical_time(entry["published"]), "kind": entry["entryKind"],
            "currency": entry["currency"],
            "postings": [{"account": p["account"], "amount": p["amount"]} for p in entry["postings"]],
            "memo": entry.get("memo", ""), "reference": entry.get("reference"),
            "recorded_by": entry.get("recordedBy"), "prev_hash": entry["previousHash"]}


def entry_hash(entry: Mapping[str, Any]) -> str:
    return sha256_hex(jcs(entry_hash_input(entry)))


def chain_head(entries: Iterable[Mapping[str, Any]]) -> str:
    """The head of a complete chain; ValueError naming the first entry that breaks it."""
    head = ZEROS
    for expected, entry in enumerate(sorted(entries, key=lambda e: int(e["sequence"])), start=1):
        if int(entry["sequence"]) != expected:
            raise ValueError(f"sequence {expected} is missing")
        if entry["previousHash"] != head:
            raise ValueError(f"entry {expected} does not link to the one before")
        if entry_hash(entry) != entry["entryHash"]:
            raise ValueError(f"entry {expected}'s entryHash is not the hash of its contents")
        head = entry["entryHash"]
    return head


# §7 Flood attestation.

def attestation_digest(attestation: Mapping[str, Any]) -> str:
    return sha256_hex(jcs({field: attestation[field] for field in SUMMARY}))


def flood_result(proposal: Mapping[str, Any], electorates: Iterable[Mapping[str, Any]],
                 ballots: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """§7: the attested members of a consent flood proposal from the present pools'
    electorates (each frozen before the close) and every ballot known."""
    closes = parse_time(proposal["closesAt"])
    present = {e["pool"]: e for e in electorates
               if e["pool"] in proposal["floodPools"] and parse_time(e["published"]) < closes}
    union = set().union(*(set(e["members"]) for e in present.values()))
    chosen = counted(b for b in ballots if is_valid(b, proposal, union))
    overall = consent_tally(proposal, len(union), chosen.values())
    outcomes = {}
    for pool, electorate in present.items():
        mine = [b for voter, b in chosen.items() if voter in electorate["members"]]
        outcomes[pool] = consent_tally(proposal, len(set(electorate["members"])), mine)["outcome"]
    pools_for = sum(1 for outcome in outcomes.values() if outcome == "passed")
    double = bool(proposal.get("doubleMajority", False))
    outcome = overall["outcome"]
    if double and outcome == "passed" and not 2 * pools_for > len(present):
        outcome = "rejected"
    return {
        "proposal": proposal["id"], "flood": proposal["flood"],
        "electorates": [{"pool": p, "electorateDigest": electorate_digest(present[p]["members"])}
                        for p in code_point_sorted(present)],
        "electorateDigest": electorate_digest(union), "electorateSize": len(union),
        "participation": overall["participation"], "votesCast": overall["votesCast"],
        "counts": overall["counts"], "poolOutcomes": outcomes, "poolsFor": pools_for,
        "doubleMajority": double, "outcome": outcome,
        "absentPools": code_point_sorted(set(proposal["floodPools"]) - set(present)),
        "ballots": code_point_sorted(b["id"] for b in chosen.values()),
    }


# §8 Integrity proofs.

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number, digits = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        digits = _B58[rest] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey(public_key_multibase: str) -> Ed25519PublicKey:
    raw = b58decode(public_key_multibase.removeprefix("z"))
    if not public_key_multibase.startswith("z") or raw[:2] != b"\xed\x01" or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def public_multibase(seed_hex: str) -> str:
    public = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)).public_key()
    return "z" + b58encode(b"\xed\x01" + public.public_bytes_raw())


def hash_data(document: Mapping[str, Any]) -> bytes:
    options = {k: v for k, v in document["proof"].items() if k != "proofValue"}
    bare = {k: v for k, v in document.items() if k not in ("proof", "signature")}
    return hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(bare)).digest()


def verify_proof(document: Mapping[str, Any], public_key_multibase: str) -> bool:
    proof = document["proof"]
    if (proof.get("type"), proof.get("cryptosuite"), proof.get("proofPurpose")) != (
            "DataIntegrityProof", "eddsa-jcs-2022", "assertionMethod"):
        return False
    try:
        signature = b58decode(str(proof["proofValue"]).removeprefix("z"))
        multikey(public_key_multibase).verify(signature, hash_data(document))
    except (InvalidSignature, ValueError):
        return False
    return True


def signer(document: Mapping[str, Any]) -> str:
    """The actor whose key must have made the proof: the ballot's attester, else the author."""
    return str(document.get("attestedBy") or document["attributedTo"])


def sign(document: Mapping[str, Any], seed_hex: str, method: str, created: str) -> dict[str, Any]:
    """§8 steps 1-4 (Ed25519 is deterministic: the same seed gives the node's proofValue)."""
    options = {"@context": document["@context"], "type": "DataIntegrityProof",
               "cryptosuite": "eddsa-jcs-2022", "verificationMethod": method,
               "proofPurpose": "assertionMethod", "created": created}
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    data = hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(unsigned)).digest()
    value = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)).sign(data)
    return {**unsigned, "proof": {**options, "proofValue": "z" + b58encode(value)}}


# §9 HTTP body digests.

def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


__all__ = [
    "ZEROS", "attestation_digest", "b58decode", "b58encode", "canonical_time", "chain_head",
    "code_point_sorted", "consent_tally", "content_digest_header", "counted", "digest_header",
    "document_key", "electorate_digest", "entry_hash", "entry_hash_input", "flood_result",
    "hash_data", "is_valid", "jcs", "multikey", "parse_time", "public_multibase", "recount",
    "sha256_hex", "sign", "signer", "verify_proof",
]
