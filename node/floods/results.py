"""Flood results: the flood tally from the signed ballots and the pools' signed electorates;
after the vote the result is *provisional* until this node has reconciled with every pool,
then *final* (docs/PROTOCOL.md §Provisional and final results): each local pool attests it,
other pools' attestations are checked against it (a different result is a mismatch, stored and
logged), and only then does each local pool owe its pro-rata share of a passed disbursement."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Ballot, Outcome, Proposal
from node.appkeys import ACTORS, DB, WORKERS
from node.floods.common import floods
from node.floods.keys import stop_prefetching
from node.floods.reconcile import FLOOD_GRACE, forget_pending, reconcile
from node.floods.relay import flush_all
from node.floods.running import CLOSED_TOPIC, ballots_of, forget, running_count, stop_refreshing
from node.floods.shares import owe_shares
from node.pool_engine.common import clock_worker, iso, key_lookup, publish, signed
from node.storage import ActorRecord, StoredFloodProposal
from node.wire import check_document, verify_author_proof
from node.wire.errors import ProofRejected
from node.wire.floods import (
    FloodCount,
    attestation_document,
    flood_proposal,
    recount,
    stored_summary,
    summary_digest,
    summary_of_attestation,
)

__all__ = ["FLOOD_GRACE", "close_due", "compute", "flood_disbursement", "floods_ctx", "receive_attestation", "refresh"]

log = logging.getLogger("poolnode.floods")

async def compute(app: web.Application, uri: str, *, final: bool = False) -> FloodCount | None:
    """(flood tally, result summary, counted ballot ids) once every pool's electorate is here;
    with ``final`` (at the close) the pools whose electorate never came are left out."""
    stored = await floods(app).proposal(uri)
    if stored is None:
        return None
    electorates = await floods(app).electorates(uri)
    if stored.state == "closed":  # read rarely: not kept in memory
        ballots = [Ballot.from_dict(data) for data, _ in await floods(app).ballots(uri)]
    elif not final:
        return await running_count(app, uri, list(electorates),
                                   lambda kept: recount(stored.document, electorates, kept))
    else:
        ballots = await ballots_of(app, uri)
    return recount(stored.document, electorates, ballots, final=final)


async def refresh(app: web.Application, uri: str) -> None:
    """Update the running result of an open flood proposal."""
    stored = await floods(app).proposal(uri)
    if stored is None or stored.state != "open":
        return
    computed = await compute(app, uri)
    if computed is not None:
        await floods(app).set_result(uri, computed[1]["outcome"], computed[1])


async def close_due(app: web.Application, now: datetime) -> list[str]:
    """Finalise flood proposals past their close (and the grace) once reconciled with every
    other pool; their ids. The others stay provisional (``reconcile.pending_of`` says why)."""
    closed = []
    for stored in await floods(app).due_proposals(iso(now - FLOOD_GRACE)):
        if await reconcile(app, stored, now):
            continue
        if await close(app, stored, now):
            forget_pending(app, stored.uri)
            closed.append(stored.uri)
    return closed


async def close(app: web.Application, stored: StoredFloodProposal, now: datetime) -> bool:
    """Record the final result; each local pool attests it and owes its share of the money."""
    computed = await compute(app, stored.uri, final=True)
    if computed is None:
        return False  # no pool's electorate at all (not even the proposing pool's): wait
    result, summary, ballots = computed
    if summary["absentPools"]:
        log.warning("flood proposal %s closes without the electorate of %s: left out of the union",
                    stored.uri, ", ".join(summary["absentPools"]))
    if not await floods(app).close_proposal(stored.uri, result.outcome.value, summary, iso(now)):
        return False
    forget(app, stored.uri)
    await app[DB].notify(CLOSED_TOPIC, stored.uri)  # the other processes drop it too
    local = [a for a in [await app[ACTORS].by_uri(p) for p in stored.pools]
             if a is not None and a.is_pool]
    for pool in local:
        document = signed(attestation_document(pool.uri, summary, ballots, iso(now)), pool, now)
        await floods(app).put_attestation(stored.uri, pool.uri, document, True, None, iso(now))
        others = [p for p in stored.pools if p != pool.uri]
        await publish(app, pool, "Create", document, others, followers=False)
    for attestation in await floods(app).attestations(stored.uri):
        if attestation.matches is None:
            await _judge(app, stored.uri, attestation.document, summary, ballots, now)
    if result.outcome is Outcome.PASSED and stored.document.get("proposalKind") == "disbursement":
        await owe_shares(app, stored, local, now)
    return True


async def _judge(app: web.Application, uri: str, document: dict[str, Any],
                 ours: dict[str, Any], counted: list[str] | None, now: datetime) -> None:
    theirs = summary_of_attestation(document)
    differing = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    if document.get("tallyDigest") != summary_digest(theirs):
        differing.append("tallyDigest")
    reasons = [f"{k} (theirs {theirs.get(k, document.get(k))!r}, ours {ours.get(k)!r})" for k in differing]
    listed = document.get("ballots")
    if counted is not None and isinstance(listed, list) and set(listed) != set(counted):
        # Same counts from different ballots is still a different result.
        only_theirs, only_ours = set(listed) - set(counted), set(counted) - set(listed)
        reasons.append(f"ballots ({len(only_theirs)} counted only there, e.g. "
                       f"{sorted(only_theirs)[:1]}; {len(only_ours)} only here, e.g. {sorted(only_ours)[:1]})")
        differing.append("ballots")
    reason = None
    if differing:
        reason = "differs in " + ", ".join(reasons)
        log.warning("flood result mismatch: %s attests %s for %s: %s", document["attributedTo"],
                    document.get("outcome"), uri, reason)
    await floods(app).put_attestation(uri, document["attributedTo"], document, not differing,
                                      reason, iso(now))


async def receive_attestation(app: web.Application, sender: str, document: dict[str, Any],
                              at: datetime) -> None:
    """Another pool's attestation: kept, and compared with our own result once we have it."""
    check_document("attestation", document)
    if document["attributedTo"] != sender or document["pool"] != sender:
        raise ProofRejected("proof rejected: an attestation is sent by its own pool")
    await verify_author_proof(document, sender, lambda m: key_lookup(app, m))
    stored = await floods(app).proposal(document["proposal"])
    if stored is not None and stored.state == "closed" and stored.result is not None:
        await _judge(app, stored.uri, document, stored_summary(stored.result, stored.flood_uri),
                     await _counted(app, stored), at)
    else:
        await floods(app).put_attestation(document["proposal"], sender, document, None, None, iso(at))


async def _counted(app: web.Application, stored: StoredFloodProposal) -> list[str] | None:
    """The ballot ids this node counted at the close (its own pools' attestations list them)."""
    for attestation in await floods(app).attestations(stored.uri):
        actor = await app[ACTORS].by_uri(attestation.pool_uri)
        if actor is not None and actor.is_pool and isinstance(attestation.document.get("ballots"), list):
            return list(attestation.document["ballots"])
    return None


async def flood_disbursement(app: web.Application, pool: ActorRecord, uri: str) -> Proposal | None:
    """A passed flood disbursement ``pool`` took part in (to pay its commitment), else None."""
    stored = await floods(app).proposal(uri)
    if (stored is None or pool.uri not in stored.pools or stored.state != "closed"
            or stored.document.get("proposalKind") != "disbursement"):
        return None
    documents = await floods(app).electorates(uri)
    if pool.uri not in documents:
        return None  # the pool had no electorate in it: it committed nothing
    proposal, _ = flood_proposal(stored.document, {p: d for p, d in documents.items() if p in stored.pools})
    return proposal


async def floods_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: a worker closing due flood proposals (it reads the clock)."""
    # Another process on a shared database closed a flood proposal this one may keep.
    await app[DB].on_notice(CLOSED_TOPIC, lambda uri: forget(app, uri))

    async with clock_worker("flood-closing", 0.25, lambda now: close_due(app, now), log,
                            "closing flood proposals failed", running=app.get(WORKERS, True)):
        yield
    await stop_prefetching(app)
    await stop_refreshing(app)
    await flush_all(app)  # collected relays go to the outbox and the delivery queue now
