"""The ballots of each open flood proposal, decoded once and kept in memory, and a coalesced
refresh of its running result: a stored ballot adds one entry instead of re-reading and
decoding every ballot from the database (which made a proposal's tally O(n²)).

On a database other processes write too, every read first takes in the ballots stored
(by any process) after the last row it read, and only those: a proposal's ballots become
visible in the order of their row ids (node/storage/floods.py). A process that closes a
proposal tells the others to drop theirs (``CLOSED_TOPIC``)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from aiohttp import web

from governance import Ballot
from node.appkeys import DB
from node.floods.common import floods
from node.wire.floods import FloodCount

__all__ = ["CLOSED_TOPIC", "REFRESH_DELAY", "ballots_of", "forget", "remember", "running_count",
           "schedule", "stop_refreshing"]

log = logging.getLogger("poolnode.floods")

REFRESH_DELAY = 0.05
"""Ballots stored within this many seconds of each other share one refresh of the result."""


@dataclass(slots=True)
class _Ballots:
    by_id: dict[str, Ballot] = field(default_factory=dict)
    loaded: asyncio.Event = field(default_factory=asyncio.Event)
    # The row id of the last ballot read from the database, and one catch-up at a time.
    last_row: int = 0
    catching_up: asyncio.Lock = field(default_factory=asyncio.Lock)
    failed: bool = False  # the first read failed: its waiters read again
    # The last running count and what it was computed from: (ballots, electorates' pools).
    count: tuple[Hashable, FloodCount | None] | None = None


_KEPT: weakref.WeakKeyDictionary[web.Application, dict[str, _Ballots]] = weakref.WeakKeyDictionary()


def _of(app: web.Application) -> dict[str, _Ballots]:
    return _KEPT.setdefault(app, {})


async def ballots_of(app: web.Application, uri: str) -> list[Ballot]:
    """Every accepted ballot of a flood proposal, in arrival order (read from the DB once)."""
    kept = _of(app).get(uri)
    if kept is None:
        kept = _of(app)[uri] = _Ballots()
        try:
            async with kept.catching_up:
                rows = await floods(app).ballots_after(uri, 0)
                # Ballots remembered while this read runs stay (the dict dedups by id).
                stored = {b["id"]: Ballot.from_dict(b) for _, b in rows}
                kept.by_id = {**stored, **kept.by_id}
                kept.last_row = rows[-1][0] if rows else 0
        except BaseException:
            kept.failed = True  # the readers waiting for it read again
            if _of(app).get(uri) is kept:
                del _of(app)[uri]
            raise
        finally:
            kept.loaded.set()
    await kept.loaded.wait()
    if kept.failed:
        return await ballots_of(app, uri)
    if app[DB].shared:
        await _catch_up(app, uri, kept)
    return list(kept.by_id.values())


async def _catch_up(app: web.Application, uri: str, kept: _Ballots) -> None:
    """Take in the ballots other processes stored since the last row read here."""
    async with kept.catching_up:
        rows = await floods(app).ballots_after(uri, kept.last_row)
        for _, data in rows:
            kept.by_id.setdefault(data["id"], Ballot.from_dict(data))
        if rows:
            kept.last_row = rows[-1][0]


async def running_count(app: web.Application, uri: str, electorates: list[str],
                        count: Callable[[list[Ballot]], FloodCount | None]) -> FloodCount | None:
    """``count(ballots)`` of an open proposal, computed again only when a ballot or an
    electorate was added since the last time (readers and refreshes share it)."""
    ballots = await ballots_of(app, uri)
    kept = _of(app)[uri]
    # Ballots are only ever added (a voter's later ballot is another id) and electorates are
    # frozen once kept, so their numbers name what was counted.
    key = (len(ballots), tuple(sorted(electorates)))
    if kept.count is None or kept.count[0] != key:
        kept.count = (key, count(ballots))
    return kept.count[1]


def remember(app: web.Application, uri: str, ballot: Ballot) -> None:
    """A ballot just stored for ``uri`` (after ``add_ballot`` said it was new).

    Not on a shared database: there the next read takes it from its row, in the order of
    the rows (after any other process's ballot stored before it)."""
    kept = _of(app).get(uri)
    if kept is not None and not app[DB].shared:
        kept.by_id.setdefault(ballot.id, ballot)


def schedule(app: web.Application, uri: str) -> None:
    """Refresh the proposal's running result soon, once for every ballot stored meanwhile."""
    pending = _REFRESHING.setdefault(app, {})
    if uri in pending:
        return

    async def run() -> None:
        from node.floods.results import refresh

        await asyncio.sleep(REFRESH_DELAY)
        pending.pop(uri, None)  # a ballot stored from here on schedules the next refresh
        await refresh(app, uri)

    task = asyncio.create_task(run(), name=f"flood-refresh {uri}")
    pending[uri] = task
    task.add_done_callback(_done)


def _done(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        # As the closing worker: the running result is refreshed again by the next ballot.
        log.error("refreshing a flood result failed", exc_info=task.exception())


_REFRESHING: weakref.WeakKeyDictionary[web.Application, dict[str, asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary())


async def stop_refreshing(app: web.Application) -> None:
    """At shutdown, before the database closes: cancel the refreshes not yet run (the next
    ballot, or a restart's first read, counts again)."""
    tasks = list(_REFRESHING.pop(app, {}).values())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


CLOSED_TOPIC = "flood-proposal-closed"
"""The notice a process sends when it closed a flood proposal (its key: the proposal's id)."""


def forget(app: web.Application, uri: str) -> None:
    """Drop a closed proposal's ballots from memory (closed here or in another process)."""
    _of(app).pop(uri, None)
