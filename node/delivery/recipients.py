"""Who an activity goes to: its addressing, expanded to local actors and remote inboxes.

The sender's followers collection expands to its followers, a pool's members collection to
its members, ``as:Public`` is nobody in particular, local actors are served without HTTP, and remote actors are resolved to their
shared inbox when they have one (ActivityPub §7.1, §7.1.3), so one row per inbox, not per
person.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from federation.errors import FederationError
from node.storage import ActorRecord, ActorStore, DeliveryStore

__all__ = [
    "ADDRESSING",
    "PUBLIC",
    "InboxResolver",
    "KnownInboxes",
    "MemberInboxes",
    "Recipients",
    "addressed",
    "expand_recipients",
    "host_of",
    "without_private_addressing",
]

log = logging.getLogger("poolnode.delivery")

ADDRESSING = ("to", "cc", "bto", "bcc", "audience")
PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})
_RESOLVE_CONCURRENCY = 16

InboxResolver = Callable[[str], Awaitable[str]]
"""``resolve(actor_uri)``: the inbox to deliver to (its shared inbox if it has one)."""

KnownInboxes = Callable[[list[str]], Awaitable[dict[str, str]]]
"""``known(actor_uris)``: inboxes of the actors already cached, in one query (a fast path)."""

MemberInboxes = Callable[[int], Awaitable[tuple[list[str], list[str]]]]
"""``members(pool_id)``: the inboxes of the pool's members whose actor is cached, each once,
and the ids of the other members (``DeliveryStore.member_inboxes``)."""


@dataclass(slots=True)
class Recipients:
    """Where one activity goes: local actors' ids and remote inboxes (inbox -> host)."""

    local_ids: set[int] = field(default_factory=set)
    inboxes: dict[str, str] = field(default_factory=dict)


def host_of(url: str) -> str:
    """The host[:port] a URL is delivered to, lowercased: the unit of per-host limits."""
    return urlsplit(url).netloc.lower()


def _uris(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, str) and item:
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            out.append(item["id"])
    return out


def addressed(activity: dict[str, Any]) -> list[str]:
    """Every address in the activity's (and its embedded object's) to/cc/bto/bcc/audience."""
    found: list[str] = []
    holders = [activity]
    if isinstance(activity.get("object"), dict):
        holders.append(activity["object"])
    for holder in holders:
        for name in ADDRESSING:
            found.extend(_uris(holder.get(name)))
    return list(dict.fromkeys(found))


def without_private_addressing(activity: dict[str, Any]) -> dict[str, Any]:
    """A copy without bto/bcc, in the activity and its embedded object (ActivityPub §6)."""
    public = copy.deepcopy(activity)
    for holder in (public, public.get("object")):
        if isinstance(holder, dict):
            holder.pop("bto", None)
            holder.pop("bcc", None)
    return public


def _member_ids(deliveries: DeliveryStore) -> MemberInboxes:
    """Every member as an id to expand one by one (no inbox taken from the cache)."""
    return lambda pool_id: deliveries.member_inboxes(pool_id, 2**62)


async def expand_recipients(
    *,
    sender: ActorRecord,
    uris: Iterable[str],
    base_url: str,
    actors: ActorStore,
    deliveries: DeliveryStore,
    resolve: InboxResolver,
    known: KnownInboxes | None = None,
    members: MemberInboxes | None = None,
) -> Recipients:
    """Expand addresses to local actors and remote inboxes, deduplicated by (shared) inbox.

    The sender's followers collection expands to its followers, and a pool's members
    collection (``{pool}/members``) to its current members: with ``members``, the inboxes of
    those already cached come folded from the database, whatever their number."""
    followers_url = sender.uri + "/followers"
    members_url = sender.uri + "/members" if sender.is_pool else None
    out = Recipients()
    people: list[str] = []
    for uri in dict.fromkeys(uris):
        if uri in PUBLIC:
            continue
        if uri == followers_url:
            people.extend(await deliveries.follower_uris(sender.id))
        elif uri == members_url:
            folded, others = await (members or _member_ids(deliveries))(sender.id)
            for shared in folded:
                out.inboxes.setdefault(shared, host_of(shared))
            people.extend(others)
        else:
            people.append(uri)
    remote: list[str] = []
    for uri in dict.fromkeys(people):
        if uri == sender.uri:
            continue
        if not uri.startswith(base_url + "/"):
            remote.append(uri)  # every local actor's id is under the node's base URL
            continue
        local = await actors.by_uri(uri)
        if local is not None:
            out.local_ids.add(local.id)
        elif uri.startswith(base_url + "/"):
            log.debug("not delivering to %s: a local address that is not an actor", uri)
        else:
            remote.append(uri)
    if known is not None and remote:
        cached = await known(remote)
        for uri in remote:
            if uri in cached:
                out.inboxes.setdefault(cached[uri], host_of(cached[uri]))
        remote = [uri for uri in remote if uri not in cached]
    limit = asyncio.Semaphore(_RESOLVE_CONCURRENCY)

    async def inbox_of(uri: str) -> str | None:
        async with limit:
            try:
                return await resolve(uri)
            except FederationError as exc:
                log.warning("not delivering to %s: %s", uri, exc)
                return None

    for inbox in await asyncio.gather(*(inbox_of(uri) for uri in remote)):
        if inbox is not None:
            out.inboxes.setdefault(inbox, host_of(inbox))
    return out
