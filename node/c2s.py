"""Governance activities a member posts to their own outbox (ActivityPub §6).

* ``Create(Proposal|Ballot|LedgerEntry)``: the node signs the object with the member's key
  (FEP-8b32) unless the client sent it signed; a local pool applies it at once (an error is
  the response, and nothing is stored); a remote pool gets it delivered to its inbox. A draft
  or a ballot goes through node/routing.py, so a flood's reaches node/floods.
* ``Join``/``Leave`` of a local pool apply at once; of a remote pool they are delivered.
* ``Follow``, ``Join``, ``Leave`` and the ``Undo`` of a Follow are addressed to the actor they
  are about when the client did not (delivery follows the addressing).
* ``Accept``/``Reject`` of a Join by a steward of a local pool decide the application.
* ``Create(Event)`` with ``target`` an asset of a local pool books it (node/assets).
* Every other activity: a Note or Page for a thread (node/discussion/outbox.py), then
  ``Update``, ``Delete`` and ``Block`` (node/changes.py).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from federation.canonical import CanonicalizationError
from governance import NotPermitted
from governance.money import check_amount
from node.appkeys import ACTORS, DB, FOLLOWS, OBJECTS
from node.assets.bookings import book_from_event
from node.assets.investment import record_payment
from node.changes import changes_outbox
from node.discussion.outbox import discussion_outbox
from node.errors import Forbidden, InvalidRequest
from node.outbox import PreparedActivity
from node.pool_engine import ledger, membership, surplus
from node.pool_engine.common import key_lookup, signed, store
from node.pools import load_bylaws
from node.routing import allocate, cast, propose, propose_bucket
from node.storage import ActorRecord, BallotSequences
from node.wire import check_document, verify_author_proof
from schemas import OBJECT_CONTEXT

__all__ = ["GOVERNANCE_OBJECTS", "governance_outbox"]

GOVERNANCE_OBJECTS = {"Proposal": "proposal", "Ballot": "ballot", "LedgerEntry": "ledger-entry",
                      "Bucket": "bucket", "Allocation": "allocation", "Patronage": "patronage"}
_NUMBERED = ("Ballot", "Allocation")
"""Objects whose signer numbers them per (author, proposal): docs/PROTOCOL.md §Ballot order."""


def _target_pool(obj: dict[str, Any]) -> str | None:
    pool = obj.get("pool")
    return pool if isinstance(pool, str) else None


async def governance_outbox(
    app: web.Application, owner: ActorRecord, original: dict[str, Any], prepared: PreparedActivity
) -> PreparedActivity:
    """Sign and apply a governance activity before the outbox stores it; others pass through."""
    activity = prepared.activity
    kind = activity.get("type")
    now = datetime.now(UTC)
    obj = prepared.created_object
    if kind == "Create" and obj is not None and obj.get("type") in GOVERNANCE_OBJECTS:
        await _check_money(app, owner, obj)
        obj = await _signed_object(app, owner, original, obj, now)
        pool_uri = _target_pool(obj)
        if pool_uri is None and obj["type"] in _NUMBERED:
            raise InvalidRequest(f"a {obj['type']} names its 'pool'")
        activity = {**activity, "object": obj}
        if pool_uri is not None:
            for field in ("to",):
                addressed = activity.get(field) or []
                addressed = addressed if isinstance(addressed, list) else [addressed]
                if pool_uri not in addressed:
                    activity[field] = [*addressed, pool_uri]
        prepared = dataclasses.replace(prepared, activity=activity, created_object=obj)
        if await app[OBJECTS].get(obj["id"]) is not None:
            # The same signed object again (a replay): listed once, applied once.
            prepared = dataclasses.replace(prepared, created_object=None)
        pool = await app[ACTORS].by_uri(pool_uri) if pool_uri else None
        if pool is None and pool_uri is not None and obj["type"] == "Ballot":
            # Our member's ballot to a remote pool: kept to check that pool's final tally.
            from node.pool_engine.remote_results import keep_ballot

            await keep_ballot(app, pool_uri, obj, now)
        if pool is not None and pool.is_pool:
            check_document(GOVERNANCE_OBJECTS[obj["type"]], obj)
            if obj["type"] == "Proposal":
                await propose(app, obj, now)
            elif obj["type"] == "Ballot":
                await cast(app, obj, now, verified=True)
            elif obj["type"] == "Bucket":
                await propose_bucket(app, obj, now)
            elif obj["type"] == "Allocation":
                await allocate(app, obj, now, verified=True)
            elif obj["type"] == "Patronage":
                await surplus.record(app, owner.uri, obj, now)
            elif obj.get("entryKind") == "call_payment":  # toward an investment's capital call
                await record_payment(app, owner.uri, obj, now)
            else:
                await ledger.record_request(app, owner.uri, obj, now)
        return prepared
    if kind == "Create" and obj is not None and obj.get("type") == "Event":
        pool = await book_from_event(app, owner.uri, obj, now)
        if pool is not None:  # the pool publishes the booking; the member's Event names it
            prepared = _addressed_to(prepared, pool.uri)
    target = activity.get("object")
    target_id = target if isinstance(target, str) else (target or {}).get("id") if isinstance(target, dict) else None
    if kind == "Follow" and isinstance(target_id, str):
        prepared = _addressed_to(prepared, target_id)
    elif kind == "Undo":
        followee = await _followee_of_undone(app, owner, target, target_id)
        if followee is not None:
            prepared = _addressed_to(prepared, followee)
    elif kind in ("Join", "Leave") and isinstance(target_id, str):
        prepared = _addressed_to(prepared, target_id)
        activity = prepared.activity
        pool = await app[ACTORS].by_uri(target_id)
        if pool is not None and pool.is_pool:
            if kind == "Join":
                await membership.join(app, pool, owner.uri, activity["id"], now,
                                      membership.share_claim(activity.get("sharePayment")),
                                      activity.get("memberClass"))
            else:
                await membership.leave(app, pool, owner.uri, now)
    elif kind in ("Accept", "Reject") and isinstance(target_id, str):
        for pool in await app[ACTORS].all("pool"):
            if await store(app).person_of_join(pool.id, target_id) is not None:
                if kind == "Accept":
                    await membership.accept_join(app, pool, owner.uri, target_id, now)
                else:
                    reason = activity.get("summary")
                    await membership.reject_join(app, pool, owner.uri, target_id, now,
                                                 reason[:500] if isinstance(reason, str) else None)
                break
    # Notes and Pages for threads, then Update, Delete and Block (node/discussion, node/changes).
    prepared = await discussion_outbox(app, owner, prepared)
    return await changes_outbox(app, owner, prepared)


def _addressed_to(prepared: PreparedActivity, actor: str) -> PreparedActivity:
    """The activity with ``actor`` in its ``to`` unless it is in ``to`` or ``cc`` already:
    an actor learns of a Follow, Join or Leave of it (or the Undo of a Follow) only if it is
    addressed, since delivery follows the addressing (docs/FEDERATION.md, "Follows")."""
    activity = prepared.activity
    named = {field: activity.get(field) or [] for field in ("to", "cc")}
    named = {f: v if isinstance(v, list) else [v] for f, v in named.items()}
    if actor in named["to"] or actor in named["cc"]:
        return prepared
    return dataclasses.replace(prepared, activity={**activity, "to": [*named["to"], actor]})


async def _followee_of_undone(
    app: web.Application, owner: ActorRecord, target: Any, target_id: str | None
) -> str | None:
    """Whom an Undo is for when it undoes the owner's Follow (by id, or embedded)."""
    follow = await app[FOLLOWS].by_follow_id(target_id) if isinstance(target_id, str) else None
    if follow is not None and follow.follower_uri == owner.uri:
        return follow.followee_uri
    if isinstance(target, dict) and target.get("type") == "Follow":
        followee = target.get("object")
        return followee if isinstance(followee, str) else None
    return None


def _object_context(posted: Any) -> list[Any]:
    """The @context a governance object is signed with: the documented three, then the client's
    own additions (docs/PROTOCOL.md §Proofs). An object posted without one (or inheriting the AS2
    context only, which does not define ``pool``, ``choice``...) gets exactly the three.
    """
    extra = [] if posted is None else posted if isinstance(posted, list) else [posted]
    if not all(isinstance(entry, str | dict) for entry in extra):
        raise InvalidRequest("'@context' must be a URL, a context object or a list of them")
    return [*OBJECT_CONTEXT, *(entry for entry in extra if entry not in OBJECT_CONTEXT)]


async def _sequence_signed_elsewhere(
    app: web.Application, owner: ActorRecord, ballot: dict[str, Any]
) -> None:
    """A client signed this ballot with its own sequence: the node's next one comes after it."""
    proposal, sequence = ballot.get("proposal"), ballot.get("sequence")
    if isinstance(proposal, str) and type(sequence) is int and sequence > 0:
        await BallotSequences(app[DB]).at_least(owner.uri, proposal, sequence)


def _amounts(obj: dict[str, Any]) -> list[tuple[object, bool]]:
    """Every sum of money an object carries, and whether 0 is allowed (an allocation's)."""
    found: list[tuple[object, bool]] = [(obj[key], False) for key in ("amount", "pot", "minGoal", "maxGoal")
                                        if key in obj]
    items = obj.get("amounts") if obj.get("type") == "Allocation" else None
    if isinstance(items, list):
        found += [(item["amount"], True) for item in items if isinstance(item, dict) and "amount" in item]
    return found


async def _elector(app: web.Application, owner: ActorRecord, obj: dict[str, Any]) -> bool:
    """Whether ``owner`` is in the frozen electorate of the round an Allocation names (a member
    who left since the round opened still allocates, as they still vote on what opened then)."""
    stored = await store(app).proposal(obj["proposal"]) if isinstance(obj.get("proposal"), str) else None
    members = (stored.proposal.get("electorate") or {}).get("members", []) if stored else []
    return obj["type"] == "Allocation" and owner.uri in members


async def _check_money(app: web.Application, owner: ActorRecord, obj: dict[str, Any]) -> None:
    """The role, then the amount: a non-treasurer learns only that they are not one.

    Amounts are checked before signing so that one out of range gets the plain reason
    (``amount_too_large``: at most 2^53 - 1 minor units) rather than a canonicalization error.
    """
    amounts = _amounts(obj)
    if not amounts:
        return
    pool_uri = _target_pool(obj)
    pool = await app[ACTORS].by_uri(pool_uri) if pool_uri else None
    currency = obj.get("currency")
    if pool is not None and pool.is_pool:
        memberships = [m for m in await app[ACTORS].pools_of_person(owner.uri)
                       if m.pool_id == pool.id and m.state == "member"]
        if obj["type"] in ("LedgerEntry", "Patronage") and not any("treasurer" in m.roles for m in memberships):
            raise NotPermitted("not_permitted", "only a treasurer may record this")
        if obj["type"] == "Proposal" and not memberships:
            raise NotPermitted("not_a_member", "only a member of the pool may propose")
        if obj["type"] in ("Bucket", "Allocation") and not memberships and not await _elector(app, owner, obj):
            raise NotPermitted("not_a_member", "only a member of the pool takes part in its budget rounds")
        currency = (await load_bylaws(app[ACTORS], pool)).currency
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isascii() or not currency.isupper():
        currency = "XXX"  # ISO 4217's "no currency": only names the unit in the message
    for amount, zero in amounts:
        check_amount(amount, currency, allow_zero=zero)


async def _signed_object(
    app: web.Application, owner: ActorRecord, original: dict[str, Any], obj: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    sent = original.get("object") if original.get("type") == "Create" else original
    if isinstance(sent, dict) and "proof" in sent:
        # A pre-signed object is kept byte for byte: its id and time are the client's.
        if sent.get("attributedTo") != owner.uri or not isinstance(sent.get("id"), str):
            raise Forbidden("a signed object must carry its id and be attributed to you")
        await verify_author_proof(sent, owner.uri, lambda m: key_lookup(app, m))
        if sent.get("type") in _NUMBERED:
            await _sequence_signed_elsewhere(app, owner, sent)
        return dict(sent)
    obj = {k: v for k, v in obj.items() if k not in ("proof",)}
    obj["@context"] = _object_context(obj.get("@context"))  # its own, or inherited from the Create
    if obj["type"] in _NUMBERED:
        obj.setdefault("inReplyTo", obj.get("proposal"))
        proposal = obj.get("proposal")
        if not isinstance(proposal, str):
            raise InvalidRequest(f"a {obj['type']} names its 'proposal'")
        # The signer numbers the voter's ballots (docs/PROTOCOL.md §Ballot order): whatever
        # a client put here is replaced, as the node signs it.
        obj["sequence"] = await BallotSequences(app[DB]).next(owner.uri, proposal)
    try:
        return signed(obj, owner, now)
    except CanonicalizationError as exc:
        raise InvalidRequest(
            f"this {obj['type']} cannot be signed: {exc} (numbers are whole and within"
            " ±2^53: money in minor units, shares and thresholds as 'n/d' text)"
        ) from None
