"""The verifier's class checks: a class-majority proposal's Tally is recounted in each class from
the roll its Electorate froze, and a roll that is not the one the Proposal names is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import Ballot, Bylaws, Decision, Kind, Proposal, Roster, open_proposal
from governance.classes import ClassRoll
from node.verify.counting import counted_ballots, recount_tally
from node.verify.report import Report, Verdict
from node.wire import (
    InvalidDocument,
    ballot_document,
    ballot_from_document,
    electorate_document,
    proposal_document,
    proposal_from_documents,
    tally_document,
)
from node.wire.classes import count, roll_from_documents

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POOL = "http://b.test/pools/commons"
PEOPLE = {f"http://a.test/users/w{i}": "worker" for i in range(2)} | {
    f"http://a.test/users/c{i}": "consumer" for i in range(3)}
BYLAWS = Bylaws("Commons", "", "EUR", member_classes=("worker", "consumer"),
                class_majority=frozenset({Kind.DECISION}))


@pytest.fixture
def opened() -> tuple[Proposal, ClassRoll]:
    roster = Roster.found(sorted(PEOPLE), AT)
    proposal = open_proposal(id=POOL + "/proposals/1", author=min(PEOPLE), title="Sundays",
                             motion=Decision("Open on Sundays"), bylaws=BYLAWS,
                             electorate=roster.electorate(), opens_at=AT)
    return proposal, ClassRoll.freeze(proposal.electorate, PEOPLE, BYLAWS)


def _ballots(proposal: Proposal) -> list[dict[str, Any]]:
    return [ballot_document(Ballot(f"http://a.test/objects/b{n}", proposal.id, person,
                                   AT + timedelta(minutes=n), ("disagree" if c == "worker" else "agree",)),
                            POOL) for n, (person, c) in enumerate(sorted(PEOPLE.items()))]


def _recount(proposal: Proposal, roll: ClassRoll | None, documents: list[dict[str, Any]],
             tally_doc: dict[str, Any]) -> Report:
    report = Report(proposal.id)
    ballots = counted_ballots(report, proposal, POOL, documents, {d["id"] for d in documents})
    recount_tally(report, proposal, POOL, tally_doc, ballots, {d["id"] for d in documents}, roll)
    return report


def test_the_documents_carry_the_roll_and_a_recount_reproduces_each_class(opened) -> None:  # type: ignore[no-untyped-def]
    proposal, roll = opened
    doc = proposal_document(proposal, POOL, "2025-03-01T12:00:00Z", roll=roll)
    electorate = electorate_document(proposal, POOL, "2025-03-01T12:00:00Z", roll)
    rebuilt = proposal_from_documents(doc, electorate)
    assert rebuilt.rule.class_majority
    again = roll_from_documents(doc, electorate, rebuilt.electorate.members)
    assert again == roll and doc["classRollDigest"] == roll.digest
    documents = _ballots(proposal)
    ballots = [ballot_from_document(d) for d in documents]
    result, classes = count(rebuilt, again, ballots)
    honest = tally_document(result, POOL, [b.id for b in ballots], final=True, updated="x",
                            classes=classes)
    assert honest["outcome"] == "rejected" and honest["thresholdMet"] is True
    report = _recount(rebuilt, again, documents, honest)
    verdicts = {c.check: c.verdict for c in report.checks}
    assert verdicts["tally.recount"] is Verdict.PASS and verdicts["tally.classes"] is Verdict.PASS

    # A pool that counts it plainly (passed, no classes) fails the recount.
    plain, _ = count(rebuilt, None, ballots)
    cheat = tally_document(plain, POOL, [b.id for b in ballots], final=True, updated="x")
    report = _recount(rebuilt, again, documents, cheat)
    (check,) = [c for c in report.checks if c.check == "tally.recount"]
    assert check.verdict is Verdict.FAIL
    assert {"outcome", "classes"} <= set(dict(check.evidence)["differences"])


@pytest.mark.parametrize("tamper, reason", [
    (lambda d, e: e["memberClasses"].update({"http://a.test/users/w0": "consumer"}), "digest"),
    (lambda d, e: d.update(classRollDigest="0" * 64), "not the one the Proposal names"),
    (lambda d, e: e.pop("memberClasses"), "lists no memberClasses"),
    (lambda d, e: d.pop("classMajority"), "without classMajority"),
])
def test_a_roll_that_is_not_the_frozen_one_is_refused(opened, tamper, reason) -> None:  # type: ignore[no-untyped-def]
    proposal, roll = opened
    doc = proposal_document(proposal, POOL, "2025-03-01T12:00:00Z", roll=roll)
    electorate = electorate_document(proposal, POOL, "2025-03-01T12:00:00Z", roll)
    tamper(doc, electorate)
    with pytest.raises(InvalidDocument, match=reason):
        roll_from_documents(doc, electorate, proposal.electorate.members)


def test_a_remote_pools_class_result_is_recounted_the_same_way(opened) -> None:  # type: ignore[no-untyped-def]
    from node.pool_engine.remote_results import _compare

    proposal, roll = opened
    doc = proposal_document(proposal, POOL, "2025-03-01T12:00:00Z", roll=roll)
    electorate = electorate_document(proposal, POOL, "2025-03-01T12:00:00Z", roll)
    documents = _ballots(proposal)
    ballots = [ballot_from_document(d) for d in documents]
    held = {d["id"]: d for d in documents}
    result, classes = count(proposal, roll, ballots)
    final = tally_document(result, POOL, [b.id for b in ballots], final=True, updated="x",
                           classes=classes)
    problems: dict[str, Any] = {}
    state, recounted = _compare(final, doc, electorate, held, problems)
    assert (state, problems) == ("matches", {}) and recounted is not None
    assert recounted["outcome"] == "rejected" and len(recounted["classes"]) == 2
    plain = tally_document(count(proposal, None, ballots)[0], POOL, [b.id for b in ballots],
                           final=True, updated="x")
    problems = {}
    assert _compare(plain, doc, electorate, held, problems)[0] == "mismatch"
    assert {"outcome", "classes"} <= set(problems["fields"])
