"""The flood checks: a pool's electorate, the relay rules of a listed ballot, an attestation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from governance import electorate_digest
from node.verify.flood_checks import check_attestation, check_flood_electorate, relay_refusal
from node.verify.report import Report, Verdict
from node.wire.floods import summary_digest

PROPOSAL = "http://b.test/pools/commons/floods/proposals/1"
FLOOD = "http://b.test/pools/commons/floods/delta"
RIVER = "http://c.test/pools/river"
ANA, CY = "http://a.test/users/ana", "http://c.test/users/cy"
CLOSES = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
SUMMARY = {"proposal": PROPOSAL, "flood": FLOOD,
           "electorates": [{"pool": RIVER, "electorateDigest": "a" * 64}], "electorateDigest": "b" * 64,
           "electorateSize": 2, "participation": 2, "votesCast": 2,
           "counts": {"abstain": 0, "agree": 1, "block": 0, "disagree": 1},
           "poolOutcomes": {RIVER: "rejected"}, "poolsFor": 0, "doubleMajority": False,
           "outcome": "rejected", "absentPools": []}


def _electorate(members: list[str], published: str) -> dict[str, Any]:
    return {"id": RIVER + "/floods/electorates/k", "proposal": PROPOSAL, "flood": FLOOD, "members": members,
            "electorateDigest": electorate_digest(members), "electorateSize": len(members),
            "published": published}


def _attestation(**changes: Any) -> dict[str, Any]:
    stated = {**SUMMARY, **changes}
    return {"id": RIVER + "/floods/attestations/k", "type": "Attestation",
            **stated,
            "final": True, "pendingPools": [], "tallyDigest": summary_digest(stated),
            "ballots": ["http://a.test/objects/1", "http://c.test/objects/2"]}


def test_a_pool_electorate_counts_is_late_or_does_not_hold() -> None:
    proposal = {"id": PROPOSAL, "flood": FLOOD, "closesAt": "2025-03-08T12:00:00Z"}
    assert check_flood_electorate(Report(PROPOSAL), proposal, _electorate([ANA, CY], "2025-03-01T12:00:00Z"),
                                  RIVER) == "counts"
    assert check_flood_electorate(Report(PROPOSAL), proposal, _electorate([ANA, CY], "2025-03-08T12:00:00Z"),
                                  RIVER) == "late"
    report = Report(PROPOSAL)
    stuffed = {**_electorate([ANA, CY], "2025-03-01T12:00:00Z"), "members": [ANA, CY, "http://x.test/u/m"]}
    assert check_flood_electorate(report, proposal, stuffed, RIVER) == "bad"
    (found,) = report.checks
    assert found.verdict is Verdict.FAIL and set(found.evidence) == {"electorateDigest", "electorateSize"}


def test_the_relay_rules_of_a_listed_ballot() -> None:
    electorate = _electorate([CY], "2025-03-01T12:00:00Z")
    ballot = {"id": "http://c.test/objects/2", "type": "Ballot", "attributedTo": CY, "pool": RIVER,
              "proposal": PROPOSAL, "choice": ["agree"], "published": "2025-03-08T12:00:00Z",
              "proof": {}}
    assert relay_refusal(ballot, RIVER, PROPOSAL, electorate, CLOSES) is None  # at the close: listed
    assert relay_refusal({**ballot, "published": "2025-03-08T12:00:01Z"}, RIVER, PROPOSAL, electorate,
                         CLOSES) == "cast after the close"
    assert "not in the pool's electorate" in str(relay_refusal({**ballot, "attributedTo": ANA}, RIVER,
                                                               PROPOSAL, electorate, CLOSES))
    assert "not of the pool listing it" in str(relay_refusal({**ballot, "pool": "http://b.test/pools/x"},
                                                             RIVER, PROPOSAL, electorate, CLOSES))


def test_an_attestation_is_compared_field_by_field_digest_and_ballots() -> None:
    counted = ["http://a.test/objects/1", "http://c.test/objects/2"]
    report = Report(PROPOSAL)
    check_attestation(report, _attestation(), SUMMARY, counted)
    assert {c.verdict for c in report.checks} == {Verdict.PASS}
    report = Report(PROPOSAL)
    check_attestation(report, _attestation(outcome="passed", poolsFor=1), SUMMARY, counted[:1])
    failed = {c.check: c.evidence for c in report.checks if c.verdict is Verdict.FAIL}
    assert failed["flood.attestation.result"]["differences"]["outcome"] == {"attestation": "passed",
                                                                           "recount": "rejected"}
    assert failed["flood.attestation.digest"]["expected"] == summary_digest(SUMMARY)
    assert failed["flood.attestation.ballots"] == {"missing": [], "extra": [counted[1]]}
