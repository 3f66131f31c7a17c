"""The verifier's witness checks, pure: a ledger that still holds every head its witnesses
attested passes; a rewritten or cut one fails naming the witness, the entry and both hashes; a
pool nobody witnesses is a skip with the reason; ledger conflicts are findings when the pool
holds them or its own signed entries bear them out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from governance import Ledger, Roster, contribution
from governance.ledger_entries import GENESIS
from governance.witness import Head
from node.verify.report import Report, Verdict
from node.verify.witnessed import NO_WITNESS, check_conflicts, check_witnessed, evidence_key
from node.wire.witness import attestation_path, head_attestation_document
from tests.node.verify.test_checks import ANA, AT, POOL, _entry

WITNESS = "http://c.test/pools/river"


def _entries(*amounts: int) -> dict[int, dict[str, Any]]:
    roster = Roster.found([ANA], AT)
    ledger, documents = Ledger("EUR"), {}
    for seq, amount in enumerate(amounts, start=1):
        ledger = ledger.apply(contribution(f"{POOL}/ledger/{seq}", AT + timedelta(minutes=seq), ledger,
                                           ANA, amount, by=ANA, roster=roster))
        documents[seq] = _entry(ledger.entries[-1], seq)
    return documents


def _head(entries: dict[int, dict[str, Any]], sequence: int) -> Head:
    return Head(sequence, entries[sequence]["entryHash"] if sequence else GENESIS)


def _attestation(head: Head, extends: Head | None = None, n: int = 1) -> dict[str, Any]:
    return head_attestation_document(attestation_path(WITNESS, POOL, n), WITNESS, POOL, head,
                                     "2025-03-01T13:00:00Z", extends)


def _one(report: Report, check: str) -> Any:
    (found,) = [c for c in report.checks if c.check == check]
    return found


def test_a_ledger_that_holds_every_attested_head_passes() -> None:
    entries = _entries(1000, 2000, 3000)
    report = Report(POOL)
    check_witnessed(report, POOL, entries, [_attestation(_head(entries, 3), _head(entries, 2), 2),
                                            _attestation(Head(0, GENESIS), None, 1)])
    made = _one(report, "ledger.witnessed")
    assert made.verdict is Verdict.PASS, made
    assert "1 witness attested (3 heads, up to entry 3 of 3)" in made.detail


def test_a_ledger_rewritten_and_re_chained_fails_with_the_hashes() -> None:
    honest = _entries(1000, 2000, 3000)
    rewritten = _entries(9000, 2000, 3000)  # consistent on its own: only a witness can tell
    report = Report(POOL)
    check_witnessed(report, POOL, rewritten, [_attestation(_head(honest, 2))])
    made = _one(report, "ledger.witnessed")
    assert made.verdict is Verdict.FAIL
    (found,) = made.evidence["contradicted"]
    assert found == {"witness": WITNESS, "attestation": attestation_path(WITNESS, POOL, 1),
                     "published": "2025-03-01T13:00:00Z", "kind": "rewritten", "sequence": 2,
                     "attestedHash": honest[2]["entryHash"], "found": rewritten[2]["entryHash"]}


def test_the_head_an_attestation_extends_is_checked_too() -> None:
    honest = _entries(1000, 2000)
    rewritten = _entries(1000, 5000)
    # The witness's newest attestation is of the rewritten head 2, but it extends the honest one.
    report = Report(POOL)
    check_witnessed(report, POOL, rewritten, [_attestation(_head(rewritten, 2), _head(honest, 2), 2)])
    assert [c["attestedHash"] for c in _one(report, "ledger.witnessed").evidence["contradicted"]] == [
        honest[2]["entryHash"]]


def test_a_cut_ledger_fails() -> None:
    entries = _entries(1000, 2000, 3000)
    cut = {k: v for k, v in entries.items() if k <= 2}
    report = Report(POOL)
    check_witnessed(report, POOL, cut, [_attestation(_head(entries, 3))])
    (found,) = _one(report, "ledger.witnessed").evidence["contradicted"]
    assert (found["kind"], found["sequence"], found["found"]) == ("truncated", 3,
                                                                 "the ledger ends at entry 2")


def test_no_witness_is_a_skip_with_the_reason() -> None:
    report = Report(POOL)
    check_witnessed(report, POOL, _entries(1000), [])
    made = _one(report, "ledger.witnessed")
    assert (made.verdict, made.detail) == (Verdict.SKIP, NO_WITNESS)
    assert "a rewrite from the first entry could not be detected" in NO_WITNESS


def _conflict(evidence: list[dict[str, Any]], signer: str = WITNESS) -> dict[str, Any]:
    return {"id": signer + "/conflicts/1", "type": "LedgerConflict", "attributedTo": signer, "pool": POOL,
            "conflict": "rewritten", "sequence": 2, "summary": "entry 2 now has another hash",
            "attestation": _attestation(Head(2, "a" * 64)), "evidence": evidence,
            "head": {"sequence": 2, "headHash": "b" * 64}, "published": "2025-03-01T14:00:00Z"}


def test_a_conflict_the_pool_holds_about_itself_fails() -> None:
    entries = _entries(1000, 2000)
    report = Report(POOL)
    check_conflicts(report, POOL, entries, [_conflict([], signer=POOL)], [], set(), 0)
    made = _one(report, "ledger.conflicts")
    assert made.verdict is Verdict.FAIL
    assert made.evidence["conflicts"][POOL + "/conflicts/1"]["heldBy"] == "the pool"


def test_a_witness_held_conflict_fails_only_on_the_pools_own_signatures() -> None:
    honest, rewritten = _entries(1000, 2000), _entries(1000, 7000)
    then = honest[2]
    report = Report(POOL)
    check_conflicts(report, POOL, rewritten, [], [_conflict([then])], {evidence_key(then)}, 1)
    made = _one(report, "ledger.conflicts")
    assert made.verdict is Verdict.FAIL
    (shown,) = made.evidence["conflicts"][WITNESS + "/conflicts/1"]["shown"]
    assert shown.startswith(f"the pool signed entry 2 with the hash {then['entryHash'][:12]}")
    assert "1 conflict about ledgers it witnesses" in made.detail
    # Not signed by the pool (or agreeing with its ledger): a witness's word alone is no finding.
    for evidence, signed in (([then], set()), ([rewritten[2]], {evidence_key(rewritten[2])})):
        report = Report(POOL)
        check_conflicts(report, POOL, rewritten, [], [_conflict(evidence)], signed, 0)
        made = _one(report, "ledger.conflicts")
        assert made.verdict is Verdict.PASS and "1 report by witnesses" in made.detail
