"""Processing the inbox queue: each persisted row, in order, through the handler table.

A row is leased (``locked_until``) while processed and marked done afterwards; a failure
schedules a retry with exponential backoff, and after :data:`MAX_ATTEMPTS` the row is
marked failed and kept for inspection. At start-up every lease is released, so a row
received before a crash (or a stop) is processed by the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from federation.errors import FederationError
from node.accounts import now_iso
from node.appkeys import (
    ACTORS,
    CONFIG,
    DB,
    FOLLOWS,
    INBOX,
    INBOX_LIMITS,
    INBOX_WAKE,
    INBOX_WORKER_ENABLED,
    INBOX_WRITER,
    KEY_CACHE,
    RECEIVED,
    REMOTE_ACTORS,
    WORKERS,
)
from node.discussion.blocks import BLOCKED, pool_blockers
from node.discussion.forwarding import forward
from node.errors import NodeError
from node.handlers import Inbound, handler_for
from node.handlers.context import object_id
from node.inbox.keys import KeyCache
from node.inbox.limits import InboxLimits
from node.inbox.verify import KEY_TOPIC
from node.inbox.writer import InboxWriter
from node.pool_engine.common import publish
from node.storage import (
    ActorRecord,
    BlockStore,
    InboxItem,
    InboxStore,
    ReceivedObjectStore,
)

__all__ = ["MAX_ATTEMPTS", "QUEUED_TOPIC", "inbox_ctx", "process_item", "run_worker"]

log = logging.getLogger("poolnode.inbox")

MAX_ATTEMPTS = 8
LEASE_MS = 5 * 60 * 1000
BATCH = 64
POLL_SECONDS = 1.0
QUEUED_TOPIC = "inbox-queued"
"""The notice a process that leaves its inbox to workers sends when it stored received items."""
QUIET_SECONDS = 0.05
MAX_DEFER_SECONDS = 0.25
_ADDRESSING = ("to", "cc", "bto", "bcc", "audience")
_ANSWERS = frozenset({"Accept", "Reject", "TentativeAccept", "TentativeReject", "Undo", "Delete"})
# Failures a handler may meet that are worth retrying later.
_RETRYABLE = (FederationError, NodeError, aiohttp.ClientError, OSError, TimeoutError, sqlite3.Error)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _backoff_ms(attempts: int) -> int:
    return int(min(10_000 * 2 ** max(attempts - 1, 0), 3_600_000))


def _addresses(activity: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for field in _ADDRESSING:
        value = activity.get(field)
        for entry in value if isinstance(value, list) else [value]:
            uri = object_id(entry)
            if uri is not None:
                out.append(uri)
    return out


async def _recipients(app: web.Application, item: InboxItem) -> tuple[ActorRecord, ...]:
    """The inbox it arrived at, local actors addressed, and local followers if addressed."""
    actors = app[ACTORS]
    base = app[CONFIG].base_url + "/"
    found: dict[int, ActorRecord] = {}
    if item.recipient_id is not None:
        owner = await actors.by_id(item.recipient_id)
        if owner is not None:
            found[owner.id] = owner
    addressed = _addresses(item.document)
    target = object_id(item.document.get("object"))
    if target is not None and item.activity_type == "Follow":
        addressed.append(target)
    sender = await app[REMOTE_ACTORS].get(item.actor_uri)
    followers = sender.document.get("followers") if sender is not None else None
    for uri in dict.fromkeys(addressed):
        if uri == followers:
            for follower in await app[FOLLOWS].followers_of(item.actor_uri, prefix=base):
                local = await actors.by_uri(follower)
                if local is not None:
                    found[local.id] = local
        elif uri.startswith(base):
            local = await actors.by_uri(uri)
            if local is not None:
                found[local.id] = local
    return tuple(found.values())


async def _object_type(app: web.Application, activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, dict):
        kind = obj.get("type")
        return kind if isinstance(kind, str) else None
    if isinstance(obj, str):
        stored = await app[RECEIVED].type_of(obj)
        if stored is not None:
            return stored
        if await app[FOLLOWS].by_follow_id(obj) is not None:
            return "Follow"
    return None


async def _tell_blocked(app: web.Application, pools: list[ActorRecord], item: InboxItem) -> None:
    """A pool that blocks the sender says so (a Reject with the reason); never in answer to an
    answer (two pools blocking each other would otherwise answer each other for ever)."""
    if item.activity_type in _ANSWERS:
        return
    for pool in pools:
        await publish(app, pool, "Reject", item.activity_id, [item.actor_uri],
                      followers=False, members=False, summary=BLOCKED)


async def process_item(app: web.Application, item: InboxItem) -> None:
    """Apply one received activity: list it in local inboxes, run its handler, forward it.

    Local actors that block the sender (ActivityPub §6.9; a pool's block holds for all but its
    members, node/discussion/blocks.py) are no recipients of it; an activity only for them is
    refused: not listed, not applied, not forwarded, and a blocking pool tells the sender why
    (what reaches a pool's thread otherwise is refused there, with the reason too).
    """
    recipients = await _recipients(app, item)
    blockers = await BlockStore(app[DB]).blockers_of(item.actor_uri)
    if blockers:
        blockers = await pool_blockers(app, blockers, item.actor_uri)
        kept = tuple(r for r in recipients if r.id not in blockers)
        if recipients and not kept:
            log.info("refused %s: its recipients block %s", item.activity_id, item.actor_uri)
            await _tell_blocked(app, [r for r in recipients if r.is_pool], item)
            return
        recipients = kept
    await app[RECEIVED].put(item.document, [r.id for r in recipients], now_iso())
    handler = handler_for(item.activity_type, await _object_type(app, item.document))
    inbound = Inbound(app, item.document, item.actor_uri, recipients)
    if handler is None:
        log.debug("no handler for %s %s: stored only", item.activity_type, item.activity_id)
    else:
        await handler(inbound)
    if not inbound.refused:  # what the pool refused (and said so) is not passed on
        await forward(app, item.document, item.actor_uri, blockers)  # ActivityPub §7.1.2


async def _process_claimed(app: web.Application, item: InboxItem) -> None:
    store = app[INBOX]
    try:
        await process_item(app, item)
    except _RETRYABLE as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'detail', exc)}"
        if item.attempts >= MAX_ATTEMPTS:
            log.warning("giving up on %s after %d attempts: %s", item.activity_id, item.attempts, error)
            await store.mark_failed(item.id, _now_ms(), error)
        else:
            log.info("will retry %s: %s", item.activity_id, error)
            await store.mark_retry(item.id, _now_ms() + _backoff_ms(item.attempts), error)
    except Exception as exc:
        # The worker's equivalent of the error middleware: a bug in one handler must not
        # stop the queue. The row is kept as failed with the error, and the trace logged.
        log.exception("processing %s failed", item.activity_id)
        await store.mark_failed(item.id, _now_ms(), f"{type(exc).__name__}: {exc}")
    else:
        await store.mark_done(item.id, _now_ms())


async def _wait_for_quiet(writer: InboxWriter) -> None:
    """Receiving comes first: while requests pour in, wait (a little) for a pause.

    Processing shares the database connection and the CPU with the inbox; deferring it
    keeps the 202s fast during a burst (at least four items a second still go through),
    and the backlog drains right after. Polling a timestamp is cheaper than an Event set
    on every request.
    """
    deadline = time.monotonic() + MAX_DEFER_SECONDS
    while writer.busy_within(QUIET_SECONDS) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(QUIET_SECONDS)


async def run_worker(app: web.Application) -> None:
    """Process due rows until cancelled; wakes on each inbox commit, polls for retries."""
    store, wake = app[INBOX], app[INBOX_WAKE]
    await store.release_leases()
    while True:
        wake.clear()
        items = await store.claim_due(_now_ms(), LEASE_MS, BATCH)
        if not items:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await wake.wait()
            continue
        for item in items:
            await _wait_for_quiet(app[INBOX_WRITER])
            await _process_claimed(app, item)


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
