"""Voters' keys fetched ahead: when another pool's electorate for a flood proposal arrives,
the actor documents of its members (their FEP-8b32 proof keys) are resolved in the
background, a few at a time, so the relayed ballots that follow verify against the cache
instead of waiting on one signed GET each. Nothing depends on it: a key not prefetched is
fetched when its ballot is checked, as before."""

from __future__ import annotations

import asyncio
import logging
import weakref

from aiohttp import web

from federation.errors import FederationError
from node.remote import resolve_actor

__all__ = ["PREFETCH_CONCURRENCY", "prefetch", "resolve_all", "stop_prefetching"]

log = logging.getLogger("poolnode.floods")

PREFETCH_CONCURRENCY = 4
"""Actor documents fetched at once per electorate (the rest of the node keeps working)."""

_TASKS: weakref.WeakKeyDictionary[web.Application, set[asyncio.Task[None]]] = weakref.WeakKeyDictionary()


def prefetch(app: web.Application, members: list[str]) -> None:
    """Resolve ``members`` (cached, local or fetched) in the background."""
    if not members:
        return
    tasks = _TASKS.setdefault(app, set())
    task = asyncio.create_task(resolve_all(app, members, PREFETCH_CONCURRENCY),
                               name="flood-key-prefetch")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def resolve_all(app: web.Application, uris: list[str], concurrency: int) -> None:
    """Resolve ``uris`` (cached, local or fetched), ``concurrency`` at a time; a failure is
    logged only: it is met again, and reported, where the actor's key is needed."""
    limit = asyncio.Semaphore(concurrency)

    async def one(uri: str) -> None:
        async with limit:
            try:
                await resolve_actor(app, uri)
            except FederationError as exc:
                log.debug("resolving %s ahead failed: %s", uri, exc)

    await asyncio.gather(*(one(uri) for uri in uris))


async def stop_prefetching(app: web.Application) -> None:
    """Cancel prefetches still running (at shutdown)."""
    tasks = list(_TASKS.get(app, ()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
