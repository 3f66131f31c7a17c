"""Relaying a pool's member ballots to the other pools of a flood proposal, coalesced: the
ballots a pool accepts within ``RELAY_WINDOW`` of the first go out as one ``Announce`` per
peer whose ``object`` is the list of ballots (one ballot alone keeps the single-object form;
docs/PROTOCOL.md §Ballots and relays). Each ballot keeps its voter's proof; the receiver
accepts each on that proof alone.

A relay is held in memory for at most the window before it is in the outbox and the
delivery queue; one lost with a crash in that moment is recovered by reconciliation at the
close, as a relay still queued at the close is.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from node.storage import ActorRecord

__all__ = ["RELAY_MAX", "RELAY_WINDOW", "flush_all", "relay"]

log = logging.getLogger("poolnode.floods")

RELAY_WINDOW = 0.1
"""Seconds a pool collects ballots for one proposal before relaying them together."""

RELAY_MAX = 100
"""At most this many ballots in one Announce (about 1.2 KB each, well under the body limit)."""


@dataclass(slots=True)
class _Batch:
    pool: ActorRecord
    others: list[str]
    documents: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


_PENDING: weakref.WeakKeyDictionary[web.Application, dict[tuple[str, str], _Batch]] = (
    weakref.WeakKeyDictionary())


def relay(app: web.Application, pool: ActorRecord, proposal: str, others: list[str],
          document: dict[str, Any]) -> None:
    """Relay a member's accepted ballot to ``others`` soon, together with the pool's next ones."""
    pending = _PENDING.setdefault(app, {})
    key = (pool.uri, proposal)
    batch = pending.get(key)
    if batch is None:
        batch = pending[key] = _Batch(pool, others)
    batch.documents.append(document)
    if batch.task is None:
        batch.task = asyncio.create_task(_flush_later(app, key), name=f"flood-relay {proposal}")
        batch.task.add_done_callback(_done)


async def _flush_later(app: web.Application, key: tuple[str, str]) -> None:
    await asyncio.sleep(RELAY_WINDOW)
    await _flush(app, key)


async def _flush(app: web.Application, key: tuple[str, str]) -> None:
    """Publish every collected ballot of ``key``, ``RELAY_MAX`` per Announce."""
    from node.pool_engine.common import publish

    batch = _PENDING.get(app, {}).pop(key, None)  # a ballot accepted from here on starts the next
    if batch is None:
        return
    documents = batch.documents
    for start in range(0, len(documents), RELAY_MAX):
        chunk = documents[start:start + RELAY_MAX]
        # One ballot keeps the single-object form every node understands.
        obj: Any = chunk[0] if len(chunk) == 1 else chunk
        await publish(app, batch.pool, "Announce", obj, batch.others, followers=False, members=False)


def _done(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        # The ballots are stored and listed in the pool's ballot list: the other nodes fetch
        # them when they reconcile at the close.
        log.error("relaying flood ballots failed", exc_info=task.exception())


async def flush_all(app: web.Application) -> None:
    """Publish every collected ballot now (at shutdown, so nothing waits for a timer)."""
    pending = _PENDING.get(app, {})
    for key in list(pending):
        task = pending[key].task
        if task is not None:
            task.cancel()
        await _flush(app, key)
