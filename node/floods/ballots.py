"""Ballots of flood proposals: a pool takes its members' ballots and relays them unchanged
(``Announce``, as FEP-1b12 groups do, coalesced per peer: node/floods/relay.py); every node
accepts a ballot on its own proof only, and only from a voter in the relaying pool's
signed electorate."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web

from federation.errors import FederationError
from governance import Ballot, Change, Conflict, GovernanceError, NotPermitted
from governance.codec import datetime_from_str
from node import errors
from node.errors import NotFound
from node.floods.common import floods
from node.floods.keys import resolve_all
from node.floods.relay import relay
from node.floods.running import remember, schedule
from node.pool_engine.common import iso, key_lookup, local_pool
from node.remote import key_owner_uri
from node.storage import StoredFloodProposal
from node.wire import ballot_from_document, check_document, verify_author_proof
from node.wire.errors import InvalidDocument, ProofRejected

__all__ = ["KEY_CONCURRENCY", "REFUSED", "cast_in_flood", "receive_relayed", "receive_relayed_many"]

log = logging.getLogger("poolnode.floods")

KEY_CONCURRENCY = 8
"""Voters' actor documents fetched at once while checking a list of relayed ballots."""

REFUSED = (GovernanceError, InvalidDocument, ProofRejected, errors.NotFound, errors.Forbidden,
           errors.Conflict, errors.InvalidRequest)
"""Why a relayed ballot is refused (as node.handlers.governance.REFUSALS); anything else,
e.g. a voter's actor that cannot be fetched, is worth another try."""


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
    if ballot.sequence == 0:
        highest = await floods(app).voter_highest_sequence(stored.uri, ballot.voter, excluding=ballot.id)
        if highest:  # it could never count (docs/PROTOCOL.md §Ballot order): say so
            raise Conflict("ballot_sequence_missing",
                           f"this voter's counted ballot on this proposal has sequence {highest}; a"
                           f" ballot without a sequence would not count: sign it with sequence"
                           f" {highest + 1} or more")
    # A reused sequence is refused at the voter's pool only (which relays nothing it refuses):
    # receivers keep what a pool relayed, and the counting order decides the same everywhere.
    # The insert itself tells a repeat or a reused sequence from a new ballot (no read before
    # it), so two ballots sent at once cannot both pass.
    if not await floods(app).add_member_ballot(stored.uri, uri=ballot.id, voter_uri=ballot.voter,
                                               via_pool=pool.uri, ballot=ballot.to_dict(),
                                               document=document, now=iso(at)):
        holder = await floods(app).voter_sequence_holder(stored.uri, ballot.voter, ballot.sequence)
        if ballot.sequence and holder is not None and holder != ballot.id:
            raise Conflict("ballot_sequence_conflict",
                           f"this voter already cast another ballot with sequence {ballot.sequence}"
                           " on this proposal: a changed vote takes the next sequence")
        return Change.UNCHANGED
    remember(app, stored.uri, ballot)
    relay(app, pool, stored.uri, [p for p in stored.pools if p != pool.uri], document)
    schedule(app, stored.uri)
    return Change.COUNTED


async def _check_relayed(app: web.Application, relay: str, document: dict[str, Any],
                         stored: StoredFloodProposal | None,
                         electorates: dict[str, dict[str, Any]]) -> Ballot:
    """The receiver rules of a relayed ballot (docs/PROTOCOL.md §Ballots and relays), in order."""
    check_document("ballot", document)
    author = document.get("attestedBy") or document["attributedTo"]
    if document.get("attestedBy") not in (None, relay):
        raise ProofRejected("proof rejected: an attested ballot is relayed by its attesting pool")
    await verify_author_proof(document, author, lambda m: key_lookup(app, m))
    ballot = ballot_from_document(document)
    if document.get("pool") != relay:
        raise NotPermitted("not_in_flood", "a pool relays only its own members' ballots")
    if stored is not None and stored.uri == ballot.proposal_id:
        if relay not in stored.pools:
            raise NotPermitted("not_in_flood", "the relaying pool is not in this flood proposal")
        if ballot.cast_at > datetime_from_str(stored.document["closesAt"]):
            raise Conflict("proposal_closed", "the ballot was cast after the close")
    electorate = electorates.get(relay)
    if electorate is not None and ballot.voter not in electorate["members"]:
        raise NotPermitted("not_in_electorate",
                           "the voter is not a member of the flood (not in the relaying pool's electorate)")
    return ballot


async def receive_relayed(app: web.Application, relay: str, document: dict[str, Any], at: datetime) -> None:
    """A ballot another pool relayed: its own proof, a voter of that pool, cast before the close."""
    proposal = document.get("proposal")
    stored = await floods(app).proposal(proposal) if isinstance(proposal, str) else None
    electorates = await floods(app).electorates(proposal) if isinstance(proposal, str) else {}
    ballot = await _check_relayed(app, relay, document, stored, electorates)
    # Kept even before the proposal or the electorate arrives: the tally filters by electorate.
    if await floods(app).add_ballot(ballot.proposal_id, uri=ballot.id, voter_uri=ballot.voter,
                                    via_pool=relay, ballot=ballot.to_dict(), document=document,
                                    now=iso(at)):
        remember(app, ballot.proposal_id, ballot)
        schedule(app, ballot.proposal_id)


async def receive_relayed_many(app: web.Application, relay: str, documents: list[dict[str, Any]],
                               at: datetime) -> list[tuple[str, str]]:
    """Ballots another pool relayed together: each checked as ``receive_relayed`` does, on its
    own proof; the accepted ones are kept in one transaction. Returns the refused ones as
    (id, reason). A retryable failure (e.g. a voter's key that cannot be fetched yet) is
    raised after the others are kept, so the whole list is tried again (kept ones dedup)."""
    await _resolve_keys(app, documents)
    by_proposal: dict[str, list[tuple[Ballot, dict[str, Any]]]] = {}
    refused: list[tuple[str, str]] = []
    retry: Exception | None = None
    cache: dict[str, tuple[StoredFloodProposal | None, dict[str, dict[str, Any]]]] = {}
    for document in documents:
        proposal = document.get("proposal")
        if isinstance(proposal, str) and proposal not in cache:
            cache[proposal] = (await floods(app).proposal(proposal), await floods(app).electorates(proposal))
        stored, electorates = cache.get(proposal, (None, {})) if isinstance(proposal, str) else (None, {})
        try:
            ballot = await _check_relayed(app, relay, document, stored, electorates)
        except REFUSED as exc:
            refused.append((str(document.get("id")), getattr(exc, "reason", str(exc))))
            continue
        except FederationError as exc:  # e.g. a fetch that failed: worth another try
            retry = retry or exc
            continue
        by_proposal.setdefault(ballot.proposal_id, []).append((ballot, document))
    for proposal, accepted in by_proposal.items():
        added = await floods(app).add_ballots(proposal, relay, [(b.to_dict(), d) for b, d in accepted], iso(at))
        for ballot, _ in accepted:
            if ballot.id in added:
                remember(app, proposal, ballot)
        if added:
            schedule(app, proposal)
    if retry is not None:
        raise retry
    return refused


async def _resolve_keys(app: web.Application, documents: list[dict[str, Any]]) -> None:
    """Resolve the voters' actors (cached, or fetched a few at a time) before the proofs are
    checked one by one; a failure here is met again, and reported, by that ballot's check."""
    owners = set()
    for document in documents:
        proof = document.get("proof")
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        if isinstance(method, str):
            owners.add(key_owner_uri(method))
    await resolve_all(app, sorted(owners), KEY_CONCURRENCY)
