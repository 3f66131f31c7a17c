"""Who received activities are for, read for a set of inbox items at once.

An activity's recipients are the local actor whose inbox it arrived at, the local actors it
addresses (``to``, ``cc``, ``bto``, ``bcc``, ``audience``; a Follow's object too) and, when it
addresses its sender's followers collection, the sender's local followers. Local actors that
block the sender are no recipients of it (ActivityPub §6.9; a pool's block holds for all but its
members, node/discussion/blocks.py). Everything an item needs for that,
and the stored type of an object given by reference, is read for the whole set in a few
queries (each a lookup answered without a thread hop on SQLite), not per item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB, FOLLOWS, RECEIVED, REMOTE_ACTORS
from node.discussion.blocks import pool_blockers
from node.handlers import typed_rows
from node.handlers.context import object_id
from node.storage import ActorRecord, BlockStore, InboxItem

__all__ = ["Audience", "addresses", "audience_of"]

_ADDRESSING = ("to", "cc", "bto", "bcc", "audience")


def addresses(activity: dict[str, Any]) -> list[str]:
    """Every id in the activity's addressing fields, in order (repeats kept)."""
    out: list[str] = []
    for name in _ADDRESSING:
        value = activity.get(name)
        for entry in value if isinstance(value, list) else [value]:
            uri = object_id(entry)
            if uri is not None:
                out.append(uri)
    return out


def _addressed(item: InboxItem) -> list[str]:
    addressed = addresses(item.document)
    target = object_id(item.document.get("object"))
    if target is not None and item.activity_type == "Follow":
        addressed.append(target)
    return list(dict.fromkeys(addressed))


@dataclass(frozen=True, slots=True)
class Audience:
    """What the recipients of a set of items depend on, as read at one moment."""

    base: str
    owners: Mapping[int, ActorRecord]
    local: Mapping[str, ActorRecord]
    followers_collection: Mapping[str, str]  # sender -> its followers collection's id
    local_followers: Mapping[str, tuple[ActorRecord, ...]]  # sender -> its local followers
    blockers: Mapping[str, set[int]]  # sender -> local actors (row ids) whose block of it holds
    types: Mapping[str, str] = field(default_factory=dict)  # object id -> stored type
    addressed: Mapping[int, list[str]] = field(default_factory=dict)  # item id -> addressing

    def recipients(self, item: InboxItem) -> tuple[ActorRecord, ...]:
        """The item's local recipients, blockers of its sender included (see ``kept``)."""
        found: dict[int, ActorRecord] = {}
        owner = self.owners.get(item.recipient_id) if item.recipient_id is not None else None
        if owner is not None:
            found[owner.id] = owner
        followers = self.followers_collection.get(item.actor_uri)
        addressed = self.addressed.get(item.id)
        for uri in addressed if addressed is not None else _addressed(item):
            if uri == followers:
                for follower in self.local_followers.get(item.actor_uri, ()):
                    found[follower.id] = follower
            elif uri.startswith(self.base) and (local := self.local.get(uri)) is not None:
                found[local.id] = local
        return tuple(found.values())

    def kept(self, item: InboxItem) -> tuple[ActorRecord, ...] | None:
        """The recipients that do not block the sender; None when every recipient blocks it
        (the activity is refused: not listed, not applied, not forwarded)."""
        recipients = self.recipients(item)
        blockers = self.blockers.get(item.actor_uri)
        if not blockers:
            return recipients
        kept = tuple(r for r in recipients if r.id not in blockers)
        return None if recipients and not kept else kept

    def object_type(self, activity: dict[str, Any],
                    pending: Mapping[str, str] | None = None) -> str | None:
        """The activity's object's type: embedded, else stored (``pending``: kept by writes not
        committed yet, which come first), else "Follow" for a Follow activity's id."""
        obj = activity.get("object")
        if isinstance(obj, dict):
            kind = obj.get("type")
            return kind if isinstance(kind, str) else None
        if isinstance(obj, str):
            return (pending or {}).get(obj) or self.types.get(obj)
        return None


async def _types(app: web.Application, items: Sequence[InboxItem]) -> dict[str, str]:
    refs = [obj for item in items
            if isinstance(obj := item.document.get("object"), str) and typed_rows(item.activity_type)]
    if not refs:
        return {}
    types = await app[RECEIVED].types_of(refs)
    for ref in dict.fromkeys(refs):
        if ref not in types and await app[FOLLOWS].by_follow_id(ref) is not None:
            types[ref] = "Follow"
    return types


async def audience_of(app: web.Application, items: Sequence[InboxItem]) -> Audience:
    """Read everything the items' recipients and handlers' choice depend on (a few queries)."""
    base = app[CONFIG].base_url + "/"
    actors = app[ACTORS]
    addressed = {item.id: _addressed(item) for item in items}
    senders = list(dict.fromkeys(item.actor_uri for item in items))
    # A sender's followers collection matters only to an item addressing an id not ours.
    foreign = [item.actor_uri for item in items
               if any(not uri.startswith(base) for uri in addressed[item.id])]
    collections = await app[REMOTE_ACTORS].followers_collections(foreign) if foreign else {}
    followed = [s for s in dict.fromkeys(foreign) if s in collections and any(
        collections[s] in addressed[i.id] for i in items if i.actor_uri == s)]
    follower_uris = {s: await app[FOLLOWS].followers_of(s, prefix=base) for s in followed}
    local_uris = [u for uris in addressed.values() for u in uris if u.startswith(base)]
    local_uris += [u for uris in follower_uris.values() for u in uris]
    local = await actors.by_uris(local_uris) if local_uris else {}
    owner_ids = [item.recipient_id for item in items if item.recipient_id is not None]
    blockers = await BlockStore(app[DB]).blockers_of_each(senders)
    for sender, ids in blockers.items():  # few: a pool's block spares its members
        blockers[sender] = await pool_blockers(app, ids, sender)
    return Audience(
        base=base,
        owners=await actors.by_ids(owner_ids) if owner_ids else {},
        local=local,
        followers_collection=collections,
        local_followers={s: tuple(local[u] for u in uris if u in local)
                         for s, uris in follower_uris.items()},
        blockers=blockers,
        types=await _types(app, items),
        addressed=addressed,
    )
