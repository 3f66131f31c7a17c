"""One pool proposal checked from outside: its proof, its frozen electorate, every accepted
ballot and the pool's Tally (docs/PROTOCOL.md §Verifying a result as a third party)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from governance import Proposal
from governance.classes import ClassRoll
from governance.codec import datetime_from_str
from node.verify.counting import (
    as_listed,
    check_document_place,
    check_electorate,
    counted_ballots,
    recount_tally,
)
from node.verify.proofs import check_proofs, report_proof
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, Verdict
from node.verify.rounds import verify_round
from node.wire import InvalidDocument, proposal_from_documents
from node.wire.classes import roll_from_documents

__all__ = ["CLOSE_GRACE", "verify_proposal"]

CLOSE_GRACE = timedelta(seconds=60)
"""How long after ``closesAt`` a pool may take to publish its final Tally (its closing
scheduler runs every second) before its absence is a finding."""


def ballot_author(document: Mapping[str, Any], pool: str) -> str:
    """Who must have signed a ballot: the pool for one it attests (a poll reply), else its voter."""
    return pool if document.get("attestedBy") == pool else str(document.get("attributedTo"))


async def verify_proposal(reader: RecordReader, report: Report, document: Mapping[str, Any],
                          now: datetime) -> None:
    """Check a pool's opened Proposal and everything its result rests on."""
    uri = str(document.get("id"))
    pool = str(document.get("pool") or document.get("attributedTo"))
    reader.progress(f"proposal {uri}")
    report.scope = uri
    if not check_document_place(report, "proposal.document", "proposal", document, pool):
        return
    if not await report_proof(reader, report, "proposal.proof", document, pool):
        return
    try:
        electorate = await reader.document(uri + "/electorate")
    except Unreadable as exc:
        report.error("electorate.document", exc.url, exc.reason)
        return
    if not (check_document_place(report, "electorate.document", "electorate", electorate, pool,
                                 uri + "/electorate")
            and await report_proof(reader, report, "electorate.proof", electorate, pool)
            and check_electorate(report, document, electorate)):
        return
    try:
        proposal = proposal_from_documents(document, electorate)
    except InvalidDocument as exc:
        report.failed("proposal.rule", uri, f"its frozen rule cannot be read: {exc.reason}")
        return
    if document.get("proposalKind") == "budget_round":
        await verify_round(reader, report, proposal, pool, now)
        return
    try:
        roll = roll_from_documents(document, electorate, proposal.electorate.members)
    except InvalidDocument as exc:
        report.failed("electorate.classes", uri + "/electorate", f"its class roll: {exc.reason}")
        return
    if roll is not None:
        report.passed("electorate.classes", uri + "/electorate",
                      f"the class roll the proposal froze ({len(roll.names())} classes, every "
                      "elector in one)")
    closes = datetime_from_str(str(document["closesAt"]))
    scratch = await _count(reader, proposal, pool, now, closes, roll)
    if now < closes and any(c.verdict is Verdict.FAIL for c in scratch.checks
                            if c.check.startswith("tally.")):
        # Open: a ballot accepted between reading the ballots and the Tally; read both again.
        reader.progress("  the proposal is open and the Tally moved: reading it again")
        scratch = await _count(reader, proposal, pool, now, closes, roll)
    report.checks.extend(scratch.checks)


async def _count(reader: RecordReader, proposal: Proposal, pool: str, now: datetime,
                 closes: datetime, roll: ClassRoll | None) -> Report:
    """The ballots and Tally checks of one read of the record."""
    report = Report(proposal.id, scope=proposal.id)
    try:
        _, items = await reader.items(proposal.id + "/ballots", "ballots")
    except Unreadable as exc:
        report.error("ballots.proofs", exc.url, exc.reason)
        return report
    documents = [d for d in items if isinstance(d, dict)]
    if len(documents) != len(items):
        report.failed("ballots.proofs", proposal.id + "/ballots", "the collection lists ballots "
                      "by id: it must embed each signed ballot")
        return report
    signed = await check_proofs(reader, report, "ballots.proofs", proposal.id + "/ballots", "ballot",
                                [(d, ballot_author(d, pool)) for d in documents])
    ballots = counted_ballots(report, proposal, pool, documents, signed)
    try:
        tally = await reader.maybe_document(proposal.id + "/tally")
    except Unreadable as exc:
        report.error("tally.document", exc.url, exc.reason)
        return report
    if tally is None:
        if now >= closes + CLOSE_GRACE:
            report.failed("tally.document", proposal.id + "/tally", "the pool publishes no Tally "
                          f"{int(CLOSE_GRACE.total_seconds())} s after the close")
        else:
            report.skipped("tally.document", proposal.id + "/tally", "no Tally yet")
        return report
    if not (check_document_place(report, "tally.document", "tally", as_listed(tally), pool,
                                 proposal.id + "/tally")
            and await report_proof(reader, report, "tally.proof", tally, pool)):
        return report
    _finality(report, tally, now, closes)
    # The collection is paged newest first by arrival: reversed, the order the pool accepted them.
    recount_tally(report, proposal, pool, tally, ballots, [str(d.get("id")) for d in reversed(documents)],
                  roll)
    return report


def _finality(report: Report, tally: Mapping[str, Any], now: datetime, closes: datetime) -> None:
    subject = str(tally.get("id"))
    final = tally.get("final") is True
    if final and now < closes:
        report.failed("tally.final", subject, "a final Tally before the proposal closes",
                      closesAt=closes.isoformat())
    elif not final and now >= closes + CLOSE_GRACE:
        report.failed("tally.final", subject, f"the Tally is still running {int(CLOSE_GRACE.total_seconds())}"
                      " s after the close", closesAt=closes.isoformat())
    elif final:
        report.passed("tally.final", subject, "the final Tally of the closed proposal")
    else:
        report.skipped("tally.final", subject, "the proposal is open (or closing): this Tally is running")
