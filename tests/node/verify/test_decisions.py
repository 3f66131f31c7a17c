"""ledger.decisions: every commitment in a pool's ledger rests on a passed decision of the pool
(docs/GOVERNANCE.md, Ledger), read from the pool's signed Tally, BudgetResult or Attestation."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_from_multibase
from node.verify.decisions import verify_decisions
from node.verify.report import Report, Verdict
from node.wire import sign_document
from tests.node.verify.test_checks import AT, POOL, SIGNER

PROPOSAL = POOL + "/proposals/1"
ROUND = POOL + "/proposals/2"
FLOOD = "http://c.test/pools/river/floods/proposals/9"


class Reader:
    """The few documents a test serves, and the pool's key."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = {uri: sign_document({**d, "id": uri, "attributedTo": POOL}, SIGNER, AT)
                          for uri, d in documents.items()}

    async def maybe_document(self, url: str) -> dict[str, Any] | None:
        return self.documents.get(url)

    async def key(self, method: str) -> tuple[str, ed25519.Ed25519PublicKey]:
        return POOL, ed25519_public_from_multibase(SIGNER.ed25519_public_multibase)

    def key_failure(self, method: str) -> str | None:
        return None


def _commitment(sequence: int, reference: str, amount: int, published: str = "2025-03-09T12:00:00Z") -> dict[str, Any]:
    return {"entryKind": "commitment", "reference": reference, "published": published,
            "postings": [{"account": "commitment:" + reference, "amount": amount},
                         {"account": "fund", "amount": -amount}]}


PROPOSALS = {PROPOSAL: {"id": PROPOSAL, "proposalKind": "disbursement", "amount": 3000,
                        "closesAt": "2025-03-08T12:00:00Z"},
             ROUND: {"id": ROUND, "proposalKind": "budget_round", "closesAt": "2025-03-08T12:00:00Z"}}
PASSED = {PROPOSAL + "/tally": {"type": "Tally", "final": True, "outcome": "passed"},
          ROUND + "/result": {"type": "BudgetResult", "final": True,
                              "buckets": [{"bucket": ROUND + "/buckets/1", "funded": 500}]},
          f"{POOL}/floods/attestations/{hashlib.sha256(FLOOD.encode()).hexdigest()[:32]}":
              {"type": "Attestation", "outcome": "passed"}}


def _check(entries: list[dict[str, Any]], served: dict[str, dict[str, Any]]) -> tuple[Verdict, Any]:
    report = Report(POOL)
    asyncio.run(verify_decisions(Reader(served), report, POOL,  # type: ignore[arg-type]
                                 dict(enumerate(entries, start=1)), PROPOSALS, {FLOOD}))
    (check,) = report.checks
    assert check.check == "ledger.decisions"
    return check.verdict, check.evidence.get("commitments")


def test_commitments_for_passed_decisions_within_their_amounts_hold() -> None:
    entries = [_commitment(1, PROPOSAL, 1000), _commitment(2, PROPOSAL, 2000),
               _commitment(3, ROUND + "/buckets/1", 500), _commitment(4, FLOOD, 700),
               {"entryKind": "contribution", "reference": "bank", "postings": []}]
    assert _check(entries, PASSED) == (Verdict.PASS, None)


def test_a_commitment_without_a_decision_or_beyond_it_is_named() -> None:
    verdict, found = _check([_commitment(1, PROPOSAL, 2000), _commitment(2, PROPOSAL, 1001)], PASSED)
    assert verdict is Verdict.FAIL and found[PROPOSAL]["entries"] == [1, 2]
    assert "3001 committed, more than the 3000" in found[PROPOSAL]["problem"]
    verdict, found = _check([_commitment(1, POOL + "/proposals/never", 10)], PASSED)
    assert "names no proposal" in found[POOL + "/proposals/never"]["problem"]
    early = _commitment(1, PROPOSAL, 10, published="2025-03-08T11:59:59Z")
    assert "before the proposal closed" in _check([early], PASSED)[1][PROPOSAL]["problem"]
    rejected = {**PASSED, PROPOSAL + "/tally": {"type": "Tally", "final": True, "outcome": "rejected"}}
    assert "did not pass" in _check([_commitment(1, PROPOSAL, 10)], rejected)[1][PROPOSAL]["problem"]
    unsigned = Reader(PASSED)
    del unsigned.documents[PROPOSAL + "/tally"]["proof"]
    report = Report(POOL)
    asyncio.run(verify_decisions(unsigned, report, POOL, {1: _commitment(1, PROPOSAL, 10)},  # type: ignore[arg-type]
                                 PROPOSALS, set()))
    assert report.checks[0].verdict is Verdict.FAIL and "not signed by the pool" in str(report.checks[0].evidence)
    over = _commitment(1, ROUND + "/buckets/1", 501)
    assert "funding of 500" in _check([over], PASSED)[1][ROUND + "/buckets/1"]["problem"]
    failed = {**PASSED, **{k: {"type": "Attestation", "outcome": "rejected"} for k in PASSED if "floods" in k}}
    assert "not passed" in _check([_commitment(1, FLOOD, 5)], failed)[1][FLOOD]["problem"]
