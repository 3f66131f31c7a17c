"""Where a member's draft or ballot goes: a flood's to node/floods, a budget round's (and its
buckets and allocations) to node/budget, a pool's to node/pool_engine.

The pool engine knows one pool and nothing of floods; node/floods builds on the engine. Both
callers of these functions, the C2S governance outbox (node/c2s.py) and the inbox handlers
(node/handlers/create_proposal.py, create_ballot.py), route through here, so that a flood draft
or a flood ballot reaches node/floods whichever way it came in (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Change
from node.budget import allocate as allocate_in_round
from node.budget import is_round_draft, open_round
from node.budget import propose_bucket as propose_bucket_in_round
from node.errors import NotPoolProposal
from node.floods import cast_in_flood, is_flood_draft, propose_flood
from node.pool_engine import cast as cast_in_pool
from node.pool_engine import propose as propose_in_pool
from node.storage import StoredBucket, StoredFloodProposal, StoredProposal

__all__ = ["allocate", "cast", "propose", "propose_bucket"]


async def propose(
    app: web.Application, draft_document: dict[str, Any], at: datetime
) -> StoredProposal | StoredFloodProposal:
    """Open a member's (proof-checked) draft: a budget round's opens in node/budget (a round is
    always a pool's own), a flood's opens and is announced by node/floods."""
    if is_round_draft(draft_document):
        return await open_round(app, draft_document, at)
    if is_flood_draft(draft_document):
        return await propose_flood(app, draft_document, at)
    return await propose_in_pool(app, draft_document, at)


async def cast(
    app: web.Application, document: dict[str, Any], at: datetime, *, verified: bool = False
) -> Change:
    """Count a Ballot document: on a pool's proposal in the pool engine, otherwise it is a flood
    proposal's ballot for node/floods (which keeps and relays it, or answers 404 too)."""
    try:
        return await cast_in_pool(app, document, at, verified=verified)
    except NotPoolProposal:
        pass  # the proof is checked: the flood takes it from here
    return await cast_in_flood(app, document, at)


async def propose_bucket(app: web.Application, draft: dict[str, Any], at: datetime) -> StoredBucket:
    """A member's (proof-checked) Bucket draft for a pool's budget round (node/budget)."""
    return await propose_bucket_in_round(app, draft, at)


async def allocate(app: web.Application, document: dict[str, Any], at: datetime, *,
                   verified: bool = False) -> Change:
    """A member's Allocation in a pool's budget round (node/budget)."""
    return await allocate_in_round(app, document, at, verified=verified)
