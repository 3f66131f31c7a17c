"""The verifier's pure checks: each tamper gives a failing verdict that names its evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation.keys import generate_actor_keys
from governance import (
    Ballot,
    Bylaws,
    Disbursement,
    EntryKind,
    Ledger,
    LedgerEntry,
    Posting,
    Proposal,
    Roster,
    Transaction,
    contribution,
    open_proposal,
    tally,
)
from node.storage import ActorRecord
from node.verify.counting import (
    as_listed,
    check_document_place,
    check_electorate,
    counted_ballots,
    recount_tally,
)
from node.verify.ledger import check_ledger
from node.verify.report import Report, Verdict
from node.wire import (
    ballot_document,
    electorate_document,
    ledger_entry_document,
    proposal_document,
    sign_document,
    tally_document,
)

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POOL = "http://b.test/pools/commons"
ANA, BO, CY = "http://a.test/users/ana", "http://b.test/users/bo", "http://c.test/users/cy"


_KEYS = generate_actor_keys()
SIGNER = ActorRecord(1, "commons", "pool", POOL, "", "", False, _KEYS.rsa_private_pem, _KEYS.rsa_public_pem,
                     _KEYS.ed25519_private_pem, _KEYS.ed25519_public_multibase, "2025-01-01T00:00:00Z")


def _entry(entry: LedgerEntry, sequence: int) -> dict[str, Any]:
    """A booked entry as the pool publishes it (signed: the schema wants a proof)."""
    return sign_document(ledger_entry_document(entry, POOL, sequence), SIGNER, AT)


def verdicts(report: Report) -> dict[str, Verdict]:
    return {c.check: c.verdict for c in report.checks}


def evidence(report: Report, check: str) -> dict[str, Any]:
    (found,) = [c for c in report.checks if c.check == check]
    return dict(found.evidence)


# --- the ledger -----------------------------------------------------------------------------


def _ledger(n: int = 3) -> tuple[Ledger, list[dict[str, Any]]]:
    roster = Roster.found([ANA], AT)
    ledger, documents = Ledger("EUR"), []
    for seq in range(1, n + 1):
        ledger = ledger.apply(contribution(f"{POOL}/ledger/{seq}", AT + timedelta(minutes=seq), ledger,
                                           ANA, 1000 * seq, by=ANA, roster=roster))
        documents.append(_entry(ledger.entries[-1], seq))
    return ledger, documents


def _collection(ledger: Ledger, n: int) -> dict[str, Any]:
    return {"id": POOL + "/ledger", "totalItems": n, "headHash": ledger.head}


def _balances(ledger: Ledger) -> dict[str, Any]:
    return {"currency": "EUR", "fund": ledger.fund, "balances": dict(sorted(ledger.balances.items())),
            "entries": len(ledger.entries), "headHash": ledger.head}


def test_an_honest_ledger_holds_in_any_order() -> None:
    ledger, documents = _ledger()
    report = Report(POOL)
    check_ledger(report, POOL, _collection(ledger, 3), list(reversed(documents)), _balances(ledger))
    assert set(verdicts(report).values()) == {Verdict.PASS}
    assert set(verdicts(report)) == {"ledger.entries", "ledger.sequence", "ledger.chain", "ledger.head",
                                     "ledger.balances"}


def test_an_edited_amount_is_named_with_the_entry_and_the_hashes() -> None:
    ledger, documents = _ledger()
    documents[1]["postings"] = [{**p, "amount": p["amount"] * 10} for p in documents[1]["postings"]]
    report = Report(POOL)
    check_ledger(report, POOL, _collection(ledger, 3), documents, _balances(ledger))
    assert verdicts(report)["ledger.chain"] is Verdict.FAIL
    found = evidence(report, "ledger.chain")
    assert (found["sequence"], found["field"], found["found"]) == (2, "entryHash", documents[1]["entryHash"])
    assert found["expected"] != found["found"]


def test_a_rewritten_chain_is_caught_by_the_published_head_and_balances() -> None:
    ledger, _ = _ledger()
    rewritten, documents = _ledger(2)  # consistent on its own, one entry shorter
    report = Report(POOL)
    check_ledger(report, POOL, _collection(ledger, 2), documents, _balances(ledger))
    assert verdicts(report)["ledger.chain"] is Verdict.PASS
    assert evidence(report, "ledger.head") == {"expected": rewritten.head, "found": ledger.head}
    assert evidence(report, "ledger.balances")["differences"]["fund"] == {"published": 6000,
                                                                          "replayed": 3000}


def test_a_missing_entry_and_a_lying_total_are_named() -> None:
    ledger, documents = _ledger()
    report = Report(POOL)
    check_ledger(report, POOL, _collection(ledger, 3), [documents[0], documents[2]], None)
    assert evidence(report, "ledger.sequence") == {"missing": [2], "repeated": [],
                                                   "totalItems": {"stated": 3, "read": 2}}


def test_an_overdraft_with_good_hashes_breaks_a_balance_rule() -> None:
    ledger, documents = _ledger(1)
    spend = Transaction(f"{POOL}/ledger/2", AT + timedelta(hours=1), EntryKind.PAYMENT, "EUR",
                        (Posting("fund", -5000), Posting("external:shop", 5000)))
    sealed = LedgerEntry.seal(spend, ledger.head)
    documents.append(_entry(sealed, 2))
    report = Report(POOL)
    check_ledger(report, POOL, {"id": POOL + "/ledger", "totalItems": 2, "headHash": sealed.hash},
                 documents, None)
    (chain,) = [c for c in report.checks if c.check == "ledger.chain"]
    assert chain.verdict is Verdict.FAIL and "cannot be booked: fund cannot go below zero" in chain.detail
    assert chain.evidence["sequence"] == 2


def test_an_entry_of_another_pool_is_refused() -> None:
    ledger, documents = _ledger(1)
    documents[0]["attributedTo"] = "http://evil.test/pools/x"
    report = Report(POOL)
    check_ledger(report, POOL, _collection(ledger, 1), documents, _balances(ledger))
    # Every check is reported: those after it fail, naming why they could not be made.
    assert verdicts(report) == {check: Verdict.FAIL for check in (
        "ledger.entries", "ledger.sequence", "ledger.chain", "ledger.head", "ledger.balances")}
    assert "ledger.entries" in evidence(report, "ledger.balances")["blockedBy"]


def test_two_versions_of_one_entry_fail_every_check_after_the_sequence() -> None:
    ledger, documents = _ledger(2)
    twin = _entry(LedgerEntry.seal(Transaction(f"{POOL}/ledger/2", AT, EntryKind.CONTRIBUTION, "EUR",
                                               (Posting("fund", 1), Posting("capital:" + ANA, -1))),
                                   ledger.entries[0].hash), 2)
    for total in (2, 3):
        report = Report(POOL)
        check_ledger(report, POOL, _collection(ledger, total), [*documents, twin], _balances(ledger))
        assert evidence(report, "ledger.sequence")["repeated"] == [2]
        assert verdicts(report) == {"ledger.entries": Verdict.PASS, "ledger.sequence": Verdict.FAIL,
                                    "ledger.chain": Verdict.FAIL, "ledger.head": Verdict.FAIL,
                                    "ledger.balances": Verdict.FAIL}
        assert report.exit_code == 1


def test_a_broken_chain_still_reports_the_head_and_the_balances() -> None:
    ledger, documents = _ledger()
    documents[1]["memo"] = "edited"
    report = Report(POOL)
    check_ledger(report, POOL, _collection(ledger, 3), documents, _balances(ledger))
    assert verdicts(report)["ledger.chain"] is Verdict.FAIL
    assert verdicts(report)["ledger.head"] is Verdict.FAIL
    assert verdicts(report)["ledger.balances"] is Verdict.FAIL


# --- a proposal's electorate, ballots and tally ----------------------------------------------


@pytest.fixture
def proposal() -> Proposal:
    roster = Roster.found([ANA, BO], AT)
    return open_proposal(id=POOL + "/proposals/1", author=ANA, title="Buy a drill",
                         motion=Disbursement(3000, "EUR", "Tool shop", "a drill"),
                         bylaws=Bylaws("Commons", "", "EUR"), electorate=roster.electorate(), opens_at=AT)


def _ballot(proposal: Proposal, n: int, voter: str, answer: str, *, minutes: int, sequence: int) -> dict[str, Any]:
    ballot = Ballot(f"http://a.test/objects/b{n}", proposal.id, voter, AT + timedelta(minutes=minutes),
                    (answer,), sequence)
    return ballot_document(ballot, POOL)


def _tally(proposal: Proposal, documents: list[dict[str, Any]], *, final: bool = True) -> dict[str, Any]:
    from node.wire import ballot_from_document

    ballots = [ballot_from_document(d) for d in documents]
    return tally_document(tally(proposal.rule, proposal.electorate, ballots), POOL,
                          [b.id for b in ballots], final=final, updated="2025-03-08T12:00:00Z")


def _recount(proposal: Proposal, documents: list[dict[str, Any]], tally_doc: dict[str, Any]) -> Report:
    report = Report(proposal.id)
    ballots = counted_ballots(report, proposal, POOL, documents, {d["id"] for d in documents})
    recount_tally(report, proposal, POOL, tally_doc, ballots, [d["id"] for d in documents])
    return report


def test_a_changed_vote_counts_by_its_signed_sequence_not_its_clock(proposal: Proposal) -> None:
    ballots = [_ballot(proposal, 1, ANA, "agree", minutes=30, sequence=1),
               _ballot(proposal, 2, ANA, "block", minutes=10, sequence=2),  # later, clock behind
               _ballot(proposal, 3, BO, "agree", minutes=20, sequence=1)]
    report = _recount(proposal, ballots, _tally(proposal, ballots))
    assert set(verdicts(report).values()) == {Verdict.PASS}
    (recounted,) = [c for c in report.checks if c.check == "tally.recount"]
    assert "agree 1, abstain 0, disagree 0, block 1" in recounted.detail


def test_a_dropped_ballot_and_a_forged_count_are_named(proposal: Proposal) -> None:
    ballots = [_ballot(proposal, 1, ANA, "agree", minutes=1, sequence=1),
               _ballot(proposal, 2, BO, "agree", minutes=2, sequence=1)]
    report = _recount(proposal, ballots[:1], _tally(proposal, ballots))
    assert evidence(report, "tally.ballots") == {"missing": [ballots[1]["id"]], "unlisted": []}
    assert evidence(report, "tally.recount")["differences"]["participation"] == {"tally": 2, "recount": 1}
    forged = {**_tally(proposal, ballots), "outcome": "rejected", "thresholdMet": False}
    report = _recount(proposal, ballots, forged)
    assert verdicts(report)["tally.ballots"] is Verdict.PASS
    assert evidence(report, "tally.recount")["differences"] == {
        "thresholdMet": {"tally": False, "recount": True}, "outcome": {"tally": "rejected", "recount": "passed"}}


def test_a_running_tally_counts_only_what_it_lists_or_names_by_digest(proposal: Proposal) -> None:
    ballots = [_ballot(proposal, 1, ANA, "agree", minutes=1, sequence=1),
               _ballot(proposal, 2, BO, "disagree", minutes=2, sequence=1)]
    listing = {**_tally(proposal, ballots[:1], final=False), "ballots": [ballots[0]["id"]]}  # legacy
    assert set(verdicts(_recount(proposal, ballots, listing)).values()) == {Verdict.PASS}
    running = _tally(proposal, ballots[:1], final=False)  # bo's ballot arrived after it
    assert "ballots" not in running and running["ballotCount"] == 1
    report = _recount(proposal, ballots, running)
    assert set(verdicts(report).values()) == {Verdict.PASS}
    assert "(1 accepted since)" in next(c.detail for c in report.checks if c.check == "tally.ballots")
    report = _recount(proposal, ballots, _tally(proposal, ballots, final=False))
    assert set(verdicts(report).values()) == {Verdict.PASS}


def test_a_running_tally_whose_digest_is_not_the_collections_is_named(proposal: Proposal) -> None:
    ballots = [_ballot(proposal, 1, ANA, "agree", minutes=1, sequence=1),
               _ballot(proposal, 2, BO, "disagree", minutes=2, sequence=1)]
    signed = _tally(proposal, ballots, final=False)
    # The digest is over the order accepted: the same ballots in another order are a finding.
    report = _recount(proposal, list(reversed(ballots)), signed)
    assert verdicts(report)["tally.ballots"] is Verdict.FAIL
    assert evidence(report, "tally.ballots")["found"] == signed["ballotsDigest"]
    # A forged digest, a count beyond the collection, a dropped ballot: each fails.
    forged = {**signed, "ballotsDigest": "ab" * 32}
    assert verdicts(_recount(proposal, ballots, forged))["tally.ballots"] is Verdict.FAIL
    report = _recount(proposal, ballots[:1], signed)
    assert evidence(report, "tally.ballots") == {"ballotCount": 2, "served": 1}
    assert verdicts(report)["tally.recount"] is Verdict.FAIL
    # Counts that are not those of the ballots it names fail the recount.
    lying = {**_tally(proposal, ballots[:1], final=False), "participation": 2}
    report = _recount(proposal, ballots, lying)
    assert verdicts(report)["tally.ballots"] is Verdict.PASS
    assert evidence(report, "tally.recount")["differences"]["participation"] == {"tally": 2, "recount": 1}
    # Its schema holds without the list; a final Tally's does not.
    assert check_document_place(Report(POOL), "tally.document", "tally", as_listed({**signed, "proof": {}}), POOL)
    unlisted = {**{k: v for k, v in _tally(proposal, ballots).items() if k != "ballots"}, "proof": {}}
    assert not check_document_place(Report(POOL), "tally.document", "tally", as_listed(unlisted), POOL)
    # A final Tally's two fields are over its list: a forged digest fails the recount.
    final = {**_tally(proposal, ballots), "ballotsDigest": "ab" * 32}
    assert verdicts(_recount(proposal, ballots, final))["tally.recount"] is Verdict.FAIL


def test_a_final_tally_listing_a_ballot_twice_or_unsorted_is_named(proposal: Proposal) -> None:
    ballots = [_ballot(proposal, 2, ANA, "agree", minutes=1, sequence=1),
               _ballot(proposal, 1, BO, "disagree", minutes=2, sequence=1)]
    honest = _tally(proposal, ballots)
    assert set(verdicts(_recount(proposal, ballots, honest)).values()) == {Verdict.PASS}
    doubled = {**honest, "ballots": sorted([*honest["ballots"], honest["ballots"][0]])}
    report = _recount(proposal, ballots, doubled)
    assert evidence(report, "tally.ballots")["repeated"] == [honest["ballots"][0]]
    unsorted = {**honest, "ballots": list(reversed(honest["ballots"]))}
    assert evidence(_recount(proposal, ballots, unsorted), "tally.ballots")["sorted"] is False


def test_ballots_the_pool_should_have_refused_are_named(proposal: Proposal) -> None:
    ballots = [_ballot(proposal, 1, ANA, "agree", minutes=1, sequence=1),
               _ballot(proposal, 2, ANA, "block", minutes=2, sequence=1),  # the same sequence again
               _ballot(proposal, 3, CY, "agree", minutes=3, sequence=1)]  # not in the electorate
    report = Report(proposal.id)
    counted = counted_ballots(report, proposal, POOL, ballots, {d["id"] for d in ballots})
    assert sorted(counted) == [ballots[0]["id"], ballots[1]["id"]]
    assert list(evidence(report, "ballots.rules")["refused"]) == [ballots[2]["id"]]
    assert evidence(report, "ballots.order")["ballots"] == {f"{ANA} #1": [ballots[0]["id"], ballots[1]["id"]]}


def test_an_electorate_that_does_not_match_its_digest(proposal: Proposal) -> None:
    document = proposal_document(proposal, POOL, "2025-03-01T12:00:00Z")
    electorate = electorate_document(proposal, POOL, "2025-03-01T12:00:00Z")
    report = Report(proposal.id)
    assert check_electorate(report, document, electorate)
    stuffed = {**electorate, "members": sorted([*electorate["members"], CY])}
    report = Report(proposal.id)
    assert not check_electorate(report, document, stuffed)
    assert evidence(report, "electorate.digest")["found"] == electorate["electorateDigest"]
    other = {**electorate, "proposal": POOL + "/proposals/2"}
    report = Report(proposal.id)
    assert not check_electorate(report, document, other)
    assert "proposal" in evidence(report, "electorate.proposal")["differences"]
