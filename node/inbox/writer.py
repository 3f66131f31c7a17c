"""Group commit for the inbox: many requests, one transaction, each answered after commit.

Requests hand their row to :meth:`InboxWriter.submit` and wait for the commit of the
batch it joined; the 202 goes out only once the row is durable. While one batch commits,
the next accumulates, so batches grow with load without a timer adding latency.
A small LRU of recently stored activity ids answers most duplicates without the database;
the UNIQUE index on ``activity_id`` catches the rest.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Callable

from node.errors import NodeError
from node.storage import InboxRow, InboxStore, StorageError
from node.storage.inbox import MAX_BATCH_ROWS

__all__ = ["InboxUnavailable", "InboxWriter", "RecentIds"]

log = logging.getLogger("poolnode.inbox")


class InboxUnavailable(NodeError):
    """The inbox cannot persist right now; the sender should retry later."""

    status = 503


class RecentIds:
    """A bounded set of recently stored activity ids, oldest forgotten first."""

    def __init__(self, size: int = 8192) -> None:
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, activity_id: object) -> bool:
        return activity_id in self._ids

    def add(self, activity_id: str) -> None:
        self._ids[activity_id] = None
        self._ids.move_to_end(activity_id)
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)


class InboxWriter:
    """Collects inbox rows and writes them in one transaction per batch."""

    def __init__(
        self,
        store: InboxStore,
        *,
        max_batch: int = MAX_BATCH_ROWS,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._pending: list[tuple[InboxRow, asyncio.Future[None]]] = []
        self._has_pending = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.recent = RecentIds()

    def start(self) -> None:
        """Start the commit loop."""
        self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def stop(self) -> None:
        """Commit what is pending, then stop."""
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None
        while self._pending:
            await self._commit_batch()

    async def submit(self, row: InboxRow) -> None:
        """Queue a row and return once it is committed (or known already)."""
        if self._task is None:
            raise InboxUnavailable("the inbox is not accepting activities right now")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        self._has_pending.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._has_pending.wait()
            # Let requests that are already runnable join this batch.
            await asyncio.sleep(0)
            await self._commit_batch()

    async def _commit_batch(self) -> None:
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        if not self._pending:
            self._has_pending.clear()
        if not batch:
            return
        try:
            await self._store.insert_batch([row for row, _ in batch])
        except (sqlite3.Error, StorageError, OSError) as exc:
            self._fail(batch, exc)
            return
        for row, future in batch:
            self.recent.add(row.activity_id)
            if not future.done():
                future.set_result(None)
        if self._on_commit is not None:
            self._on_commit()

    def _fail(self, batch: list[tuple[InboxRow, asyncio.Future[None]]], exc: BaseException) -> None:
        log.error("inbox batch of %d rows not stored: %r", len(batch), exc)
        for _, future in batch:
            if not future.done():
                future.set_exception(
                    InboxUnavailable("the inbox could not store the activity; retry later",
                                     detail=repr(exc))
                )
