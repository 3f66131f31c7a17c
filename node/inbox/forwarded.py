"""Forwarded activities (ActivityPub §7.1.2, the receiving side): signed by another server.

A server that forwards a reply to its followers signs the POST as one of its own actors, so
the HTTP signature proves who relayed the activity, not who wrote it. The relay must still be
a valid signed actor (node/inbox/verify.py); the activity is then taken on its author's word
only, checked in one of two ways, as Mastodon does (a Linked Data signature, else a fetch):

1. **A proof.** The activity carries a FEP-8b32 integrity proof (``eddsa-jcs-2022``) made with
   a key in its actor's ``assertionMethod``: it is accepted as sent, without any other fetch than
   the actor's document (within :data:`FETCH_SECONDS`). A proof that does not verify (the
   activity was changed on the way), or is not the actor's, is refused (422 ``proof_rejected``);
   no origin fetch stands in for it.
2. **The origin.** Otherwise one signed GET to the actor's origin (the SSRF-safe Fetcher, at most
   :data:`FETCH_SECONDS`, 1 MiB) and what the origin serves is used, not what was forwarded:

   * ``Create`` or ``Update``: the object by its id. The origin's copy must carry that id and be
     attributed to the actor (or be the actor, for a profile's Update); it replaces the forwarded
     object and its addressing replaces the activity's.
   * ``Delete``: the object must be gone at its origin (404, 410, or a ``Tombstone``).
   * any other type: the activity itself by its id, with the same type and actor.

   The origin answering otherwise is a refusal (403 ``forbidden_origin``, with what it said);
   an origin that cannot be reached in time is 502, so the forwarder tries again later.

The origin rules (node/inbox/origin.py) are applied first, without a fetch, and again to what
is kept. Bounds: one origin GET per forwarded activity (a duplicate is answered 202 first),
rates per forwarder and per origin, and a few checks at once (node/inbox/limits.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from federation.errors import (
    BadActivity,
    FetchError,
    ForbiddenOrigin,
    HostUnreachable,
    RemoteAnswered,
    UnsafeAddress,
)
from node.appkeys import INBOX_LIMITS
from node.http import fetch_as
from node.inbox.origin import object_id, same_origin
from node.pool_engine.common import key_lookup
from node.storage import ActorRecord
from node.wire import verify_author_proof
from node.wire.errors import ProofRejected

__all__ = ["FETCH_SECONDS", "accept_forwarded"]

FETCH_SECONDS = 5.0
"""The longest an inbox request waits for the actor's origin to confirm a forwarded activity."""

_ADDRESSING = ("to", "cc", "bto", "bcc", "audience")
_BY_OBJECT = ("Create", "Update", "Delete")
_GONE = (404, 410)


def _origin_key(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].rpartition('@')[2].lower()}"


def _author(document: dict[str, Any]) -> str | None:
    value = document.get("attributedTo")
    if isinstance(value, list):
        value = value[0] if value else None
    return object_id(value)


async def _check_proof(app: web.Application, received: dict[str, Any]) -> None:
    """The activity as received is its actor's, by its FEP-8b32 proof."""
    actor = object_id(received.get("actor"))
    assert actor is not None  # check_shape saw it
    try:
        await verify_author_proof(received, actor, lambda method: key_lookup(app, method))
    except ProofRejected as exc:
        raise ProofRejected(f"the forwarded activity's {exc.reason}", detail=exc.detail) from exc


async def _fetch(app: web.Application, url: str, reader: ActorRecord | None, kind: str) -> dict[str, Any] | None:
    """The origin's document at ``url``; None if it answered that it is gone (for a Delete)."""
    limits = app[INBOX_LIMITS]
    async with limits.origin_check(_origin_key(url)):
        try:
            async with asyncio.timeout(FETCH_SECONDS):
                return await fetch_as(app, url, reader)
        except RemoteAnswered as exc:
            if kind == "Delete" and exc.remote_status in _GONE:
                return None
            raise ForbiddenOrigin(
                f"the actor's origin does not confirm the forwarded {kind}: it answered HTTP"
                f" {exc.remote_status} for {url}", detail=exc.detail) from exc
        except TimeoutError:
            raise HostUnreachable("the actor's origin did not confirm the forwarded activity in time;"
                                  " try again later", detail=url) from None
        except HostUnreachable as exc:
            raise HostUnreachable(f"the forwarded activity could not be checked at its actor's origin:"
                                  f" {exc.reason}; try again later", detail=exc.detail) from exc
        except UnsafeAddress:
            raise
        except FetchError as exc:  # it answered, with nothing we take (not AS2, too large...)
            raise ForbiddenOrigin(f"the actor's origin does not confirm the forwarded {kind}:"
                                  f" {exc.reason}", detail=exc.detail) from exc


def _from_origin_object(activity: dict[str, Any], fetched: dict[str, Any], url: str) -> dict[str, Any]:
    actor, kind = activity["actor"], activity["type"]
    if fetched.get("id") != url:
        raise ForbiddenOrigin(f"the actor's origin serves another object than the forwarded {kind} names")
    if fetched.get("id") != actor and _author(fetched) != actor:
        raise ForbiddenOrigin(f"the actor's origin does not confirm the forwarded {kind}: its copy of"
                              " the object is not attributed to the activity's actor")
    kept = {k: v for k, v in activity.items() if k not in (*_ADDRESSING, "object", "proof", "signature")}
    kept["object"] = fetched
    for field in ("to", "cc", "audience"):
        if field in fetched:
            kept[field] = fetched[field]
    return kept


async def _from_origin(app: web.Application, activity: dict[str, Any], reader: ActorRecord | None) -> dict[str, Any]:
    """The activity as the actor's origin confirms it (see the module's rules)."""
    actor, kind = activity["actor"], activity["type"]
    url = object_id(activity.get("object")) if kind in _BY_OBJECT else activity["id"]
    if url is None:
        raise BadActivity(f"a forwarded {kind} names its object by id")
    if not same_origin(url, actor):
        raise ForbiddenOrigin(f"a forwarded {kind} is checked at its actor's origin, and its object"
                              " is on another")
    fetched = await _fetch(app, url, reader, kind)
    if kind == "Delete":
        if fetched is not None and fetched.get("type") != "Tombstone":
            raise ForbiddenOrigin("the actor's origin still serves the object: the forwarded Delete"
                                  " is not confirmed")
        return activity
    assert fetched is not None
    if kind in _BY_OBJECT:
        return _from_origin_object(activity, fetched, url)
    if fetched.get("id") != url or fetched.get("type") != kind or object_id(fetched.get("actor")) != actor:
        raise ForbiddenOrigin(f"the actor's origin does not confirm the forwarded {kind}: its copy is"
                              " another activity or another actor's")
    return fetched


async def accept_forwarded(app: web.Application, received: dict[str, Any], checked: dict[str, Any],
                           signer: str, reader: ActorRecord | None) -> dict[str, Any]:
    """The activity to keep of one ``signer`` forwarded: ``received`` exactly as it came (its proof
    covers those bytes' JSON), ``checked`` after the shape and origin rules. ``reader`` signs the
    GET to the origin (the inbox's owner; None: the node's default signer)."""
    app[INBOX_LIMITS].check_forwarder(signer)
    if "proof" in received:
        try:
            async with asyncio.timeout(FETCH_SECONDS):  # the actor's document, if not cached
                await _check_proof(app, received)
        except TimeoutError:
            raise HostUnreachable("the actor's key for the forwarded activity's proof could not be"
                                  " fetched in time; try again later") from None
        return checked
    return await _from_origin(app, checked, reader)
