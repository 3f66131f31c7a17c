"""An outside recount of a flood consent proposal, written from docs/PROTOCOL.md ("Verifying a
flood result as a third party", "Closing", "Ballot order") and docs/GOVERNANCE.md ("consent")
alone, sharing no code with the node: every document is read over HTTP and every proof is
checked here (eddsa-jcs-2022: Ed25519 over SHA-256(JCS(proof options)) || SHA-256(JCS(document
without proof)), keys as Multikey ``z`` + base58btc(0xed01 || key)).

The ballots counted are those on the pools' own ballot lists (what each pool accepted from its
members before ``closesAt``), each accepted only on its voter's proof, cast no later than
``closesAt``, by a voter in that pool's electorate; a voter's last ballot by
``(sequence, published, id)`` counts once across pools.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.multinode.harness import NodeProcess

__all__ = ["Recount", "recount_flood"]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _jcs(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Recount:
    """What an outsider finds: counts, participation, electorate size, outcome, counted ids."""

    counts: dict[str, int]
    participation: int
    electorate_size: int
    outcome: str
    ballots: frozenset[str]
    absent: tuple[str, ...]


def _get(reader: NodeProcess, url: str) -> tuple[int, dict[str, Any]]:
    return reader.request("GET", url)


def _verified(reader: NodeProcess, document: dict[str, Any], signer: str) -> dict[str, Any]:
    """The document, once its proof is checked against ``signer``'s assertion key."""
    proof = dict(document["proof"])
    assert proof["verificationMethod"].split("#")[0] == signer, (signer, proof["verificationMethod"])
    status, actor = _get(reader, signer)
    assert status == 200, (signer, status)
    keys = [m for m in actor.get("assertionMethod", []) if isinstance(m, dict)
            and m.get("id") == proof["verificationMethod"]]
    assert keys, f"{signer} publishes no key {proof['verificationMethod']}"
    raw = _b58(keys[0]["publicKeyMultibase"][1:])
    assert raw[:2] == b"\xed\x01"
    value = proof.pop("proofValue")
    assert value.startswith("z")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {**proof, "@context": document["@context"]} if "@context" in document else proof
    data = hashlib.sha256(_jcs(options)).digest() + hashlib.sha256(_jcs(unsecured)).digest()
    try:
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(_b58(value[1:]), data)
    except InvalidSignature:
        raise AssertionError(f"the proof of {document.get('id')} does not verify against {signer}") from None
    return document


def recount_flood(reader: NodeProcess, proposal_id: str) -> Recount:
    """Recount a flood consent proposal from its signed documents, read through ``reader``."""
    status, proposal = _get(reader, proposal_id)
    assert status == 200, (proposal_id, status)
    proposal = _verified(reader, proposal, proposal["attributedTo"])
    closes = _time(proposal["closesAt"])
    key = hashlib.sha256(proposal_id.encode()).hexdigest()[:32]
    electorates: dict[str, set[str]] = {}
    absent = []
    for pool in proposal["floodPools"]:
        status, electorate = _get(reader, f"{pool}/floods/electorates/{key}")
        if status == 404:
            absent.append(pool)
            continue
        assert status == 200, (pool, status)
        electorate = _verified(reader, electorate, pool)
        members = sorted(electorate["members"])
        assert electorate["electorateDigest"] == hashlib.sha256("\n".join(members).encode()).hexdigest()
        assert _time(electorate["published"]) < closes, "an electorate frozen after the close"
        electorates[pool] = set(members)
    union = set().union(*electorates.values())
    latest: dict[str, dict[str, Any]] = {}
    for pool, members in electorates.items():
        status, listed = _get(reader, f"{pool}/floods/ballots/{key}")
        assert status == 200 and listed["complete"] is True, (pool, status, listed)
        for uri in listed["orderedItems"]:
            status, ballot = _get(reader, uri)
            assert status == 200, (uri, status)
            ballot = _verified(reader, ballot, ballot["attributedTo"])
            if (ballot["proposal"] != proposal_id or ballot["pool"] != pool
                    or ballot["attributedTo"] not in members or _time(ballot["published"]) > closes):
                continue
            order = (ballot.get("sequence", 0), _time(ballot["published"]), ballot["id"])
            held = latest.get(ballot["attributedTo"])
            if held is None or order > (held.get("sequence", 0), _time(held["published"]), held["id"]):
                latest[ballot["attributedTo"]] = ballot
    counts = {"agree": 0, "abstain": 0, "disagree": 0, "block": 0}
    for ballot in latest.values():
        counts[ballot["choice"][0]] += 1
    cast = counts["agree"] + counts["disagree"] + counts["block"]
    threshold = Fraction(proposal["threshold"])
    quorum = Fraction(proposal["quorum"])
    if len(latest) < quorum * len(union):
        outcome = "no_quorum"
    elif proposal.get("blockVetoes") and counts["block"]:
        outcome = "vetoed"
    elif cast and (Fraction(counts["agree"], cast) > threshold if proposal["thresholdComparator"] == "more_than"
                   else Fraction(counts["agree"], cast) >= threshold):
        outcome = "passed"
    else:
        outcome = "rejected"
    return Recount(counts, len(latest), len(union), outcome, frozenset(b["id"] for b in latest.values()),
                   tuple(sorted(absent)))
