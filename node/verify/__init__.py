"""``poolnode verify``: check a pool, a proposal or a flood proposal from outside, with no node.

Only the public record is read (``reader``: bounded GETs, signed when the pool requires it);
every proof is checked against its author's own key, and every result is recounted with the
node's own rules (``governance`` through ``node.wire``). Each check is a verdict with its
evidence (``report``). docs/OPERATIONS.md, "Checking a pool from outside", lists the checks.
"""

from __future__ import annotations

from datetime import datetime

from node.verify.floods import verify_flood
from node.verify.pools import verify_pool
from node.verify.proposals import verify_proposal
from node.verify.reader import Limits, RecordReader, Unreadable, key_signer, reader_credentials
from node.verify.report import Check, Report, Verdict

__all__ = ["Check", "Limits", "RecordReader", "Report", "Verdict", "key_signer", "reader_credentials",
           "verify_url"]


async def verify_url(reader: RecordReader, url: str, now: datetime, report: Report | None = None) -> Report:
    """Check whatever ``url`` is: a proposal, a flood proposal or a pool (its actor)."""
    report = report if report is not None else Report(url)
    try:
        document = await reader.document(url)
    except Unreadable as exc:
        report.error("target", exc.url, exc.reason)
        return report
    kind = document.get("type")
    if kind == "Proposal" and "floodPools" in document:
        report.kind = "flood proposal"
        await verify_flood(reader, report, document, now)
    elif kind == "Proposal":
        report.kind = "proposal"
        await verify_proposal(reader, report, document, now)
    elif kind in ("Group", "Organization", "Service") and isinstance(document.get("ledger"), str):
        report.kind = "pool"
        await verify_pool(reader, report, document, now)
    else:
        report.error("target", url, f"not a proposal, a flood proposal or a pool but a {kind!r}: "
                     "give the URL of one of those")
    report.requests = reader.requests
    return report
