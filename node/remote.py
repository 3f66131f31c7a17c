"""Resolving remote actors: fetched with signed GETs, cached in the database with a TTL.

``resolve_actor`` is what both halves of federation use: the inbox to find the keys that
verify a request, delivery to find inboxes. Local actors resolve from the actors table
without any fetch. Concurrent resolutions of the same actor share one fetch.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import yarl
from aiohttp import web

from federation.errors import FetchError
from node.appkeys import ACTORS, CONFIG, FETCHER, REMOTE_ACTORS, RESOLVING
from node.documents import actor_document
from node.storage import RemoteActor

__all__ = ["ACTOR_TTL_SECONDS", "RemoteActor", "actor_from_document", "key_owner_uri", "resolve_actor"]

ACTOR_TTL_SECONDS = 24 * 3600
"""How long a fetched actor is trusted before it is fetched again."""

def _now_ms() -> int:
    return int(time.time() * 1000)


def key_owner_uri(key_id: str) -> str:
    """The actor document a keyId points into: the keyId without its fragment (Mastodon's layout)."""
    return str(yarl.URL(key_id).with_fragment(None))


def _objects(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def actor_from_document(document: dict[str, Any], fetched_at: int) -> RemoteActor:
    """The parts of an actor document we keep (ActivityPub §4.1); FetchError if unusable."""
    uri = document.get("id")
    inbox = document.get("inbox")
    kind = document.get("type")
    if not isinstance(uri, str) or not isinstance(inbox, str) or not isinstance(kind, str):
        raise FetchError("actor document lacks id, type or inbox", detail=str(uri))
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    key_id = pem = None
    for key in _objects(document.get("publicKey")):
        if key.get("owner") == uri and isinstance(key.get("id"), str) and isinstance(
            key.get("publicKeyPem"), str
        ):
            key_id, pem = key["id"], key["publicKeyPem"]
            break
    ed25519 = {
        key["id"]: key["publicKeyMultibase"]
        for key in _objects(document.get("assertionMethod"))
        if key.get("type") == "Multikey"
        and key.get("controller") == uri
        and isinstance(key.get("id"), str)
        and isinstance(key.get("publicKeyMultibase"), str)
    }
    return RemoteActor(
        uri=uri,
        type=kind,
        inbox=inbox,
        shared_inbox=shared if isinstance(shared, str) else None,
        key_id=key_id,
        public_key_pem=pem,
        ed25519_keys=ed25519,
        document=document,
        fetched_at=fetched_at,
    )


async def resolve_actor(app: web.Application, uri: str, *, refresh: bool = False) -> RemoteActor:
    """The actor at ``uri``: local, cached (younger than the TTL) or fetched; FetchError if not."""
    local = await app[ACTORS].by_uri(uri)
    if local is not None:
        return actor_from_document(actor_document(app[CONFIG], local), _now_ms())
    if not refresh:
        cached = await app[REMOTE_ACTORS].get(uri)
        if cached is not None and cached.fetched_at + ACTOR_TTL_SECONDS * 1000 > _now_ms():
            return cached
    in_flight: dict[str, asyncio.Future[RemoteActor]] = app[RESOLVING]
    pending = in_flight.get(uri)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[RemoteActor] = asyncio.get_running_loop().create_future()
    in_flight[uri] = future
    try:
        # Another resolver may have fetched and stored the actor between our cache read and
        # now (its future already gone): the row it stored answers us without a second fetch.
        cached = None if refresh else await app[REMOTE_ACTORS].get(uri)
        if cached is not None and cached.fetched_at + ACTOR_TTL_SECONDS * 1000 > _now_ms():
            actor = cached
        else:
            actor = await _fetch(app, uri)
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved here, so an unawaited future does not warn
        raise
    else:
        future.set_result(actor)
        return actor
    finally:
        in_flight.pop(uri, None)


async def _fetch(app: web.Application, uri: str) -> RemoteActor:
    # The database row is our cache: past it, the Fetcher's own cache would only be staler.
    document = await app[FETCHER].fetch_actor(uri, refresh=True)
    actor = actor_from_document(document, _now_ms())
    await app[REMOTE_ACTORS].put(actor)
    return actor
