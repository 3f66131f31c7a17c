"""Flood proposals: opened by a member in one pool, announced to every pool of the flood;
each pool freezes and publishes its own signed Electorate (with its pledge) for it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import BallotType, Kind, NotPermitted, RuleViolation, open_proposal
from governance.codec import datetime_from_str
from node.appkeys import ACTORS
from node.floods.common import flood_pools, floods, linked
from node.pool_engine.common import iso, key_lookup, local_pool, new_id, publish, roster_of, signed
from node.storage import ActorRecord, StoredFloodProposal
from node.wire import (
    InvalidDocument,
    check_document,
    draft_from_document,
    proposal_document,
    verify_author_proof,
)
from node.wire.errors import ProofRejected
from node.wire.floods import flood_electorate_document, flood_proposal_document
from node.wire.surplus import SurplusDraft

log = logging.getLogger("poolnode.floods")

__all__ = ["is_flood_draft", "propose_flood", "receive_electorate", "receive_proposal"]

FLOOD_KINDS = (Kind.DECISION, Kind.DISBURSEMENT)


def is_flood_draft(document: dict[str, Any]) -> bool:
    """A member's draft asking for a flood proposal (not a pool's own JoinFlood/LeaveFlood)."""
    return isinstance(document.get("flood"), str) and document.get("proposalKind") not in (
        Kind.JOIN_FLOOD.value, Kind.LEAVE_FLOOD.value)


async def propose_flood(app: web.Application, draft_document: dict[str, Any], at: datetime) -> StoredFloodProposal:
    """Open a member's draft as a flood proposal under its pool's bylaws and announce it."""
    draft = draft_from_document(check_document("proposal", draft_document))
    if draft.motion.kind not in FLOOD_KINDS or isinstance(draft.motion, SurplusDraft):
        raise InvalidDocument("a flood proposal is a decision or a disbursement")
    motion = draft.motion
    pool = await local_pool(app, draft.pool)
    flood = str(draft_document["flood"])
    pools = await flood_pools(app, pool, flood)
    if len(pools) < 2:
        raise NotPermitted("not_in_flood", "the pool is linked with no other pool in this flood")
    roster, bylaws, _ = await roster_of(app, pool)
    if not roster.is_member(draft.author):
        raise NotPermitted("not_a_member", "only a member of the pool may propose")
    double = bool(draft_document.get("doubleMajority", False))
    if double and draft.ballot_type is not BallotType.CONSENT:
        raise InvalidDocument("double majority applies to consent proposals")
    at = at.replace(microsecond=0)
    proposal = open_proposal(
        id=new_id(pool, "floods/proposals"), author=draft.author, title=draft.title,
        motion=motion, bylaws=bylaws, electorate=roster.electorate(), opens_at=at,
        ballot_type=draft.ballot_type, options=draft.options,
    )
    document = flood_proposal_document(proposal_document(proposal, pool.uri, iso(at)), flood, pools,
                                       double, _electorate_id(pool, proposal.id))
    document = signed(document, pool, at)
    stored = await floods(app).add_proposal(
        uri=proposal.id, flood_uri=flood, origin_pool=pool.uri, pools=pools, document=document,
        closes_at=iso(proposal.rule.closes_at), now=iso(at))
    await publish(app, pool, "Announce", document, [p for p in pools if p != pool.uri],
                  followers=False)
    await freeze(app, pool, stored, at)
    return stored


def _electorate_id(pool: ActorRecord, proposal: str) -> str:
    from node.wire.floods import document_key

    return f"{pool.uri}/floods/electorates/{document_key(proposal)}"


async def freeze(app: web.Application, pool: ActorRecord, stored: StoredFloodProposal, at: datetime) -> None:
    """Freeze a local pool's electorate and pledge (its fund now) and send it to the other pools."""
    from governance import electorate_digest

    roster, _, ledger = await roster_of(app, pool)
    members = sorted(roster.electorate().members)
    document = flood_electorate_document(stored.uri, stored.flood_uri, pool.uri, members,
                                         electorate_digest(members), ledger.fund, iso(at))
    document = signed(document, pool, at)
    if await floods(app).put_electorate(stored.uri, pool.uri, document):
        others = [p for p in stored.pools if p != pool.uri]
        await publish(app, pool, "Create", document, others, followers=False, members=False)
        from node.floods.results import refresh

        await refresh(app, stored.uri)


async def receive_proposal(app: web.Application, relay: str, document: dict[str, Any], at: datetime) -> None:
    """Another pool announced its flood proposal: check it, keep it, freeze our electorates."""
    check_document("proposal", document)
    origin = document.get("attributedTo")
    pools = document.get("floodPools")
    if "electorate" not in document or not isinstance(document.get("flood"), str) or not isinstance(pools, list):
        raise InvalidDocument("a flood proposal carries flood, floodPools and its frozen rule")
    if origin != relay or document.get("pool") != origin:
        raise ProofRejected("proof rejected: a flood proposal is announced by the pool that opened it")
    await verify_author_proof(document, origin, lambda m: key_lookup(app, m))
    mine = [a for a in [await app[ACTORS].by_uri(p) for p in pools] if a is not None and a.is_pool]
    ours = [p for p in mine if p.uri != origin and await linked(app, p.uri, origin)]
    if not ours:
        raise NotPermitted("not_in_flood", "no pool here is linked with the proposing pool")
    stored = await floods(app).add_proposal(
        uri=document["id"], flood_uri=document["flood"], origin_pool=origin, pools=pools,
        document=document, closes_at=iso(datetime.fromisoformat(document["closesAt"].replace("Z", "+00:00"))),
        now=iso(at))
    # Electorates that came before their proposal are judged now, by the receiver's rule.
    for pool_uri, electorate in (await floods(app).electorates(stored.uri)).items():
        late = late_electorate(electorate, document["closesAt"])
        if late is not None:
            log.warning("flood electorate of %s for %s dropped: %s", pool_uri, stored.uri, late)
            await floods(app).drop_electorate(stored.uri, pool_uri)
    if at >= datetime_from_str(document["closesAt"]):
        # Too late to take part: a pool freezes an electorate only while the proposal is open,
        # so its "none" (404) is the same answer for every node reconciling after the close.
        log.warning("flood proposal %s arrived after its close: %s take no part", stored.uri,
                    ", ".join(p.uri for p in ours))
        return
    for pool in ours:
        await freeze(app, pool, stored, at)


def late_electorate(electorate: dict[str, Any], closes_at: str) -> str | None:
    """Why an electorate cannot count for a proposal closing at ``closes_at``, or None.

    A pool freezes its electorate only while the proposal is open, so one signed as published
    at or after ``closesAt`` (or not saying when) is refused by every node alike: each then sees
    that pool as absent, as a node that asked the pool before it froze one does."""
    published = electorate.get("published")
    if not isinstance(published, str):
        return "a flood electorate says when it was frozen (published)"
    try:
        late = datetime_from_str(published) >= datetime_from_str(closes_at)
    except RuleViolation as exc:
        return f"a flood electorate's published is not a date-time: {exc.reason}"
    if late:
        return f"the electorate was frozen ({published}) after the proposal closed ({closes_at})"
    return None


async def receive_electorate(app: web.Application, sender: str, document: dict[str, Any]) -> None:
    """A pool's signed electorate for a flood proposal (kept even before the proposal arrives)."""
    check_document("electorate", document)
    if document["attributedTo"] != sender or document.get("pool") != sender:
        raise ProofRejected("proof rejected: an electorate is sent by its own pool")
    if not isinstance(document.get("flood"), str) or not isinstance(document.get("pledge"), int):
        raise InvalidDocument("a flood electorate names its flood and pledge")
    await verify_author_proof(document, sender, lambda m: key_lookup(app, m))
    stored = await floods(app).proposal(document["proposal"])
    late = late_electorate(document, stored.document["closesAt"]) if stored is not None else None
    if late is not None:
        raise RuleViolation("electorate_after_close", late)
    if await floods(app).put_electorate(document["proposal"], sender, document):
        from node.floods.keys import prefetch
        from node.floods.results import refresh

        members = document.get("members")
        if isinstance(members, list):
            prefetch(app, [m for m in members if isinstance(m, str)])
        await refresh(app, document["proposal"])


__all__ += ["freeze", "late_electorate"]

