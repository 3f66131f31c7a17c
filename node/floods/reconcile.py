"""Before a node closes a flood proposal it reconciles its ballots with every other pool's:
it reads the list of ballot ids each pool accepted from its own members (complete once that
pool's intake settled after ``closesAt``) and fetches the ballots it lacks, each accepted on
its voter's own proof as a relayed ballot is (docs/PROTOCOL.md §Result and attestations).

Nothing is kept between attempts (the closing worker retries every tick), so a restart
loses nothing. A pool whose list cannot be read, or whose listed ballots cannot be fetched, within
``RECONCILE_WAIT`` after the close is recorded as a mismatch, and the node closes without it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from federation.errors import FetchError
from governance import GovernanceError
from governance.codec import datetime_from_str
from node.appkeys import ACTORS
from node.errors import NodeError
from node.floods.common import floods
from node.http import fetch_as
from node.pool_engine.common import iso
from node.storage import ActorRecord, StoredFloodProposal
from node.wire.floods import ballot_list_id

__all__ = ["FLOOD_GRACE", "RECONCILE_WAIT", "list_complete", "reconcile"]

log = logging.getLogger("poolnode.floods")

FLOOD_GRACE = timedelta(seconds=0.5)
"""How long after ``closesAt`` a pool's own intake settles (a ballot accepted at the close is
written): from then on its ballot list is complete and nodes start closing."""

RECONCILE_WAIT = timedelta(seconds=30)
"""How long after ``closesAt`` a node waits for other pools' ballot lists and ballots."""

FETCH_CONCURRENCY = 8


def list_complete(closes_at: str, now: datetime) -> bool:
    """Whether a pool's own ballot list is final: its intake has settled after the close."""
    return now >= datetime_from_str(closes_at) + FLOOD_GRACE


async def reconcile(app: web.Application, stored: StoredFloodProposal, now: datetime) -> bool:
    """Fetch what other pools counted and this node lacks; whether the proposal may close now
    (every pool reconciled, or ``RECONCILE_WAIT`` is over and the rest recorded as mismatches)."""
    electorates = await floods(app).electorates(stored.uri)
    waiting: dict[str, str] = {}
    actors = {pool: await app[ACTORS].by_uri(pool) for pool in stored.pools}
    # Other pools' lists are read as our own pool of the flood: a members-only pool serves its
    # record to the pools of its floods, on a GET signed by one of them.
    ours = next((a for a in actors.values() if a is not None and a.is_pool), None)
    for pool in stored.pools:
        actor = actors[pool]
        if (actor is not None and actor.is_pool) or pool not in electorates:
            continue  # our own pool's ballots are here; a pool without an electorate is absent
        try:
            unsettled = await _reconcile_pool(app, stored, pool, electorates[pool], now, ours)
        except FetchError as exc:
            unsettled = f"its ballot list could not be read: {exc.reason}"
        if unsettled is not None:
            waiting[pool] = unsettled
    if not waiting:
        return True
    if now < datetime_from_str(stored.document["closesAt"]) + RECONCILE_WAIT:
        return False
    for pool, reason in waiting.items():
        log.warning("flood proposal %s closes unreconciled with %s: %s", stored.uri, pool, reason)
        document = {"id": _list_url(pool, stored.uri, electorates[pool]), "type": "OrderedCollection",
                    "attributedTo": pool, "proposal": stored.uri}
        await floods(app).put_attestation(stored.uri, pool, document, False,
                                          f"not reconciled by the close: {reason}", iso(now))
    return True


def _list_url(pool: str, proposal: str, electorate: dict[str, Any]) -> str:
    """The pool's ballot list as its electorate names it (on the pool's origin), else the default."""
    named = electorate.get("ballots")
    if isinstance(named, str) and urlsplit(named)[:2] == urlsplit(pool)[:2]:
        return named
    return ballot_list_id(pool, proposal)


async def _reconcile_pool(app: web.Application, stored: StoredFloodProposal, pool: str,
                          electorate: dict[str, Any], now: datetime,
                          ours: ActorRecord | None) -> str | None:
    """Read one pool's ballot list and fetch the ballots missing here; None once done,
    else why not yet."""
    from node.floods.ballots import receive_relayed

    listed = await fetch_as(app, _list_url(pool, stored.uri, electorate), ours)
    if listed.get("proposal") != stored.uri or listed.get("attributedTo") != pool:
        return "its ballot list names another proposal or pool"
    if listed.get("complete") is not True:
        return "its ballot list was not complete"
    items = listed.get("orderedItems")
    ids = {i for i in items if isinstance(i, str)} if isinstance(items, list) else set()
    missing = sorted(ids - await floods(app).ballot_ids(stored.uri))
    if missing:
        log.info("flood proposal %s: fetching %d ballot(s) of %s missing here", stored.uri,
                 len(missing), pool)
    limit = asyncio.Semaphore(FETCH_CONCURRENCY)
    failed: list[str] = []

    async def fetch(uri: str) -> None:
        async with limit:
            try:
                document = await fetch_as(app, uri, ours)
                if document.get("id") != uri:
                    raise FetchError("the fetched ballot has another id", detail=uri)
                await receive_relayed(app, pool, document, now)
            except (GovernanceError, NodeError) as exc:
                # A listed ballot that fails the relay rules is not counted here; the pool's
                # attestation, if it counted it, then differs and is recorded as a mismatch.
                log.warning("flood ballot %s listed by %s refused: %s", uri, pool,
                            getattr(exc, "reason", str(exc)))
            except FetchError as exc:
                failed.append(f"{uri}: {exc.reason}")

    await asyncio.gather(*(fetch(uri) for uri in missing))
    if failed:
        return f"{len(failed)} listed ballot(s) could not be fetched, e.g. {failed[0]}"
    return None
