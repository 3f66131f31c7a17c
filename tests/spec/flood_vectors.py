"""The flood attestation vectors of docs/SPEC.md (docs/vectors/flood-attestation.json), built by
``node.wire.floods``: commons and river decide together; ana is in both pools and changes her vote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from governance import Ballot, Bylaws, Disbursement, Roster, electorate_digest, open_proposal
from governance.codec import canonical_json
from node.wire import ballot_document, ballot_from_document, proposal_document
from node.wire.floods import (
    SUMMARY_FIELDS,
    attestation_document,
    document_key,
    flood_electorate_document,
    flood_proposal_document,
    recount,
)

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
COMMONS, RIVER = "https://pool.example/pools/commons", "https://r.example/pools/river"
ANA, BO = "https://ana.example/users/ana", "https://pool.example/users/bo"
CY, DAN = "https://r.example/users/cy", "https://d.example/users/dan"
FLOOD = COMMONS + "/floods/delta"
PROPOSAL = COMMONS + "/floods/proposals/9c1e4b7a-2f3d-4e5a-8b6c-0d1e2f3a4b5c"


def _bare(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "@context"}


def _ballot(voter: str, via: str, key: str, at: datetime, choice: str, sequence: int) -> dict[str, Any]:
    ballot = Ballot(f"{voter.rsplit('/users/', 1)[0]}/ballots/{key}", PROPOSAL, voter, at, (choice,), sequence)
    return _bare(ballot_document(ballot, via))


def _case(name: str, present: list[str], ballots: list[dict[str, Any]]) -> dict[str, Any]:
    roster = Roster.found([ANA, BO], AT - timedelta(days=30))
    opened = open_proposal(id=PROPOSAL, author=ANA, title="Shared van",
                           motion=Disbursement(1000, "EUR", "Van rental", "a van for both pools"),
                           bylaws=Bylaws("Commons", "Share tools.", "EUR"),
                           electorate=roster.electorate(), opens_at=AT)
    proposal = _bare(flood_proposal_document(
        proposal_document(opened, COMMONS, "2025-03-01T12:00:00Z"), FLOOD, [COMMONS, RIVER], False,
        f"{COMMONS}/floods/electorates/{document_key(PROPOSAL)}"))
    members = {COMMONS: sorted([ANA, BO]), RIVER: sorted([ANA, CY])}
    electorates = {pool: _bare(flood_electorate_document(
        PROPOSAL, FLOOD, pool, members[pool], electorate_digest(members[pool]), pledge,
        "2025-03-01T12:00:00Z")) for pool, pledge in ((COMMONS, 6000), (RIVER, 3000)) if pool in present}
    counted = recount(proposal, electorates, [ballot_from_document(b) for b in ballots], final=True)
    assert counted is not None
    _, summary, ids = counted
    attestation = _bare(attestation_document(COMMONS, summary, ids, "2025-03-08T12:00:00Z"))
    covered = {field: attestation[field] for field in SUMMARY_FIELDS}
    return {"name": name, "proposal": proposal, "electorates": list(electorates.values()),
            "ballots": ballots, "attestation": attestation,
            "digestInput": canonical_json(covered).decode("utf-8"),
            "tallyDigest": attestation["tallyDigest"], "countedBallots": ids}


def flood_vectors() -> dict[str, Any]:
    hour = AT + timedelta(hours=1)
    closes = AT + timedelta(days=7)
    ballots = [
        _ballot(ANA, COMMONS, "1", hour, "agree", 1),
        _ballot(ANA, RIVER, "2", hour + timedelta(minutes=5), "disagree", 2),  # replaces ana's first
        _ballot(BO, COMMONS, "3", hour, "agree", 1),
        _ballot(CY, RIVER, "4", hour + timedelta(microseconds=10), "agree", 1),
        _ballot(DAN, RIVER, "5", hour, "agree", 1),  # in no electorate: not counted
        _ballot(CY, RIVER, "6", closes, "block", 2),  # cast at the close: not counted
    ]
    return {"description": "a flood attestation's tallyDigest and counted ballots",
            "vectors": [_case("both-pools", [COMMONS, RIVER], ballots),
                        _case("river-absent", [COMMONS], ballots)]}
