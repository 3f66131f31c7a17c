"""Counting many received ballots at once: ``cast`` set-based, for the inbox worker's batches.

The rules are ``cast``'s (node/pool_engine/ballots.py), and so are the answers; only the work
is shared across the batch:

- the voters' keys are read together (one query for every cached voter), then each proof is
  checked with its key at hand; a voter not cached is resolved as ``cast`` does;
- a pool's lock is taken once for all of its ballots, each proposal's numbered ballots of the
  batch's voters are read in one query, and every accepted ballot is stored in ONE
  transaction, with the batch's other writes and the inbox items it completes marked done;
- each ballot stored is then counted in the running tally, under the same lock, in the order
  of its rows (``note_ballot`` with its row id, as the running tally requires).

A voter with two ballots in the batch has the second checked after the first is stored (a
later round), as if they had arrived one at a time. Each ballot gets its own verdict: the
``Change``, or the refusal (or error) that ``cast`` would have raised for it alone. An error
met for one ballot is that ballot's verdict, never the others': the inbox worker answers it
as it answers a handler's (a refusal, a retry, or a failed item with its trace).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_from_multibase
from governance import Ballot, Change, GovernanceError
from node.appkeys import ACTORS, DB, REMOTE_ACTORS
from node.errors import NotPoolProposal
from node.pool_engine.ballots import (
    check_admissible,
    current_head,
    not_stored,
    repeat_of,
    unnumbered_refusal,
)
from node.pool_engine.common import iso, key_lookup, pool_lock, store
from node.pool_engine.tallies import note_ballot, open_head, proposal_value
from node.remote import ACTOR_TTL_SECONDS, key_owner_uri
from node.storage import ActorRecord
from node.storage.batches import BatchEffects, BatchStore, NewBallot
from node.storage.governance import ProposalHead
from node.wire import InvalidDocument, ballot_from_document, check_document, verify_author_proof
from node.wire.errors import ProofRejected

__all__ = ["CRASH_AFTER_BALLOTS", "BallotIn", "cast_batch"]

CRASH_AFTER_BALLOTS = "POOLNODE_TEST_EXIT_AFTER_BALLOTS"
"""Test-only fault point: when set, the process exits hard right after a batch's first
ballots commit, before they are counted in the running tally."""

Verdict = Change | Exception
_YIELD_EVERY = 8  # proofs checked between turns given to the event loop (the inbox's requests)


@dataclass(slots=True)
class BallotIn:
    """A received Ballot document, the inbox item it came in (marked done once it is stored),
    and, after ``cast_batch``, its verdict."""

    document: dict[str, Any]
    item_id: int | None = None
    verdict: Verdict | None = None
    ballot: Ballot | None = field(default=None, repr=False)
    head: ProposalHead | None = field(default=None, repr=False)


Key = tuple[str, ed25519.Ed25519PublicKey]


def _method(document: dict[str, Any]) -> str | None:
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return method if isinstance(method, str) else None


async def _cached_keys(app: web.Application, methods: Sequence[str]) -> dict[str, Key]:
    """The keys of these verification methods whose remote owners are cached and fresh (one
    read); what is missing here is looked up one at a time by ``key_lookup``."""
    owners = {m: key_owner_uri(m) for m in methods}
    local = await app[ACTORS].by_uris(list(set(owners.values())))
    actors = await app[REMOTE_ACTORS].get_many([o for o in set(owners.values()) if o not in local])
    fresh_after = int(time.time() * 1000) - ACTOR_TTL_SECONDS * 1000
    found: dict[str, Key] = {}
    for method, owner in owners.items():
        actor = actors.get(owner)
        multibase = actor.ed25519_keys.get(method) if actor is not None else None
        if actor is None or multibase is None or actor.fetched_at <= fresh_after:
            continue
        try:
            key = ed25519_public_from_multibase(multibase)
        except ValueError:
            continue  # key_lookup answers with the reason
        if isinstance(key, ed25519.Ed25519PublicKey):
            found[method] = (actor.uri, key)
    return found


async def _verify(app: web.Application, ballots: Sequence[BallotIn]) -> None:
    """Each document's shape and proof; a ballot that fails gets its refusal as verdict."""
    for b in ballots:
        try:
            check_document("ballot", b.document)
        except Exception as exc:  # this ballot's verdict (see the module docstring)
            b.verdict = exc
    pending = [b for b in ballots if b.verdict is None]
    keys = await _cached_keys(app, [m for b in pending if (m := _method(b.document))])

    async def lookup(method: str) -> Key:
        return keys.get(method) or await key_lookup(app, method)

    for n, b in enumerate(pending, 1):
        try:
            author = b.document.get("attestedBy") or b.document["attributedTo"]
            await verify_author_proof(b.document, author, lookup)
        except Exception as exc:
            b.verdict = exc
        if n % _YIELD_EVERY == 0:
            await asyncio.sleep(0)


async def _heads(app: web.Application, ballots: Sequence[BallotIn]) -> dict[int, ActorRecord]:
    """Each ballot's value and proposal head; the pools holding them, by row id."""
    pools: dict[int, ActorRecord] = {}
    governance = store(app)
    for b in ballots:
        try:
            b.ballot = ballot_from_document(b.document)
            head = open_head(app, b.ballot.proposal_id) or await governance.proposal_head(
                b.ballot.proposal_id)
            if head is None:  # not a pool's proposal (a flood's, say): the caller routes it
                raise NotPoolProposal("no such proposal on this node")
            pool = pools.get(head.pool_id) or await app[ACTORS].by_id(head.pool_id)
            if pool is None:
                raise NotPoolProposal("no such pool on this node")
            attested_by = b.document.get("attestedBy")
            if attested_by is not None and attested_by != pool.uri:
                raise ProofRejected("proof rejected: only this pool's own attestations are accepted")
        except Exception as exc:
            b.verdict = exc
            continue
        b.head, pools[pool.id] = head, pool
    return pools


def _rounds(ballots: Sequence[BallotIn]) -> list[list[BallotIn]]:
    """At most one ballot per (proposal, voter) in a round, in arrival order."""
    rounds: list[list[BallotIn]] = []
    seen: dict[tuple[int, str], int] = {}
    for b in ballots:
        assert b.ballot is not None and b.head is not None
        key = (b.head.id, b.ballot.voter)
        n = seen[key] = seen.get(key, -1) + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(b)
    return rounds


async def _admit(app: web.Application, ballots: Sequence[BallotIn], at: datetime,
                 effects: BatchEffects) -> list[BallotIn]:
    """Under the pool's lock: the ballots that pass ``cast``'s checks go into ``effects``."""
    admitted: list[BallotIn] = []
    by_proposal: dict[int, list[BallotIn]] = {}
    for b in ballots:
        assert b.head is not None
        by_proposal.setdefault(b.head.id, []).append(b)
    for proposal_id, group in by_proposal.items():
        try:
            head = await current_head(app, next(b.head for b in group if b.head))
            proposal = await proposal_value(app, head)
            unnumbered = [b.ballot.voter for b in group if b.ballot and b.ballot.sequence == 0]
            numbered = (await BatchStore(app[DB]).numbered_ballots(proposal_id, unnumbered)
                        if unnumbered else {})
        except Exception as exc:
            for b in group:
                b.verdict = exc
            continue
        for b in group:
            ballot = b.ballot
            assert ballot is not None
            b.head = head
            try:
                try:
                    check_admissible(proposal, head, ballot, at)
                except (GovernanceError, InvalidDocument) as refusal:
                    b.verdict = await repeat_of(app, head, ballot, refusal)
                    continue
                if ballot.sequence == 0:
                    unnumbered_after = unnumbered_refusal(max(
                        (s for uri, s in numbered.get(ballot.voter, ()) if uri != ballot.id),
                        default=0))
                    if unnumbered_after is not None:
                        raise unnumbered_after
            except Exception as exc:
                b.verdict = exc
                continue
            effects.ballots.append(NewBallot(
                head.id, uri=ballot.id, voter_uri=ballot.voter, cast_at=iso(ballot.cast_at),
                ballot=ballot.to_dict(), document=b.document,
                attested_by=b.document.get("attestedBy"), received_at=iso(at),
                sequence=ballot.sequence, item_id=b.item_id,
            ))
            admitted.append(b)
    return admitted


async def _count(app: web.Application, admitted: Sequence[BallotIn],
                 stored: dict[tuple[int, str], int]) -> None:
    """After the commit, under the lock: count what was stored, in the order of its rows (the
    running tally's digest follows it); answer what was not.

    A failure to count a stored ballot is not one ballot's: it propagates, as in ``cast``."""
    counted: dict[int, BallotIn] = {}
    for b in admitted:
        assert b.ballot is not None and b.head is not None
        row = stored.get((b.head.id, b.ballot.id))
        if row is not None and row not in counted:  # another copy of it is answered as a repeat
            counted[row] = b
            continue
        try:
            b.verdict = await not_stored(app, b.head, b.ballot)
        except Exception as exc:
            b.verdict = exc
    for row in sorted(counted):
        b = counted[row]
        assert b.ballot is not None and b.head is not None
        await note_ballot(app, b.head, b.ballot, row)
        b.verdict = Change.COUNTED


async def cast_batch(app: web.Application, ballots: Sequence[BallotIn], at: datetime,
                     effects: BatchEffects) -> None:
    """Verify and count received Ballot documents, setting each one's verdict.

    ``effects`` (the batch's other writes) is committed in the same transaction as the first
    pool's ballots, or alone (``effects.committed`` says whether it was). A ballot on no
    pool's proposal here gets ``NotPoolProposal`` (its caller hands it to a flood). A failed
    commit propagates: then the ballots without a verdict were not stored.
    """
    await _verify(app, ballots)
    pools = await _heads(app, [b for b in ballots if b.verdict is None])
    batch = BatchStore(app[DB])
    for pool in pools.values():
        mine = [b for b in ballots if b.verdict is None and b.head and b.head.pool_id == pool.id]
        async with pool_lock(app, pool):
            for round_ in _rounds(mine):
                admitted = await _admit(app, round_, at, effects)
                stored = await batch.commit(effects, int(time.time() * 1000))
                if stored and os.environ.get(CRASH_AFTER_BALLOTS):
                    os._exit(70)
                effects = BatchEffects(effects.created_at)
                await _count(app, admitted, stored)
    if not effects.committed:
        await batch.commit(effects, int(time.time() * 1000))
