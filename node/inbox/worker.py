"""Processing the inbox queue: claimed batches of persisted rows, in order.

Rows are leased (``locked_until``) while processed and marked done afterwards
(node/inbox/batch.py handles a batch set-based, node/inbox/processing.py one item and its
retries). At start-up every lease is released, so a row received before a crash (or a stop)
is processed by the next run. The worker wakes on each inbox commit and takes what is due at
once: no delay is added to gather a larger batch, since while one batch is processed the
next one accumulates by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node.appkeys import (
    CONFIG,
    DB,
    INBOX,
    INBOX_LIMITS,
    INBOX_WAKE,
    INBOX_WORKER_ENABLED,
    INBOX_WRITER,
    KEY_CACHE,
    RECEIVED,
    WORKERS,
)
from node.inbox.batch import process_batch
from node.inbox.keys import KeyCache
from node.inbox.limits import InboxLimits
from node.inbox.processing import MAX_ATTEMPTS, RETRYABLE, now_ms, process_item
from node.inbox.verify import KEY_TOPIC
from node.inbox.writer import InboxWriter
from node.storage import InboxStore, ReceivedObjectStore

__all__ = ["BATCH", "MAX_ATTEMPTS", "QUEUED_TOPIC", "inbox_ctx", "process_item", "run_worker"]

_RETRYABLE = RETRYABLE  # the name tests/node/test_no_server_errors.py imports

log = logging.getLogger("poolnode.inbox")

LEASE_MS = 5 * 60 * 1000
BATCH = 64
POLL_SECONDS = 1.0
QUEUED_TOPIC = "inbox-queued"
"""The notice a process that leaves its inbox to workers sends when it stored received items."""


async def run_worker(app: web.Application) -> None:
    """Process due rows until cancelled; wakes on each inbox commit, polls for retries."""
    store, wake = app[INBOX], app[INBOX_WAKE]
    while True:
        try:
            await store.release_leases()
            break
        except Exception:  # either backend's error: a database busy or away for a moment
            log.warning("releasing the inbox's leases failed; trying again in %g s",
                        POLL_SECONDS, exc_info=True)
            await asyncio.sleep(POLL_SECONDS)
    while True:
        wake.clear()
        try:
            items = await store.claim_due(now_ms(), LEASE_MS, BATCH)
        except Exception:
            # A database busy or away for a moment (either backend's error): the rows stay due
            # and the next poll takes them (a worker that ended here would leave the inbox
            # unprocessed until a restart).
            log.warning("claiming inbox items failed; trying again in %g s", POLL_SECONDS,
                        exc_info=True)
            await asyncio.sleep(POLL_SECONDS)
            continue
        if not items:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await wake.wait()
            continue
        try:
            await process_batch(app, items)
        except RETRYABLE:
            # The database failed under a batch (each item's own failures are settled inside):
            # its items are claimed again when their lease ends, as after a crash.
            log.warning("an inbox batch of %d items was interrupted", len(items), exc_info=True)
            await asyncio.sleep(POLL_SECONDS)


async def inbox_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: inbox stores, the group-commit writer and the processing worker."""
    db = app[DB]
    app[INBOX] = InboxStore(db)
    app[RECEIVED] = ReceivedObjectStore(db)
    app[KEY_CACHE] = KeyCache()
    # Another process on a shared database handled an actor's Update or Delete.
    await db.on_notice(KEY_TOPIC, app[KEY_CACHE].forget_owner)
    app[INBOX_LIMITS] = InboxLimits.from_config(app[CONFIG])
    wake = app[INBOX_WAKE] = asyncio.Event()
    on_commit = wake.set
    worker = None
    if not app.get(WORKERS, True):
        # serve --no-workers: the worker processes drain what this one stores; wake them.
        on_commit = lambda: db.nudge(QUEUED_TOPIC)  # noqa: E731
    elif app.get(INBOX_WORKER_ENABLED, True):
        # What a process without workers stored is due at once, not at the next poll.
        await db.on_notice(QUEUED_TOPIC, lambda _key: wake.set())
        worker = asyncio.create_task(run_worker(app), name="inbox-worker")
    writer = app[INBOX_WRITER] = InboxWriter(app[INBOX], on_commit=on_commit)
    writer.start()
    yield
    await writer.stop()
    if worker is not None:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
