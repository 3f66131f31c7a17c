"""Which ledgers a pool witnesses beyond its floods: a steward's choice, and its end.

A pool's stewards may have it witness any pool that publishes a ledger (a pool on another
node, not in a flood with it): the choice is recorded with the steward who made it, shown on
the pool's page, and lasts until a steward stops it. Flood peers are witnessed whatever the
stewards choose (node/witness/clock.py keeps them in step with the flood links).
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from federation.errors import FetchError
from node.errors import InvalidRequest, NotFound
from node.pool_engine.common import iso
from node.remote import resolve_actor
from node.storage import ActorRecord
from node.witness.common import witnesses

__all__ = ["MAX_WITNESSED", "stop_witnessing", "witness_by_steward"]

MAX_WITNESSED = 100
"""A pool witnesses at most this many ledgers by its stewards' choice."""


async def witness_by_steward(app: web.Application, pool: ActorRecord, target: str,
                             steward: str, now: datetime) -> str:
    """Have ``pool`` witness the ledger of the pool at ``target`` (its actor id); that id.
    InvalidRequest or NotFound with the reason for anything that is not another pool."""
    if target == pool.uri:
        raise InvalidRequest("a pool does not witness its own ledger")
    try:
        actor = await resolve_actor(app, target)
    except FetchError as exc:
        raise NotFound(f"{target} could not be read: {exc.reason}") from None
    if actor.type != "Group" or not isinstance(actor.document.get("ledger"), str):
        raise InvalidRequest(f"{target} is not a pool with a ledger")
    if actor.uri == pool.uri:
        raise InvalidRequest("a pool does not witness its own ledger")
    links = await witnesses(app).links(pool.id)
    chosen = [link for link in links if link.by_steward]
    if len(chosen) >= MAX_WITNESSED and actor.uri not in {link.target_uri for link in chosen}:
        raise InvalidRequest(f"a pool witnesses at most {MAX_WITNESSED} ledgers by its "
                             "stewards' choice; stop witnessing one first")
    await witnesses(app).add_link(pool.id, actor.uri, steward=True, added_by=steward, now=iso(now))
    return actor.uri


async def stop_witnessing(app: web.Application, pool: ActorRecord, target: str) -> bool:
    """A steward's choice to witness ``target`` ends (a flood peer stays witnessed)."""
    return await witnesses(app).stop_steward_link(pool.id, target)
