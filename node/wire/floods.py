"""Flood documents on the wire: the Flood, a pool's Electorate for a flood proposal, the
flood Proposal's extra fields, and a pool's Attestation of a flood result.

Building is pure. A flood result is summarised as a plain dict (:func:`result_summary`);
its SHA-256 over canonical JSON is the ``tallyDigest`` two nodes compare.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from governance import FloodTally
from governance.codec import canonical_json
from schemas import AS_PUBLIC, OBJECT_CONTEXT

__all__ = [
    "attestation_document",
    "document_key",
    "flood_document",
    "flood_electorate_document",
    "result_summary",
    "summary_digest",
]


def document_key(uri: str) -> str:
    """A short stable path segment for documents a pool publishes about someone else's proposal."""
    return hashlib.sha256(uri.encode()).hexdigest()[:32]


def flood_document(flood: str, name: str, pool: str, pools: Sequence[str]) -> dict[str, Any]:
    """The Flood as ``pool`` sees it: its id, name and the pools linked in it (unsigned)."""
    return {
        "@context": OBJECT_CONTEXT,
        "id": flood,
        "type": "Flood",
        "name": name,
        "attributedTo": pool,
        "pools": sorted(pools),
        "to": [AS_PUBLIC],
    }


def flood_electorate_document(
    proposal: str, flood: str, pool: str, members: Sequence[str], digest: str, pledge: int,
    published: str,
) -> dict[str, Any]:
    """A pool's frozen electorate for a flood proposal, with its pledge (unsigned)."""
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{pool}/floods/electorates/{document_key(proposal)}",
        "type": "Electorate",
        "attributedTo": pool,
        "pool": pool,
        "flood": flood,
        "proposal": proposal,
        "members": sorted(members),
        "electorateDigest": digest,
        "electorateSize": len(members),
        "pledge": pledge,
        "published": published,
    }


def result_summary(result: FloodTally, electorates: Mapping[str, str]) -> dict[str, Any]:
    """What every node must agree on: union counts, each pool's electorate and outcome, the result."""
    overall = result.overall
    return {
        "proposal": overall.proposal_id,
        "electorates": dict(sorted(electorates.items())),
        "electorateDigest": overall.electorate_digest,
        "electorateSize": overall.electorate_size,
        "participation": overall.participation,
        "votesCast": overall.votes_cast,
        "counts": dict(sorted(overall.to_dict()["counts"].items())),
        "poolOutcomes": {pool: t.outcome.value for pool, t in result.pools},
        "poolsFor": result.pools_for,
        "doubleMajority": result.double_majority,
        "outcome": result.outcome.value,
    }


def summary_digest(summary: Mapping[str, Any]) -> str:
    """SHA-256 hex of the summary's canonical JSON (docs/GOVERNANCE.md §Serialised forms)."""
    return hashlib.sha256(canonical_json(dict(summary))).hexdigest()


def attestation_document(
    pool: str, flood: str, summary: Mapping[str, Any], ballots: Sequence[str], published: str,
) -> dict[str, Any]:
    """A pool's attestation of a flood proposal's final result (unsigned)."""
    proposal = summary["proposal"]
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{pool}/floods/attestations/{document_key(proposal)}",
        "type": "Attestation",
        "attributedTo": pool,
        "pool": pool,
        "flood": flood,
        "proposal": proposal,
        "electorates": [
            {"pool": p, "electorateDigest": d} for p, d in summary["electorates"].items()
        ],
        "electorateDigest": summary["electorateDigest"],
        "electorateSize": summary["electorateSize"],
        "participation": summary["participation"],
        "votesCast": summary["votesCast"],
        "counts": summary["counts"],
        "poolOutcomes": summary["poolOutcomes"],
        "poolsFor": summary["poolsFor"],
        "doubleMajority": summary["doubleMajority"],
        "outcome": summary["outcome"],
        "tallyDigest": summary_digest(summary),
        "ballots": sorted(ballots),
        "published": published,
        "to": [AS_PUBLIC],
    }


def summary_of_attestation(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The result summary an Attestation document states (to compare with our own)."""
    return {
        "proposal": doc["proposal"],
        "electorates": {e["pool"]: e["electorateDigest"] for e in doc["electorates"]},
        "electorateDigest": doc["electorateDigest"],
        "electorateSize": doc["electorateSize"],
        "participation": doc["participation"],
        "votesCast": doc["votesCast"],
        "counts": dict(doc["counts"]),
        "poolOutcomes": dict(doc["poolOutcomes"]),
        "poolsFor": doc["poolsFor"],
        "doubleMajority": doc["doubleMajority"],
        "outcome": doc["outcome"],
    }


__all__ += ["summary_of_attestation"]
