"""What every pool service needs: the store, the clock format, the roster, signing, publishing."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.errors import ProofInvalid
from governance import Bylaws, Ledger, Membership, MemberState, Role, Roster, Visibility
from governance.codec import datetime_to_str
from node.appkeys import ACTORS, CONFIG, DB, OBJECTS
from node.errors import NotFound
from node.pools import load_bylaws
from node.remote import key_owner_uri, resolve_actor
from node.storage import ActorRecord, GovernanceStore
from node.wire import replay_documents, sign_document

__all__ = [
    "POOL_LOCKS",
    "clock_worker",
    "iso",
    "key_lookup",
    "ledger_of",
    "local_pool",
    "named_lock",
    "new_id",
    "pool_lock",
    "publish",
    "roster_of",
    "signed",
    "store",
]

POOL_LOCKS: web.AppKey[dict[str, asyncio.Lock]] = web.AppKey("pool_locks", dict)


def store(app: web.Application) -> GovernanceStore:
    """The governance queries over the app's database (stateless, so built on demand)."""
    return GovernanceStore(app[DB])


@asynccontextmanager
async def named_lock(app: web.Application, name: str) -> AsyncIterator[None]:
    """Hold the lock ``name`` across every process on the node's database.

    In the process an ``asyncio.Lock`` (all SQLite needs, and it keeps a process's own tasks
    from taking a database connection each just to wait); then the database's advisory lock,
    which on PostgreSQL makes every other process sharing the database wait too, and is
    released if this process dies holding it.
    """
    async with app[POOL_LOCKS].setdefault(name, asyncio.Lock()):
        async with app[DB].advisory_lock(name):
            yield


def pool_lock(app: web.Application, pool: ActorRecord) -> AbstractAsyncContextManager[None]:
    """One lock per pool: ballots, closings and ledger bookings of a pool happen one at a time,
    in every process sharing the database (so a ledger cannot fork: docs/OPERATIONS.md)."""
    return named_lock(app, f"pool:{pool.id}")


def iso(moment: datetime) -> str:
    """Seconds-precision ISO 8601 UTC with Z, the form every stored time uses."""
    return datetime_to_str(moment.astimezone(UTC).replace(microsecond=0))


def new_id(pool: ActorRecord, what: str) -> str:
    """A fresh document id under the pool, e.g. ``{pool}/proposals/{uuid}``."""
    return f"{pool.uri}/{what}/{uuid.uuid4()}"


async def local_pool(app: web.Application, uri: str | None) -> ActorRecord:
    """The local pool with this id; NotFound otherwise."""
    actor = await app[ACTORS].by_uri(uri) if isinstance(uri, str) else None
    if actor is None or not actor.is_pool:
        raise NotFound("no such pool on this node")
    return actor


async def ledger_of(app: web.Application, pool: ActorRecord, bylaws: Bylaws) -> Ledger:
    """The pool's ledger replayed from its stored documents (chain and invariants checked)."""
    entries = await store(app).ledger(pool.id)
    return replay_documents(bylaws.currency, [e.document for e in entries])


async def roster_of(app: web.Application, pool: ActorRecord) -> tuple[Roster, Bylaws, Ledger]:
    """The pool's roster (shares paid = capital in the ledger), bylaws and ledger."""
    bylaws = await load_bylaws(app[ACTORS], pool)
    ledger = await ledger_of(app, pool, bylaws)
    entries: dict[str, Membership] = {}
    for row in await store(app).memberships(pool.id):
        since = datetime.fromisoformat(row.joined_at.replace("Z", "+00:00"))
        roles = frozenset(Role(r) for r in row.roles if r in Role.__members__.values())
        entries[row.person_uri] = Membership(
            row.person_uri, MemberState(row.state), since, roles,
            ledger.capital_of(row.person_uri) + ledger.shares_of(row.person_uri),
        )
    from types import MappingProxyType

    return Roster(MappingProxyType(entries)), bylaws, ledger


def signed(document: dict[str, Any], signer: ActorRecord, at: datetime) -> dict[str, Any]:
    """The document with the signer's FEP-8b32 proof."""
    return sign_document(document, signer, at)


async def key_lookup(app: web.Application, method: str) -> tuple[str, ed25519.Ed25519PublicKey]:
    """(controller, key) of a verification method, from the actor's ``assertionMethod``."""
    from federation.keys import ed25519_public_from_multibase

    actor = await resolve_actor(app, key_owner_uri(method))
    multibase = actor.ed25519_keys.get(method)
    if multibase is None:
        raise ProofInvalid("the verification method is not in its actor's assertionMethod")
    key = ed25519_public_from_multibase(multibase)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ProofInvalid("the verification method is not an Ed25519 key")
    return actor.uri, key


async def member_uris(app: web.Application, pool: ActorRecord) -> list[str]:
    """Current members of the pool (they receive everything the pool publishes)."""
    return [m.person_uri for m in await store(app).memberships(pool.id) if m.state == "member"]


async def publish(
    app: web.Application, pool: ActorRecord, kind: str, obj: dict[str, Any] | str,
    extra: list[str] | None = None, *, followers: bool = True, members: bool = True,
    summary: str | None = None, to_collection: bool = False,
) -> dict[str, Any]:
    """Store ``{kind} obj`` in the pool's outbox and deliver it to members and followers.

    A pool whose bylaws make its record members-only delivers what it would send its followers
    to its members instead: a follower who is not a member does not receive the record. With
    ``to_collection`` the members are addressed as the pool's members collection
    (``{pool}/members``, expanded at delivery), not one by one: the activity's size and the work
    of publishing it do not grow with the pool (what a running Tally needs).
    """
    from node.delivery import enqueue_activity
    from node.urls import new_object_uri
    from schemas import ACTOR_CONTEXT

    if followers and (await load_bylaws(app[ACTORS], pool)).visibility is Visibility.MEMBERS:
        followers, members = False, True
    now = iso(datetime.now(UTC))
    to = list(extra or [])
    if members:
        to += [pool.uri + "/members"] if to_collection else await member_uris(app, pool)
    cc = [pool.uri + "/followers"] if followers else []
    activity: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": new_object_uri(app[CONFIG], "activities"),
        "type": kind,
        "actor": pool.uri,
        "object": obj,
        "to": list(dict.fromkeys(to)),
        "cc": cc,
        "published": now,
    }
    if summary is not None:
        activity["summary"] = summary
    await app[OBJECTS].put_local_activity(pool.id, activity, None, now)
    await enqueue_activity(app, pool, activity, activity["to"] + cc)
    return activity


@asynccontextmanager
async def clock_worker(
    name: str, interval: float, job: Callable[[datetime], Awaitable[object]],
    log: logging.Logger, failed: str, *, running: bool = True,
) -> AsyncIterator[None]:
    """While open, a task runs ``job(now)`` every ``interval`` seconds (the closing workers);
    none unless ``running`` (a process that leaves the clocks to ``poolnode worker``).

    A failing round is logged to ``log`` with ``failed`` and its trace, and retried the next round: what
    it would have closed stays open until then.
    """
    if not running:
        yield
        return

    async def run() -> None:
        while True:
            try:
                await job(datetime.now(UTC))
            except Exception:
                log.exception(failed)
            await asyncio.sleep(interval)

    task = asyncio.create_task(run(), name=name)
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
