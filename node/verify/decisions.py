"""Every commitment in a pool's ledger rests on a decision of the pool (docs/GOVERNANCE.md,
"Ledger": a commitment only for a passed disbursement proposal, after its close, cumulatively
at most its amount; a funded bucket of a closed budget round, at most its funding; a pool's
share of a flood disbursement whose final result passed).

``ledger.decisions`` reads the decision each commitment names (the proposal's final Tally, the
round's BudgetResult, the pool's flood Attestation), each signed by the pool, and fails naming
the commitment when the decision is missing, did not pass, was not closed, or is exceeded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from governance.codec import datetime_from_str
from node.verify.proofs import proof_verdict
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, count

__all__ = ["verify_decisions"]

_MAX_DECISIONS = 200
"""Decisions read for one ledger (the request bound holds too)."""


def _commitments(entries: Mapping[int, Mapping[str, Any]]) -> dict[str, tuple[int, datetime, list[int]]]:
    """reference -> (total committed, the earliest booking, the entries' sequences)."""
    found: dict[str, tuple[int, datetime, list[int]]] = {}
    for sequence in sorted(entries):
        entry = entries[sequence]
        if entry.get("entryKind") != "commitment":
            continue
        reference = str(entry.get("reference"))
        amount = sum(p.get("amount", 0) for p in entry.get("postings", [])
                     if isinstance(p, dict) and p.get("account") == "commitment:" + reference
                     and isinstance(p.get("amount"), int))
        try:
            at = datetime_from_str(str(entry.get("published")))
        except (ValueError, TypeError):
            continue  # not a valid entry: ledger.entries names it
        total, first, sequences = found.get(reference, (0, at, []))
        found[reference] = (total + amount, min(first, at), [*sequences, sequence])
    return found


async def _signed(reader: RecordReader, url: str, pool: str) -> dict[str, Any] | str:
    """The pool's signed document at ``url``, or why there is none."""
    try:
        document = await reader.maybe_document(url)
    except Unreadable as exc:
        return f"unreadable: {exc.reason}"
    if document is None:
        return f"{url} does not exist"
    if document.get("attributedTo") != pool:
        return f"{url} is not the pool's"
    verdict = await proof_verdict(reader, document, pool)
    return document if verdict.ok else f"{url} is not signed by the pool: {verdict.reason}"


async def _problem(reader: RecordReader, pool: str, reference: str, committed: int, at: datetime,
                   proposals: Mapping[str, Mapping[str, Any]], floods: set[str]) -> str | None:
    """Why the commitment of ``committed`` booked first at ``at`` for ``reference`` has no
    decision behind it (None when it has)."""
    if reference in floods:
        key = hashlib.sha256(reference.encode("utf-8")).hexdigest()[:32]
        found = await _signed(reader, f"{pool}/floods/attestations/{key}", pool)
        if isinstance(found, str):
            return f"no attested result of the flood proposal: {found}"
        return None if found.get("outcome") == "passed" else (
            f"the flood proposal's attested outcome is {found.get('outcome')!r}, not passed")
    proposal = proposals.get(reference)
    if proposal is not None:
        if proposal.get("proposalKind") != "disbursement":
            return f"the proposal is a {proposal.get('proposalKind')!r}, not a disbursement"
        try:
            closes = datetime_from_str(str(proposal.get("closesAt")))
        except (ValueError, TypeError):
            return "the proposal has no valid closesAt"
        if at < closes:
            return "booked before the proposal closed"
        found = await _signed(reader, reference + "/tally", pool)
        if isinstance(found, str):
            return f"no final Tally: {found}"
        if found.get("final") is not True or found.get("outcome") != "passed":
            return f"the proposal did not pass (final {found.get('final')}, {found.get('outcome')})"
        amount = proposal.get("amount")
        if not isinstance(amount, int) or committed > amount:
            return f"{committed} committed, more than the {amount} the proposal approved"
        return None
    rounds = [uri for uri, p in proposals.items()
              if p.get("proposalKind") == "budget_round" and reference.startswith(uri + "/buckets/")]
    if rounds:
        found = await _signed(reader, rounds[0] + "/result", pool)
        if isinstance(found, str):
            return f"no result of the budget round: {found}"
        funded = {b.get("bucket"): b.get("funded") for b in found.get("buckets", []) if isinstance(b, dict)}
        funding = funded.get(reference)
        if found.get("final") is not True or not isinstance(funding, int) or funding <= 0:
            return "the bucket is not funded by the round's final result"
        if committed > funding:
            return f"{committed} committed, more than the bucket's funding of {funding}"
        return None
    return "it names no proposal, budget bucket or flood proposal of the pool"


async def verify_decisions(reader: RecordReader, report: Report, pool: str,
                           entries: Mapping[int, Mapping[str, Any]],
                           proposals: Mapping[str, Mapping[str, Any]], floods: set[str]) -> None:
    """Record ``ledger.decisions`` for the pool's signed entries (by sequence), given the
    proposals it lists (by id) and the flood proposals of its floods."""
    subject = pool + "/ledger"
    commitments = _commitments(entries)
    if len(commitments) > _MAX_DECISIONS:
        report.error("ledger.decisions", subject, f"more than {_MAX_DECISIONS} decisions to read")
        return
    problems: dict[str, Any] = {}
    for reference, (committed, at, sequences) in commitments.items():
        why = await _problem(reader, pool, reference, committed, at, proposals, floods)
        if why is not None:
            problems[reference] = {"entries": sequences, "committed": committed, "problem": why}
    unread = [r for r, p in problems.items() if "unreadable: " in p["problem"]]
    if unread and len(unread) == len(problems):
        report.error("ledger.decisions", subject, f"{count(len(unread), 'decision')} a commitment "
                     f"rests on could not be read: {problems[unread[0]]['problem']}")
        return
    if problems:
        report.failed("ledger.decisions", subject, f"{count(len(problems), 'commitment')} rest on no "
                      "decision of the pool that allows them", commitments=problems)
    else:
        report.passed("ledger.decisions", subject, f"{count(len(commitments), 'commitment')}, each "
                      "for a passed decision of the pool, within its amount")
