"""A claimed batch of inbox items, handled set-based.

Items are taken in queue order. Their recipients, blockers and referenced object types are
read for the batch at once (node/inbox/audience.py). Then each item is one of:

- *kept*: its handling comes down to keeping documents (the activity, listed in its
  recipients' inboxes, and what its handler would store: ``documents_kept``), or it is refused
  because every recipient blocks its sender (unless a blocking pool answers it with a
  ``Reject``: then it takes the single-item path, which says why);
- *a ballot* for a local pool: verified and counted with the batch's other ballots
  (node/pool_engine/ballot_batch.py);
- anything else: its handler runs on its own (node/inbox/processing.py). So does an item
  inbox forwarding may pass on (ActivityPub §7.1.2): it is forwarded only once its handler did
  not refuse it, and not to a collection whose owner blocks its sender.

Kept documents, ballots and the items they complete marked done are written in one
transaction (a *unit*). A unit is written before any item whose handler runs, so a handler
sees every earlier item's effects, and the audience is read again after it (a handler may
change who follows whom). A unit whose write fails is not the others' failure: its items are
then processed one at a time, so one bad item fails alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import Change
from node.accounts import now_iso
from node.appkeys import DB, INBOX
from node.errors import NotPoolProposal
from node.handlers import REFUSALS, Inbound, answer_refusal, documents_kept, is_ballot
from node.handlers.create_ballot import ballot_pool
from node.inbox.audience import Audience, addresses, audience_of
from node.inbox.processing import RETRYABLE, must_tell_blocked, now_ms, run_item, settle_failure
from node.pool_engine.ballot_batch import BallotIn, cast_batch
from node.storage import ActorRecord, InboxItem
from node.storage.batches import BatchEffects, BatchStore, ObjectRow, object_row

__all__ = ["process_batch"]

log = logging.getLogger("poolnode.inbox")

_FORWARDED = frozenset({"Create", "Update", "Delete"})


@dataclass(slots=True)
class _Ballot:
    item: InboxItem
    inbound: Inbound
    pool: ActorRecord  # the recipient pool, which answers a refusal
    entry: BallotIn


@dataclass(slots=True)
class _Unit:
    effects: BatchEffects
    items: list[InboxItem] = field(default_factory=list)  # done once the unit is written
    ballots: list[_Ballot] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # ids kept here -> their types


def _new_unit() -> _Unit:
    return _Unit(BatchEffects(now_iso()))


def _may_forward(audience: Audience, item: InboxItem) -> bool:
    """Whether ``forward`` could do anything: a Create, Update or Delete addressed to a
    followers or members collection of ours (ActivityPub §7.1.2)."""
    if item.activity_type not in _FORWARDED:
        return False
    addressed = audience.addressed.get(item.id)
    return any(
        uri.startswith(audience.base) and uri.rpartition("/")[2] in ("followers", "members")
        for uri in (addressed if addressed is not None else addresses(item.document))
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an item adds to a unit, computed whole before the unit changes."""

    objects: list[ObjectRow]
    listings: list[tuple[int, str, str]]
    types: dict[str, str]
    ballot: _Ballot | None = None


def _plan(app: web.Application, audience: Audience, unit: _Unit, item: InboxItem) -> _Plan | None:
    """The item's effects if they are writes a unit makes; None if its handler must run."""
    recipients = audience.kept(item)
    if recipients is None:
        if must_tell_blocked(audience, item):
            return None  # a blocking pool answers it: the single-item path does
        log.info("refused %s: its recipients block %s", item.activity_id, item.actor_uri)
        return _Plan([], [], {})
    if _may_forward(audience, item):
        return None
    object_type = audience.object_type(item.document, unit.types)
    inbound = Inbound(app, item.document, item.actor_uri, recipients)
    created = unit.effects.created_at
    listings = [(r.id, item.document["id"], created) for r in recipients]
    documents: list[dict[str, Any]] | None
    if is_ballot(item.activity_type, object_type):
        pool = ballot_pool(inbound)
        if pool is not None:
            entry = BallotIn(inbound.object, item_id=item.id)
            return _Plan([object_row(item.document, created)], listings, {},
                         _Ballot(item, inbound, pool, entry))
        documents = []  # for no pool here: its handler does nothing
    else:
        documents = documents_kept(inbound, object_type)
        if documents is None:
            return None
    kept = [item.document, *documents]
    return _Plan([object_row(d, created) for d in kept], listings,
                 {d["id"]: str(d.get("type", "Object")) for d in kept})


def _take(app: web.Application, audience: Audience, unit: _Unit, item: InboxItem) -> bool:
    """Put the item in the unit if its effects are writes the unit makes; False otherwise.

    Deciding is pure; an item it cannot decide on (an error on a document nobody foresaw) runs
    its handler on its own, where an error is the item's (retried or failed, with its trace).
    """
    try:
        plan = _plan(app, audience, unit, item)
    except Exception:
        log.warning("%s goes through its handler: deciding on it failed", item.activity_id,
                    exc_info=True)
        return False
    if plan is None:
        return False
    unit.effects.objects += plan.objects
    unit.effects.listings += plan.listings
    unit.types.update(plan.types)
    if plan.ballot is not None:
        unit.ballots.append(plan.ballot)
    else:
        unit.effects.done.append(item.id)
        unit.items.append(item)
    return True


async def _answer(app: web.Application, ballot: _Ballot) -> bool:
    """Act on a ballot's verdict; True if its item is done and not marked yet."""
    verdict = ballot.entry.verdict
    if verdict is Change.COUNTED:
        return False  # marked done in the transaction that stored it
    if isinstance(verdict, Change):
        return True
    if isinstance(verdict, NotPoolProposal):
        await run_item(app, ballot.item)  # a flood's ballot: the handler routes it
        return False
    if isinstance(verdict, REFUSALS):
        try:
            await answer_refusal(ballot.inbound, ballot.pool, verdict)
        except Exception as exc:
            await settle_failure(app, ballot.item, exc)
            return False
        return True
    assert verdict is not None
    await settle_failure(app, ballot.item, verdict)
    return False


async def _write(app: web.Application, unit: _Unit) -> None:
    """Write the unit (counting its ballots); if that fails, its items go one at a time."""
    if not unit.ballots and not unit.items:
        return
    try:
        entries = [b.entry for b in unit.ballots]
        if entries:
            await cast_batch(app, entries, datetime.now(UTC), unit.effects)
        else:
            await BatchStore(app[DB]).commit(unit.effects, now_ms())
    except Exception:
        log.warning("a batch of %d inbox items could not be written together; one at a time",
                    len(unit.items) + len(unit.ballots), exc_info=True)
        if unit.effects.committed:  # the ballots with a verdict are stored or refused
            ballots = [b for b in unit.ballots if b.entry.verdict is not None]
            unsettled = [b.item for b in unit.ballots if b.entry.verdict is None]
        else:  # nothing written: every item again, on its own
            ballots = []
            unsettled = sorted([*unit.items, *(b.item for b in unit.ballots)], key=lambda i: i.id)
        for item in unsettled:
            await run_item(app, item)
    else:
        ballots = unit.ballots
    done = [b.item.id for b in ballots if await _answer(app, b)]
    if done:
        await app[INBOX].mark_done_many(done, now_ms())


async def process_batch(app: web.Application, items: list[InboxItem]) -> None:
    """Process claimed items in queue order (see the module docstring)."""
    audience: Audience | None = None
    unit = _new_unit()
    for n, item in enumerate(items):
        if audience is None:
            try:
                audience = await audience_of(app, items[n:])
            except RETRYABLE:
                log.warning("reading the audience of %d inbox items failed; one at a time",
                            len(items) - n, exc_info=True)
        if audience is not None and _take(app, audience, unit, item):
            continue
        await _write(app, unit)
        unit = _new_unit()
        await run_item(app, item)
        audience = None  # what its handler changed may concern the next items
    await _write(app, unit)
