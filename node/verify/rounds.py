"""A budget round checked from outside: its pool-signed buckets, its members' signed allocations
and the pool's BudgetResult, recounted with ``governance.Budget.recount`` (docs/PROTOCOL.md
§Verifying a budget round)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from governance import Budget, GovernanceError, Proposal
from governance.rounds import MAX_BUCKETS
from node.verify.counting import check_document_place
from node.verify.proofs import check_proofs, report_proof
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, count
from node.wire import InvalidDocument
from node.wire.budget import (
    RESULT_FIELDS,
    allocation_from_document,
    bucket_from_document,
    bucket_time,
    result_document,
)
from schemas import validation_errors

__all__ = ["verify_round"]


def _number(document: Mapping[str, Any]) -> int:
    tail = str(document.get("id")).rsplit("/buckets/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


async def _signed(reader: RecordReader, report: Report, round_id: str, what: str, schema: str,
                  pool: str) -> list[dict[str, Any]] | None:
    """The round's buckets or allocations whose proof and schema hold; None if unreadable."""
    collection = f"{round_id}/{what}"
    try:
        _, items = await reader.items(collection, what, extra=MAX_BUCKETS if what == "buckets" else 1000)
    except Unreadable as exc:
        report.error(f"round.{what}", exc.url, exc.reason)
        return None
    documents = [d for d in items if isinstance(d, dict)]
    signed = await check_proofs(reader, report, f"round.{what}", collection, what[:-1],
                                [(d, pool if what == "buckets" else str(d.get("attributedTo")))
                                 for d in documents])
    kept, refused = [], {}
    for document in documents:
        problems = validation_errors(schema, document)[:1]
        if document.get("proposal") != round_id:
            problems.append("of another round")
        if what == "buckets" and document.get("attributedTo") != pool:
            problems.append("not the pool's")
        if problems:
            refused[str(document.get("id"))] = problems[0]
        elif str(document.get("id")) in signed:
            kept.append(document)
    if refused:
        report.failed(f"round.{what}", collection, f"{count(len(refused), what[:-1])} not this round's "
                      "valid documents", refused=refused)
    return kept


async def verify_round(reader: RecordReader, report: Report, proposal: Proposal, pool: str,
                       now: datetime) -> None:
    """Check a budget round whose Proposal and Electorate already hold."""
    round_id = proposal.id
    buckets = await _signed(reader, report, round_id, "buckets", "bucket", pool)
    if buckets is None:
        return
    try:
        result = await reader.maybe_document(round_id + "/result")
    except Unreadable as exc:
        report.error("round.result", exc.url, exc.reason)
        return
    if result is None:
        report.skipped("round.result", round_id + "/result", "no result yet")
        return
    if not (check_document_place(report, "round.result", "budget-result", result, pool, round_id + "/result")
            and await report_proof(reader, report, "round.result.proof", result, pool)):
        return
    final = result.get("final") is True
    if not final and now < proposal.rule.closes_at:
        report.skipped("round.result.recount", round_id + "/result", "the round is open: its "
                       "allocations may be private until it closes; run verify after the close")
        return
    allocations = await _signed(reader, report, round_id, "allocations", "allocation", pool)
    if allocations is None:
        return
    held = {str(d["id"]): d for d in allocations}
    listed = [str(a) for a in result.get("allocations", [])]
    missing, unlisted = sorted(set(listed) - set(held)), sorted(set(held) - set(listed))
    if missing or unlisted:
        report.failed("round.result.allocations", round_id + "/result", "the result does not list "
                      "exactly the allocations of the collection", missing=missing, unlisted=unlisted)
    else:
        report.passed("round.result.allocations", round_id + "/result",
                      f"it lists exactly the collection's {count(len(listed), 'allocation')}")
    try:
        budget = Budget.recount(proposal, [(bucket_from_document(d), bucket_time(d))
                                           for d in sorted(buckets, key=_number)],
                                [allocation_from_document(held[uri]) for uri in listed if uri in held])
    except (GovernanceError, InvalidDocument) as exc:
        report.failed("round.result.recount", round_id + "/result", f"the signed inputs cannot be "
                      f"recounted: {exc.reason}")
        return
    ours = result_document(budget, pool, listed, final=final, updated="")
    differences = {field: {"result": result.get(field), "recount": ours[field]}
                   for field in RESULT_FIELDS if result.get(field) != ours[field]}
    if differences:
        report.failed("round.result.recount", round_id + "/result", "the recount differs from the "
                      f"signed result in {', '.join(differences)}", differences=differences)
    else:
        report.passed("round.result.recount", round_id + "/result", f"recounted: {ours['funded']} of "
                      f"{ours['pot']} funded over {count(len(ours['buckets']), 'bucket')}, {ours['outcome']}")
