"""Recounts, told back: a witnessing pool whose node recounted a final tally of the pool it
witnesses (node/pool_engine/remote_results.py does, on receiving it) sends that pool a signed
Recount; the pool compares the recounted fields with its own final tally and its proposal page
shows "recounted by N pools: same result", or each difference.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from node.errors import Conflict, NotFound
from node.pool_engine.common import iso, publish, signed, store
from node.pool_engine.remote_results import COMPARED_FIELDS
from node.storage import ActorRecord, StoredRecountReport
from node.wire import InvalidDocument, check_document
from node.wire.errors import ProofRejected
from node.wire.witness import recount_document, recount_path
from node.witness.common import witnesses

__all__ = ["REPORTS_PER_CHECK", "receive_recount", "recounts_of", "report_recounts"]

REPORTS_PER_CHECK = 20
"""At most this many recounts are told to a pool after one check of its ledger."""


async def report_recounts(app: web.Application, pool: ActorRecord, target: str,
                          now: datetime) -> int:
    """Send ``target`` a Recount for each of its final tallies this node recounted (matching or
    not) and ``pool`` has not reported since; how many."""
    store_ = witnesses(app)
    sent = 0
    for proposal, tally, state, recount_json, differences_json, checked in await store_.unreported(
            target, pool.uri, REPORTS_PER_CHECK):
        differences = json.loads(differences_json)
        document = signed(recount_document(
            pool.uri, target, proposal, tally, state,
            json.loads(recount_json) if recount_json else None, differences, iso(now)), pool, now)
        # Kept as reported no earlier than the recount it reports (a later recount is news).
        await store_.put_report(document, None, differences, max(iso(now), checked))
        await publish(app, pool, "Create", document, [target], followers=False, members=False)
        sent += 1
    return sent


def _ours(tally: dict[str, Any]) -> dict[str, Any]:
    return {field: tally.get(field) for field in COMPARED_FIELDS}


async def receive_recount(app: web.Application, sender: str, document: dict[str, Any],
                          at: datetime) -> None:
    """Another pool's Recount of one of our final tallies: kept, with whether its recounted
    fields are ours (``matches``) and, if not, each field's two values."""
    from node.witness.receiving import witnessed_pool

    check_document("recount", document)
    pool = await witnessed_pool(app, sender, document, at)
    if document["id"] != recount_path(sender, document["proposal"]):
        raise ProofRejected("proof rejected: a Recount lives at {reporter}/recounts/{key}")
    stored = await store(app).proposal(document["proposal"])
    if stored is None or stored.pool_id != pool.id or stored.kind == "budget_round":
        raise NotFound("no such proposal with a tally in this pool")
    if stored.state != "closed":
        raise Conflict("the proposal is still open: only a final tally is recounted")
    final = await store(app).tally_document(stored.id)
    if final is None or document["tally"] != final.get("id"):
        raise InvalidDocument("the Recount does not name this proposal's final tally")
    ours, theirs = _ours(final), document.get("recount") or {}
    fields = {field: {"ours": ours[field], "theirs": theirs.get(field)}
              for field in COMPARED_FIELDS if theirs.get(field) != ours[field]}
    differences: dict[str, Any] = {}
    if fields:
        differences["fields"] = fields
    if document["differences"]:
        differences["reported"] = document["differences"]
    matches = document["result"] == "matches" and not fields
    await witnesses(app).put_report(document, matches, differences, iso(at))


async def recounts_of(app: web.Application, proposal_uri: str) -> list[StoredRecountReport]:
    """Other pools' recounts of a local proposal's final tally (not our own reports)."""
    return [r for r in await witnesses(app).reports(proposal_uri) if r.matches is not None]
