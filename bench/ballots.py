"""Benchmark 2: ballots with FEP-8b32 proofs, verified and counted.

The pools engine (ballots arriving in a pool's inbox) has not landed, so this measures
the same work against the cores directly: for each signed ballot document, look up the
voter's Ed25519 key, ``federation.proofs.verify_proof_with_key``, check the proof's
controller is the voter, build a ``governance.Ballot`` and ``TallyState.add`` it.
Documents are signed before the clock starts. Switch to the real inbox when it lands.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from bench import govdata
from bench.report import Row
from bench.sizes import Sizes
from federation.proofs import create_proof, verify_proof_with_key
from governance import Ballot, Change, TallyState
from governance.ballots import CONSENT_CHOICES
from governance.codec import datetime_from_str, datetime_to_str

__all__ = ["run", "signed_ballots", "verify_and_count"]

NAME = "2 ballots"
AS2 = "https://www.w3.org/ns/activitystreams"
DI = "https://w3id.org/security/data-integrity/v2"


def signed_ballots(
    voters: int, count: int, proposal_id: str
) -> tuple[list[dict[str, Any]], dict[str, ed25519.Ed25519PublicKey]]:
    """``count`` ballot documents cycling over ``voters``, each with an eddsa-jcs-2022 proof."""
    keys = [ed25519.Ed25519PrivateKey.generate() for _ in range(voters)]
    public = {f"{govdata.member(i)}#ed25519-key": k.public_key() for i, k in enumerate(keys)}
    documents = []
    for n in range(count):
        i = n % voters
        voter = govdata.member(i)
        cast_at = govdata.OPENS + timedelta(minutes=1 + n // voters)
        document = {
            "@context": [AS2, DI],
            "id": f"{voter}/ballots/{n}",
            "type": "Note",
            "attributedTo": voter,
            "inReplyTo": proposal_id,
            "name": CONSENT_CHOICES[(n * 7) % 4],
            "published": datetime_to_str(cast_at),
        }
        documents.append(create_proof(document, keys[i], f"{voter}#ed25519-key", cast_at))
    return documents, public


def verify_and_count(
    state: TallyState, documents: list[dict[str, Any]], keys: dict[str, ed25519.Ed25519PublicKey]
) -> int:
    """Verify each proof, then count the ballot; returns how many were counted or replaced."""
    counted = 0
    for document in documents:
        method = document["proof"]["verificationMethod"]
        verified = verify_proof_with_key(document, keys[method])
        voter = document["attributedTo"]
        if verified.controller != voter:
            raise ValueError("proof is not by the voter")
        ballot = Ballot(
            document["id"], document["inReplyTo"], voter,
            datetime_from_str(document["published"]), (document["name"],),
        )
        if state.add(ballot) in (Change.COUNTED, Change.REPLACED):
            counted += 1
    return counted


def run(sizes: Sizes) -> list[Row]:
    """Verified and counted ballots per second, and the proof-only share of the time."""
    rule = govdata.rule()
    electorate = govdata.electorate(sizes.ballot_voters)
    documents, keys = signed_ballots(sizes.ballot_voters, sizes.ballots, rule.proposal_id)
    state = TallyState(rule, electorate)
    t0 = time.perf_counter()
    counted = verify_and_count(state, documents, keys)
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    for document in documents:
        verify_proof_with_key(document, keys[document["proof"]["verificationMethod"]])
    proofs_only = time.perf_counter() - t0
    result = state.result()
    well_formed = counted == sizes.ballots and result.participation == sizes.ballot_voters
    note = ("governance core + verify_proof_with_key (pools inbox not landed); "
            f"{sizes.ballots:,} ballots from {sizes.ballot_voters:,} voters")
    return [
        Row(NAME, "verified and counted ballots/s", sizes.ballots / elapsed, "/s", note=note),
        Row(NAME, "proof verification share of that time", proofs_only / elapsed * 100, "%"),
        Row(NAME, "every ballot counted, one per voter in the result", float(well_formed), "",
            "= 1", well_formed, f"participation {result.participation}"),
    ]
