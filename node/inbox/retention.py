"""Retention of the inbox queue: processed rows are deleted once they are old enough.

An ``inbox_items`` row is only the envelope of a received activity on its way through
the worker. Once processed, what it meant is kept elsewhere (``objects``, the
governance tables: proposals, ballots, tallies, ledger entries, flood records), and
those are never deleted here. Done and failed rows processed more than
``inbox_retention_days`` ago are deleted in bounded batches, one transaction each, so
the inbox keeps answering between batches; queued rows are never deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from node.appkeys import CONFIG, INBOX, WORKERS
from node.storage import InboxStore

__all__ = ["BATCH", "INTERVAL_SECONDS", "retention_ctx", "sweep"]

log = logging.getLogger("poolnode.inbox")

BATCH = 500
INTERVAL_SECONDS = 3600.0
_DAY_MS = 86_400_000


async def sweep(store: InboxStore, retention_days: int, *, now_ms: int | None = None,
                batch: int = BATCH) -> int:
    """Delete processed rows older than ``retention_days``, ``batch`` at a time; how many went."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    cutoff = now_ms - retention_days * _DAY_MS
    total = 0
    while True:
        deleted = await store.delete_processed_before(cutoff, batch)
        total += deleted
        if deleted < batch:
            return total
        await asyncio.sleep(0)  # let waiting requests use the database between batches


async def _run(app: web.Application, retention_days: int) -> None:
    while True:
        try:
            deleted = await sweep(app[INBOX], retention_days)
        except Exception as exc:  # either backend's error: the next sweep is in an hour
            log.warning("inbox retention: sweep failed, next try in an hour: %r", exc)
        else:
            if deleted:
                log.info("inbox retention: deleted %d processed items older than %d days",
                         deleted, retention_days)
        await asyncio.sleep(INTERVAL_SECONDS)


async def retention_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the hourly retention sweep (none when ``inbox_retention_days`` is 0,
    nor in a process that leaves the queues to ``poolnode worker``)."""
    days = app[CONFIG].inbox_retention_days
    task = None
    if days and app.get(WORKERS, True):
        task = asyncio.create_task(_run(app, days), name="inbox-retention")
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
