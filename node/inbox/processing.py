"""One inbox item through its handler, and what becomes of an item: done, retried or failed.

This is the whole path for one activity (node/inbox/batch.py takes most items of a batch
together and comes here for the others): list it in its recipients' inboxes, run its handler,
forward it. A failure worth retrying schedules the item again with exponential backoff; after
:data:`MAX_ATTEMPTS` it is marked failed and kept for inspection. An unexpected exception is a
bug in a handler: the item is marked failed with the error and the trace logged, and the queue
goes on.
"""

from __future__ import annotations

import logging
import sqlite3
import time

import aiohttp
from aiohttp import web

from federation.errors import FederationError
from node.accounts import now_iso
from node.appkeys import INBOX, RECEIVED
from node.discussion.blocks import BLOCKED
from node.discussion.forwarding import forward
from node.errors import NodeError
from node.handlers import Inbound, handler_for
from node.inbox.audience import Audience, audience_of
from node.pool_engine.common import publish
from node.storage import InboxItem

__all__ = ["MAX_ATTEMPTS", "RETRYABLE", "must_tell_blocked", "now_ms", "process_item", "run_item",
           "settle_failure"]

log = logging.getLogger("poolnode.inbox")

MAX_ATTEMPTS = 8
_ANSWERS = frozenset({"Accept", "Reject", "TentativeAccept", "TentativeReject", "Undo", "Delete"})
# Failures a handler may meet that are worth retrying later.
RETRYABLE = (FederationError, NodeError, aiohttp.ClientError, OSError, TimeoutError, sqlite3.Error)


def now_ms() -> int:
    """The queue's clock: epoch milliseconds."""
    return int(time.time() * 1000)


def _backoff_ms(attempts: int) -> int:
    return int(min(10_000 * 2 ** max(attempts - 1, 0), 3_600_000))


def must_tell_blocked(audience: Audience, item: InboxItem) -> bool:
    """Whether a pool among the recipients of a refused item answers it: a pool that blocks
    the sender says so, never in answer to an answer (two pools blocking each other would
    otherwise answer each other for ever)."""
    return item.activity_type not in _ANSWERS and any(r.is_pool for r in audience.recipients(item))


async def _tell_blocked(app: web.Application, audience: Audience, item: InboxItem) -> None:
    """Each blocking pool among the item's recipients Rejects it, with the reason."""
    if not must_tell_blocked(audience, item):
        return
    for pool in [r for r in audience.recipients(item) if r.is_pool]:
        await publish(app, pool, "Reject", item.activity_id, [item.actor_uri],
                      followers=False, members=False, summary=BLOCKED)


async def process_item(app: web.Application, item: InboxItem) -> None:
    """Apply one received activity: list it in local inboxes, run its handler, forward it.

    Local actors that block the sender (ActivityPub §6.9; a pool's block holds for all but its
    members, node/discussion/blocks.py) are no recipients of it; an activity only for them is
    refused: not listed, not applied, not forwarded, and a blocking pool tells the sender why
    (what reaches a pool's thread otherwise is refused there, with the reason too). What a
    handler refused (and said so) is not forwarded either.
    """
    audience = await audience_of(app, [item])
    recipients = audience.kept(item)
    if recipients is None:
        log.info("refused %s: its recipients block %s", item.activity_id, item.actor_uri)
        await _tell_blocked(app, audience, item)
        return
    await app[RECEIVED].put(item.document, [r.id for r in recipients], now_iso())
    handler = handler_for(item.activity_type, audience.object_type(item.document))
    inbound = Inbound(app, item.document, item.actor_uri, recipients)
    if handler is None:
        log.debug("no handler for %s %s: stored only", item.activity_type, item.activity_id)
    else:
        await handler(inbound)
    if not inbound.refused:  # what the pool refused (and said so) is not passed on
        blockers = audience.blockers.get(item.actor_uri, set())
        await forward(app, item.document, item.actor_uri, blockers)  # ActivityPub §7.1.2


async def settle_failure(app: web.Application, item: InboxItem, exc: BaseException) -> None:
    """An item whose processing raised: a retry later, or failed for good (kept, with the error)."""
    store = app[INBOX]
    if isinstance(exc, RETRYABLE):
        error = f"{type(exc).__name__}: {getattr(exc, 'detail', exc)}"
        if item.attempts >= MAX_ATTEMPTS:
            log.warning("giving up on %s after %d attempts: %s", item.activity_id, item.attempts, error)
            await store.mark_failed(item.id, now_ms(), error)
        else:
            log.info("will retry %s: %s", item.activity_id, error)
            await store.mark_retry(item.id, now_ms() + _backoff_ms(item.attempts), error)
        return
    # The worker's equivalent of the error middleware: a bug in one handler must not stop the
    # queue. The item is kept as failed with the error, and the trace logged.
    log.error("processing %s failed", item.activity_id, exc_info=exc)
    await store.mark_failed(item.id, now_ms(), f"{type(exc).__name__}: {exc}")


async def run_item(app: web.Application, item: InboxItem) -> None:
    """Process one claimed item on its own and record its outcome."""
    try:
        await process_item(app, item)
    except Exception as exc:  # settled: retried, or failed with its trace logged
        await settle_failure(app, item, exc)
    else:
        await app[INBOX].mark_done(item.id, now_ms())
