"""Flood documents on the wire: the Flood, a pool's Electorate for a flood proposal, the
flood Proposal's extra fields, and a pool's Attestation of a flood result.

Building is pure. A flood result is summarised as a plain dict (:func:`result_summary`) in the
shape the Attestation carries; SHA-256 over its RFC 8785 JSON is the ``tallyDigest`` two nodes
compare (docs/SPEC.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from governance import (
    Ballot,
    Electorate,
    Flood,
    FloodDecision,
    FloodTally,
    GovernanceError,
    Proposal,
    check_ballot,
    counted_ballot,
    flood_electorate,
    flood_tally,
)
from governance.codec import canonical_json, sha256_hex
from node.wire.errors import InvalidDocument
from node.wire.proposals import proposal_from_documents
from schemas import ACTOR_CONTEXT, AS_PUBLIC, OBJECT_CONTEXT

__all__ = [
    "FloodCount",
    "attestation_document",
    "ballot_list_document",
    "ballot_list_id",
    "document_key",
    "flood_document",
    "flood_electorate_document",
    "flood_proposal",
    "flood_proposal_document",
    "follow_reference",
    "link_activity",
    "recount",
    "result_summary",
    "summary_digest",
]


def flood_proposal_document(
    opened: Mapping[str, Any], flood: str, pools: Sequence[str], double_majority: bool,
    electorate: str,
) -> dict[str, Any]:
    """A pool's opened proposal document (``proposal_document``) made a flood proposal (unsigned)."""
    return {**opened, "flood": flood, "floodPools": sorted(pools),
            "doubleMajority": double_majority, "electorate": electorate}


def link_activity(id: str, kind: str, pool: str, obj: Any, to: str, published: str) -> dict[str, Any]:
    """A pool's Follow, or its Accept/Reject/Undo of a Follow, for a flood link (unsigned)."""
    return {"@context": ACTOR_CONTEXT, "id": id, "type": kind, "actor": pool, "object": obj,
            "to": [to], "published": published}


def follow_reference(follow_id: str, follower: str, followee: str) -> dict[str, Any]:
    """The Follow an Accept, Reject or Undo is about, embedded so the peer need not fetch it."""
    return {"id": follow_id, "type": "Follow", "actor": follower, "object": followee}


def document_key(uri: str) -> str:
    """A short stable path segment for documents a pool publishes about someone else's proposal."""
    return sha256_hex(uri.encode("utf-8"))[:32]


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
        "ballots": ballot_list_id(pool, proposal),
        "published": published,
    }


def ballot_list_id(pool: str, proposal: str) -> str:
    """Where a pool lists the ballots of its own members it accepted for a flood proposal."""
    return f"{pool}/floods/ballots/{document_key(proposal)}"


def ballot_list_document(
    pool: str, proposal: str, closes_at: str, ballots: Sequence[str], complete: bool,
) -> dict[str, Any]:
    """A pool's list of the ballot ids it accepted from its own members (unsigned: each ballot
    carries its voter's proof); ``complete`` once its intake is settled after ``closesAt``."""
    ids = sorted(ballots)
    return {
        "@context": OBJECT_CONTEXT,
        "id": ballot_list_id(pool, proposal),
        "type": "OrderedCollection",
        "attributedTo": pool,
        "pool": pool,
        "proposal": proposal,
        "closesAt": closes_at,
        "complete": complete,
        "totalItems": len(ids),
        "orderedItems": ids,
    }


SUMMARY_FIELDS = (
    "proposal", "flood", "electorates", "electorateDigest", "electorateSize", "participation",
    "votesCast", "counts", "poolOutcomes", "poolsFor", "doubleMajority", "outcome", "absentPools",
)
"""The fields of an Attestation its ``tallyDigest`` covers, each exactly as the Attestation
carries it (docs/SPEC.md §Flood attestation digest)."""


def result_summary(result: FloodTally, flood: str, electorates: Mapping[str, str],
                   pools: Sequence[str] = ()) -> dict[str, Any]:
    """What every node must agree on, in the Attestation's shape: the proposal and flood, each
    pool's electorate digest (a list sorted by pool), the union counts and each pool's outcome."""
    overall = result.overall
    return {
        "proposal": overall.proposal_id,
        "flood": flood,
        "electorates": [{"pool": pool, "electorateDigest": digest}
                        for pool, digest in sorted(electorates.items())],
        "electorateDigest": overall.electorate_digest,
        "electorateSize": overall.electorate_size,
        "participation": overall.participation,
        "votesCast": overall.votes_cast,
        "counts": dict(sorted(overall.to_dict()["counts"].items())),
        "poolOutcomes": {pool: t.outcome.value for pool, t in result.pools},
        "poolsFor": result.pools_for,
        "doubleMajority": result.double_majority,
        "outcome": result.outcome.value,
        # Pools of the proposal whose electorate never arrived (left out of the union at the close).
        "absentPools": sorted(set(pools) - set(electorates)),
    }


def summary_digest(summary: Mapping[str, Any]) -> str:
    """``tallyDigest``: SHA-256 hex of the RFC 8785 JSON of the summary's fields (docs/SPEC.md)."""
    return sha256_hex(canonical_json({field: summary[field] for field in SUMMARY_FIELDS}))


def attestation_document(
    pool: str, summary: Mapping[str, Any], ballots: Sequence[str], published: str,
) -> dict[str, Any]:
    """A pool's attestation of a flood proposal's final result (unsigned); ``ballots`` are the
    counted ballots (each voter's one that counts), listed sorted."""
    proposal = summary["proposal"]
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{pool}/floods/attestations/{document_key(proposal)}",
        "type": "Attestation",
        "attributedTo": pool,
        "pool": pool,
        **{field: summary[field] for field in SUMMARY_FIELDS},
        # Attested only once final: every pool reconciled (docs/PROTOCOL.md §Provisional and final).
        "final": True,
        "pendingPools": [],
        "tallyDigest": summary_digest(summary),
        "ballots": sorted(ballots),
        "published": published,
        "to": [AS_PUBLIC],
    }


def summary_of_attestation(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The result summary an Attestation document states (to compare with our own)."""
    return {field: doc.get(field) for field in SUMMARY_FIELDS}


def stored_summary(summary: Mapping[str, Any], flood: str) -> dict[str, Any]:
    """A summary recorded before it named its flood and listed the electorates (an object by
    pool then), in today's shape, so a late attestation is compared field by field."""
    electorates = summary.get("electorates")
    if isinstance(electorates, dict):
        electorates = [{"pool": p, "electorateDigest": d} for p, d in sorted(electorates.items())]
    return {**summary, "flood": summary.get("flood", flood), "electorates": electorates}


__all__ += ["SUMMARY_FIELDS", "stored_summary", "summary_of_attestation"]


FloodCount = tuple[FloodTally, dict[str, Any], list[str]]
"""A flood result: the tally, its summary (what attestations state) and the counted ballot ids."""


def flood_proposal(
    document: Mapping[str, Any], electorates: Mapping[str, Mapping[str, Any]],
) -> tuple[Proposal, FloodDecision]:
    """The governance proposal and flood decision of a flood Proposal document and the
    pools' Electorate documents (every pool of ``electorates`` is in the union)."""
    try:
        frozen = {
            pool: Electorate.from_dict({"members": list(doc["members"]), "digest": doc["electorateDigest"]})
            for pool, doc in electorates.items()
        }
        union = flood_electorate(frozen)
        proposal = proposal_from_documents(
            {**document, "electorateDigest": union.digest},
            {"members": sorted(union.members), "electorateDigest": union.digest,
             "proposal": document["id"]})
        decision = FloodDecision(Flood(str(document["flood"]), frozenset(frozen)), proposal, frozen,
                                 bool(document.get("doubleMajority")))
    except GovernanceError as exc:
        raise InvalidDocument(f"invalid flood proposal: {exc.reason}") from exc
    except (KeyError, TypeError) as exc:
        raise InvalidDocument(f"invalid flood proposal: {exc!r}") from exc
    return proposal, decision


def recount(
    document: Mapping[str, Any], electorates: Mapping[str, Mapping[str, Any]],
    ballots: Sequence[Ballot], *, final: bool = False,
) -> FloodCount | None:
    """Recount a flood proposal from its signed documents (what every node and any third
    party does, docs/PROTOCOL.md §Floods): ``None`` while a pool's electorate is missing,
    unless ``final``, when the pools without one are left out and listed as ``absentPools``."""
    pools = [str(p) for p in document["floodPools"]]
    present = {p: electorates[p] for p in pools if p in electorates}
    if not present or (len(present) < len(pools) and not final):
        return None
    proposal, decision = flood_proposal(document, present)
    valid: dict[str, list[Ballot]] = {}
    for ballot in ballots:
        try:
            check_ballot(proposal.rule, proposal.electorate, ballot)
        except GovernanceError:
            continue  # e.g. a voter of no pool whose electorate counts, or cast outside the window
        valid.setdefault(ballot.voter, []).append(ballot)
    # Each voter's ballot that counts: the greatest (sequence, published, id); a replaced one
    # is neither counted nor listed.
    counted = [b for b in (counted_ballot(mine) for mine in valid.values()) if b is not None]
    result = flood_tally(decision, counted)
    summary = result_summary(result, decision.flood.id,
                             {p: e.digest for p, e in decision.pool_electorates.items()}, pools)
    return result, summary, sorted(b.id for b in counted)
