"""A whole pool checked from outside: every proposal it opened, every flood proposal of its
floods, its ledger, and its ledger against the heads its witnesses attested."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from node.verify.decisions import verify_decisions
from node.verify.floods import verify_flood
from node.verify.ledger import verify_ledger
from node.verify.proposals import verify_proposal
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, count
from node.verify.witnesses import verify_witnesses

__all__ = ["verify_pool"]


async def _proposals(reader: RecordReader, report: Report, pool: str, collection: str,
                     now: datetime) -> dict[str, dict[str, Any]]:
    """Check every proposal the pool lists; those it lists, by id."""
    found: dict[str, dict[str, Any]] = {}
    try:
        _, items = await reader.items(collection, "proposals")
    except Unreadable as exc:
        report.error("pool.proposals", exc.url, exc.reason)
        return found
    report.passed("pool.proposals", collection, f"{count(len(items), 'proposal')} listed")
    for item in reversed(items):  # oldest first, as they were decided
        try:
            document = item if isinstance(item, dict) else await reader.document(str(item))
        except Unreadable as exc:
            report.error("proposal.document", exc.url, exc.reason)
            continue
        if str(document.get("id", "")).startswith(pool + "/"):
            found[str(document["id"])] = document
        await verify_proposal(reader, report, document, now)
        report.scope = pool
    return found


async def _flood_proposals(reader: RecordReader, report: Report, pool: str, now: datetime,
                           listed: set[str]) -> list[str]:
    """Check the flood proposals of the floods ``{pool}/floods`` lists (JSON: docs/PROTOCOL.md
    §Links), adding their ids to ``listed``; the pools of those floods."""
    try:
        listing = await reader.json(pool + "/floods")
    except Unreadable as exc:
        report.error("pool.floods", exc.url, exc.reason)
        return []
    floods = listing.get("floods") if isinstance(listing, dict) else None
    if not isinstance(floods, list):
        report.failed("pool.floods", pool + "/floods", "the pool's floods are not listed as 'floods'")
        return []
    proposals: dict[str, None] = {}
    peers: dict[str, None] = {}
    for flood in floods:
        for peer in flood.get("pools", []) if isinstance(flood, dict) else []:
            if isinstance(peer, str) and peer.startswith(("https://", "http://")):
                peers[peer] = None
        for uri in flood.get("proposals", []) if isinstance(flood, dict) else []:
            if isinstance(uri, str):
                proposals[uri] = None
    report.passed("pool.floods", pool + "/floods", f"{count(len(floods), 'flood')}, "
                  f"{count(len(proposals), 'flood proposal')}")
    listed.update(proposals)
    for uri in proposals:
        try:
            document = await reader.document(uri)
        except Unreadable as exc:
            report.error("proposal.document", exc.url, exc.reason)
            continue
        await verify_flood(reader, report, document, now)
        report.scope = pool
    return list(peers)


async def verify_pool(reader: RecordReader, report: Report, actor: Mapping[str, Any],
                      now: datetime) -> None:
    """Check the pool whose actor document is ``actor``."""
    pool = str(actor["id"])
    report.scope = pool
    collection = actor.get("proposals")
    proposals = collection if isinstance(collection, str) and collection.startswith(pool + "/") else (
        pool + "/proposals")
    decided = await _proposals(reader, report, pool, proposals, now)
    floods: set[str] = set()
    peers = await _flood_proposals(reader, report, pool, now, floods)
    entries = await verify_ledger(reader, report, pool)
    if entries is not None:
        report.scope = pool + "/ledger"
        await verify_decisions(reader, report, pool, entries, decided, floods)
        await verify_witnesses(reader, report, actor, entries, peers)
