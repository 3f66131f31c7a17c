"""Before a node finalises a flood result it reconciles with every other pool of the proposal
(docs/PROTOCOL.md §Provisional and final results): it reads each pool's signed electorate (or
the pool's own answer that it has none) and its complete list of the ballots it accepted from
its own members, and fetches the ballots it lacks, each accepted on its voter's own proof as a
relayed ballot is.

A pool not reconciled yet keeps the result *provisional*: no timeout ever finalises without it,
because the two sides of a cut cannot agree on when a timeout fired, while every side that hears
from every pool recounts the same ballots. Past ``flood_reconcile_wait`` after the close such a
pool is reported overdue (logged once, shown as such); it is retried with a back-off of at most
``RETRY_CAP`` (so within 5 s of its host being reachable again).

Nothing but the back-off is kept between attempts (the closing worker retries every tick), so a
restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from federation.errors import FetchError, RemoteAnswered
from governance import GovernanceError
from governance.codec import datetime_from_str
from node.appkeys import ACTORS, CONFIG
from node.errors import NodeError
from node.floods.common import floods
from node.http import fetch_as
from node.pool_engine.common import iso
from node.storage import ActorRecord, StoredFloodProposal
from node.wire.floods import ballot_list_id, document_key

__all__ = ["FLOOD_GRACE", "RETRY_CAP", "Pending", "flood_status", "list_complete", "pending_of",
           "reconcile", "reconcile_wait"]

log = logging.getLogger("poolnode.floods")

FLOOD_GRACE = timedelta(seconds=0.5)
"""How long after ``closesAt`` a pool's own intake settles (a ballot accepted at the close is
written): from then on its ballot list is complete and nodes start reconciling."""

RETRY_CAP = timedelta(seconds=5)
"""At most this long between two attempts to reconcile with a pool that did not answer."""

FETCH_CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class Pending:
    """A pool this node has not reconciled with yet, why, and since when."""

    pool: str
    reason: str
    since: str
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        """The form the tally view and the web page show."""
        return {"pool": self.pool, "reason": self.reason, "since": self.since, "overdue": self.overdue}


@dataclass(slots=True)
class _Attempts:
    since: datetime
    next_at: datetime
    delay: timedelta
    warned: bool = False


# (proposal, pool) -> the attempts and why not yet, or None once reconciled (not read again).
_PENDING: weakref.WeakKeyDictionary[web.Application, dict[tuple[str, str], tuple[_Attempts, str] | None]] = (
    weakref.WeakKeyDictionary())


def list_complete(closes_at: str, now: datetime) -> bool:
    """Whether a pool's own ballot list is final: its intake has settled after the close."""
    return now >= datetime_from_str(closes_at) + FLOOD_GRACE


def reconcile_wait(app: web.Application) -> timedelta:
    """How long after the close a pool not reconciled yet is reported overdue."""
    return timedelta(seconds=app[CONFIG].flood_reconcile_wait)


def pending_of(app: web.Application, uri: str, now: datetime) -> list[Pending]:
    """The pools the proposal still waits for on this node (empty once final or before the close)."""
    stored = _PENDING.get(app, {})
    return [Pending(pool, entry[1], iso(entry[0].since), entry[0].warned)
            for (proposal, pool), entry in sorted(stored.items()) if proposal == uri and entry is not None]


async def flood_status(app: web.Application, stored: StoredFloodProposal,
                       now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """``open``, ``provisional`` or ``final``, and the pools a provisional result waits for."""
    if stored.state == "closed":
        return "final", []
    closes = stored.document["closesAt"]
    known = _PENDING.get(app, {})
    reconciling = any(key[0] == stored.uri for key in known)  # the closing worker's clock says closed
    if now < datetime_from_str(closes) and not reconciling:
        return "open", []
    waiting = []
    for pool in stored.pools:
        actor = await app[ACTORS].by_uri(pool)
        if actor is not None and actor.is_pool:
            continue
        entry = known.get((stored.uri, pool), ())
        if entry is None:
            continue  # reconciled
        if entry:
            attempts, reason = entry
            waiting.append(Pending(pool, reason, iso(attempts.since), attempts.warned).to_dict())
        else:
            waiting.append(Pending(pool, "not reconciled yet", closes, False).to_dict())
    return "provisional", waiting


async def reconcile(app: web.Application, stored: StoredFloodProposal, now: datetime) -> list[Pending]:
    """Reconcile with every other pool that is due an attempt; the pools still pending (none:
    the result may be finalised now)."""
    electorates = await floods(app).electorates(stored.uri)
    actors = {pool: await app[ACTORS].by_uri(pool) for pool in stored.pools}
    # Other pools' records are read as our own pool of the flood: a members-only pool serves its
    # record to the pools of its floods, on a GET signed by one of them.
    ours = next((a for a in actors.values() if a is not None and a.is_pool), None)
    pending = _PENDING.setdefault(app, {})
    overdue_at = datetime_from_str(stored.document["closesAt"]) + reconcile_wait(app)
    for pool in stored.pools:
        actor = actors[pool]
        if actor is not None and actor.is_pool:
            continue  # our own pool's ballots and electorate are here
        key = (stored.uri, pool)
        if key in pending and pending[key] is None:
            continue  # reconciled: its complete list and ballots do not change
        known = pending.get(key)
        if known is not None and now < known[0].next_at:
            continue
        try:
            unsettled = await _reconcile_pool(app, stored, pool, electorates.get(pool), now, ours)
        except FetchError as exc:
            unsettled = f"its record could not be read: {exc.reason}"
        if unsettled is None:
            if known is not None:
                log.info("flood proposal %s: reconciled with %s", stored.uri, pool)
            pending[key] = None
            continue
        attempts = known[0] if known is not None else _Attempts(now, now, timedelta(0))
        attempts.delay = min(max(attempts.delay * 2, timedelta(seconds=0.5)), RETRY_CAP)
        attempts.next_at = now + attempts.delay
        if now >= overdue_at and not attempts.warned:
            attempts.warned = True
            log.warning("flood proposal %s still waits for %s past the reconcile wait (%s): "
                        "its result stays provisional, nothing is booked", stored.uri, pool, unsettled)
        pending[key] = (attempts, unsettled)
    return pending_of(app, stored.uri, now)


def forget_pending(app: web.Application, uri: str) -> None:
    """Drop a finalised proposal's attempts."""
    stored = _PENDING.get(app, {})
    for key in [k for k in stored if k[0] == uri]:
        del stored[key]


def _record_url(pool: str, proposal: str, kind: str) -> str:
    return f"{pool}/floods/{kind}/{document_key(proposal)}"


def _list_url(pool: str, proposal: str, electorate: dict[str, Any]) -> str:
    """The pool's ballot list as its electorate names it (on the pool's origin), else the default."""
    named = electorate.get("ballots")
    if isinstance(named, str) and urlsplit(named)[:2] == urlsplit(pool)[:2]:
        return named
    return ballot_list_id(pool, proposal)


async def _electorate(app: web.Application, stored: StoredFloodProposal, pool: str,
                      ours: ActorRecord | None) -> dict[str, Any] | str | None:
    """The pool's electorate fetched from it; None when the pool answers it has none (it never
    took part: a pool freezes one only while the proposal is open); else why not known yet."""
    from node.floods.proposals import receive_electorate

    try:
        document = await fetch_as(app, _record_url(pool, stored.uri, "electorates"), ours)
    except RemoteAnswered as exc:
        if exc.remote_status in (404, 410):
            return None
        raise
    try:
        await receive_electorate(app, pool, document)
    except GovernanceError as exc:
        if exc.code == "electorate_after_close":
            return None  # frozen after the close: it takes no part, for every node alike
        return f"its electorate was refused: {exc.reason}"
    except NodeError as exc:
        return f"its electorate was refused: {getattr(exc, 'reason', str(exc))}"
    return (await floods(app).electorates(stored.uri)).get(pool) or "its electorate was not kept"


async def _reconcile_pool(app: web.Application, stored: StoredFloodProposal, pool: str,
                          electorate: dict[str, Any] | None, now: datetime,
                          ours: ActorRecord | None) -> str | None:
    """Read one pool's electorate and ballot list and fetch the ballots missing here; None once
    done, else why not yet."""
    from node.floods.ballots import receive_relayed

    if electorate is None:
        found = await _electorate(app, stored, pool, ours)
        if found is None:
            return None  # the pool says it has no electorate: absent everywhere alike
        if isinstance(found, str):
            return found
        electorate = found
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
                # A listed ballot that fails the relay rules is refused alike by every node (its
                # own proof, the signed electorate, its signed time): not counted anywhere.
                log.warning("flood ballot %s listed by %s refused: %s", uri, pool,
                            getattr(exc, "reason", str(exc)))
            except FetchError as exc:
                failed.append(f"{uri}: {exc.reason}")

    await asyncio.gather(*(fetch(uri) for uri in missing))
    if failed:
        return f"{len(failed)} listed ballot(s) could not be fetched, e.g. {failed[0]}"
    return None


__all__ += ["forget_pending"]
