"""Flood links: a passed JoinFlood proposal follows the peer pool (and accepts its pending
Follow); a passed LeaveFlood proposal undoes both follows. Follows of pools by pools are
accepted only while the followed pool has approved the link (docs/PROTOCOL.md §Floods).
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import JoinFlood, Kind, LeaveFlood, Proposal
from node.accounts import now_iso
from node.appkeys import CONFIG, FOLLOWS, OBJECTS
from node.floods.common import flood_name, floods
from node.pool_engine.common import iso, named_lock
from node.storage import ActorRecord, StoredProposal
from node.urls import new_object_uri
from node.wire.floods import follow_reference, link_activity

__all__ = ["decided", "follow_approved", "link_lock"]

log = logging.getLogger("poolnode.floods")


def link_lock(app: web.Application, pool: ActorRecord) -> AbstractAsyncContextManager[None]:
    """Held while ``pool`` decides another pool's Follow and while it approves a link: a Follow
    that arrives as the link is approved is then either seen pending by the approval (and
    accepted there) or decided after it (and accepted at once), never left pending."""
    return named_lock(app, f"flood-link:{pool.id}")


async def follow_approved(app: web.Application, pool: ActorRecord, follower: str) -> bool:
    """Whether ``pool`` approved a flood link with ``follower`` (so its Follow is accepted)."""
    return await floods(app).approved_peer(pool.id, follower)


async def decided(app: web.Application, pool: ActorRecord, stored: StoredProposal, at: datetime) -> None:
    """Apply a passed JoinFlood or LeaveFlood proposal of a local pool."""
    proposal = Proposal.from_dict(stored.proposal)
    motion = proposal.motion
    if proposal.kind is Kind.JOIN_FLOOD and isinstance(motion, JoinFlood):
        await _join(app, pool, motion.flood, motion.pool, proposal.id, at)
    elif proposal.kind is Kind.LEAVE_FLOOD and isinstance(motion, LeaveFlood):
        await _leave(app, pool, motion.flood, proposal.id, at)


async def _join(app: web.Application, pool: ActorRecord, flood: str, peer: str, by: str,
                at: datetime) -> None:
    if peer == pool.uri:
        log.warning("JoinFlood %s names the pool itself; nothing to link", by)
        return
    async with link_lock(app, pool):
        await floods(app).set_link(pool.id, flood, flood_name(flood), peer, "approved", by,
                                   iso(at))
        pending = await app[FOLLOWS].get(peer, pool.uri)
        if pending is not None and pending.state == "pending":
            await app[FOLLOWS].set_state(pending, "accepted", now_iso(), followee_local_id=pool.id)
            follow = follow_reference(pending.follow_id, peer, pool.uri)
            await _send(app, pool, "Accept", follow, peer)
    mine = await app[FOLLOWS].get(pool.uri, peer)
    if mine is None or mine.state == "rejected":
        activity = _activity(app, pool, "Follow", peer, peer)
        await app[FOLLOWS].put(pool.uri, peer, activity["id"], "pending", now_iso(),
                               follower_local_id=pool.id)
        await _deliver(app, pool, activity, peer)


async def _leave(app: web.Application, pool: ActorRecord, flood: str, by: str, at: datetime) -> None:
    store = floods(app)
    for link in await store.links(pool.id, flood):
        if link.state != "approved":
            continue
        await store.set_link(pool.id, flood, link.flood_name, link.peer_uri, "left", by, iso(at))
        if await store.approved_peer(pool.id, link.peer_uri):
            continue  # still linked with that pool through another flood
        mine = await app[FOLLOWS].get(pool.uri, link.peer_uri)
        if mine is not None:
            await app[FOLLOWS].remove(mine, follower_local_id=pool.id)
            follow = follow_reference(mine.follow_id, pool.uri, link.peer_uri)
            await _send(app, pool, "Undo", follow, link.peer_uri)
        theirs = await app[FOLLOWS].get(link.peer_uri, pool.uri)
        if theirs is not None:
            await app[FOLLOWS].remove(theirs, followee_local_id=pool.id)
            follow = follow_reference(theirs.follow_id, link.peer_uri, pool.uri)
            await _send(app, pool, "Reject", follow, link.peer_uri)


def _activity(app: web.Application, pool: ActorRecord, kind: str, obj: Any, to: str) -> dict[str, Any]:
    return link_activity(new_object_uri(app[CONFIG], "activities"), kind, pool.uri, obj, to, now_iso())


async def _deliver(app: web.Application, pool: ActorRecord, activity: dict[str, Any], to: str) -> None:
    from node.delivery import enqueue_activity

    await app[OBJECTS].put_local_activity(pool.id, activity, None, activity["published"])
    await enqueue_activity(app, pool, activity, [to])


async def _send(app: web.Application, pool: ActorRecord, kind: str, obj: Any, to: str) -> None:
    await _deliver(app, pool, _activity(app, pool, kind, obj, to), to)
