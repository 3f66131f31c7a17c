"""What the flood services share: the store, the flood's pools as a local pool sees them."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import DB, FOLLOWS
from node.storage import ActorRecord, FloodStore

__all__ = ["flood_name", "flood_pools", "floods", "linked"]


def floods(app: web.Application) -> FloodStore:
    """The flood queries over the app's database (stateless, so built on demand)."""
    return FloodStore(app[DB])


def flood_name(flood: str) -> str:
    """A flood's display name: the last segment of its id (``{pool}/floods/{slug}``)."""
    return flood.rstrip("/").rsplit("/", 1)[-1]


async def linked(app: web.Application, pool: str, peer: str) -> bool:
    """Whether the two pools follow each other, both follows accepted."""
    there = await app[FOLLOWS].get(pool, peer)
    back = await app[FOLLOWS].get(peer, pool)
    return there is not None and back is not None and there.state == back.state == "accepted"


async def flood_pools(app: web.Application, pool: ActorRecord, flood: str) -> list[str]:
    """The flood as ``pool`` sees it: itself and every approved peer it is mutually linked with."""
    pools = [pool.uri]
    for link in await floods(app).links(pool.id, flood):
        if link.state == "approved" and await linked(app, pool.uri, link.peer_uri):
            pools.append(link.peer_uri)
    return sorted(set(pools))
