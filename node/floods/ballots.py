"""Ballots of flood proposals: a pool takes its members' ballots and relays them unchanged
(``Announce``, as FEP-1b12 groups do); every node accepts a ballot on its own proof only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Change, Conflict, NotPermitted
from governance.codec import datetime_from_str
from node.errors import NotFound
from node.floods.common import floods
from node.floods.running import remember, schedule
from node.pool_engine.common import iso, key_lookup, local_pool, publish
from node.wire import ballot_from_document, check_document, verify_author_proof
from node.wire.errors import ProofRejected

__all__ = ["cast_in_flood", "receive_relayed"]


async def cast_in_flood(app: web.Application, document: dict[str, Any], at: datetime) -> Change:
    """A member's (proof-checked) ballot sent to their pool: keep it and relay it to the other pools."""
    ballot = ballot_from_document(document)
    stored = await floods(app).proposal(ballot.proposal_id)
    if stored is None:
        raise NotFound("no such proposal on this node")
    pool = await local_pool(app, document.get("pool"))
    if pool.uri not in stored.pools:
        raise NotPermitted("not_in_flood", "the pool does not take part in this flood proposal")
    attested = document.get("attestedBy")
    if attested is not None and attested != pool.uri:
        raise ProofRejected("proof rejected: only this pool's own attestations are accepted")
    electorate = (await floods(app).electorates(stored.uri)).get(pool.uri)
    if electorate is None or ballot.voter not in electorate["members"]:
        raise NotPermitted("not_in_electorate", "the voter is not in this pool's electorate")
    # To the instant, not the second: a pool's ballot list is complete once its intake settles.
    if stored.state == "closed" or at > datetime_from_str(stored.document["closesAt"]):
        raise Conflict("proposal_closed", "the proposal is closed")
    if not await floods(app).add_ballot(stored.uri, uri=ballot.id, voter_uri=ballot.voter,
                                        via_pool=pool.uri, ballot=ballot.to_dict(),
                                        document=document, now=iso(at)):
        return Change.UNCHANGED
    remember(app, stored.uri, ballot)
    others = [p for p in stored.pools if p != pool.uri]
    await publish(app, pool, "Announce", document, others, followers=False, members=False)
    schedule(app, stored.uri)
    return Change.COUNTED


async def receive_relayed(app: web.Application, relay: str, document: dict[str, Any], at: datetime) -> None:
    """A ballot another pool relayed: its own proof, a voter of that pool, cast before the close."""
    check_document("ballot", document)
    author = document.get("attestedBy") or document["attributedTo"]
    if document.get("attestedBy") not in (None, relay):
        raise ProofRejected("proof rejected: an attested ballot is relayed by its attesting pool")
    await verify_author_proof(document, author, lambda m: key_lookup(app, m))
    ballot = ballot_from_document(document)
    if document.get("pool") != relay:
        raise NotPermitted("not_in_flood", "a pool relays only its own members' ballots")
    stored = await floods(app).proposal(ballot.proposal_id)
    if stored is not None:
        if relay not in stored.pools:
            raise NotPermitted("not_in_flood", "the relaying pool is not in this flood proposal")
        if ballot.cast_at > datetime_from_str(stored.document["closesAt"]):
            raise Conflict("proposal_closed", "the ballot was cast after the close")
    electorate = (await floods(app).electorates(ballot.proposal_id)).get(relay)
    if electorate is not None and ballot.voter not in electorate["members"]:
        raise NotPermitted("not_in_electorate",
                           "the voter is not a member of the flood (not in the relaying pool's electorate)")
    # Kept even before the proposal or the electorate arrives: the tally filters by electorate.
    if await floods(app).add_ballot(ballot.proposal_id, uri=ballot.id, voter_uri=ballot.voter,
                                    via_pool=relay, ballot=ballot.to_dict(), document=document,
                                    now=iso(at)):
        remember(app, ballot.proposal_id, ballot)
        schedule(app, ballot.proposal_id)
