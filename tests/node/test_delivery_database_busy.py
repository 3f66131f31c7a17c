"""A database that is busy or gone for a moment stops no delivery and loses no result.

The dispatcher claims rows and the flusher writes results in their own tasks: an error there
used to end the task, leaving every later delivery queued (or every result unwritten) until the
process restarted, and the error surfaced only when the node stopped.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from node.delivery import settings_from_config
from node.delivery.queue import DeliveryQueue
from node.storage import ActorStore, Database, DeliveryStore
from tests.conftest import make_node
from tests.node.delivery_receivers import Receiver, enqueue_rows, start_receiver, wait_for_async

pytestmark = pytest.mark.both_backends

BUSY = sqlite3.OperationalError("database is locked")


class _Failing:
    """Wraps one store method: its next ``times`` calls raise ``BUSY``, then it works."""

    def __init__(self, method: Any, times: int) -> None:
        self.method, self.left, self.failed = method, times, 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.left:
            self.left -= 1
            self.failed += 1
            raise BUSY
        return await self.method(*args, **kwargs)


@pytest.fixture
async def node(tmp_path):  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "node", allow_private_addresses=True,
                            delivery_poll_interval=0.05, delivery_base_delay=60.0)
    db = Database.for_config(setup.config)
    await db.open()
    yield setup, db
    await db.close()


async def _started(setup: Any, db: Database, failing: str, times: int) -> tuple[DeliveryQueue, _Failing]:
    """A started queue whose store's ``failing`` method raises ``BUSY`` its next ``times`` calls."""
    queue = DeliveryQueue(DeliveryStore(db), ActorStore(db), settings_from_config(setup.config))
    wrapper = _Failing(getattr(queue.store, failing), times)
    setattr(queue.store, failing, wrapper)
    await queue.start()
    return queue, wrapper


async def _states(db: Database) -> list[tuple[str, int]]:
    rows = await db.fetchall("SELECT state, attempts FROM deliveries ORDER BY id")
    return [(r["state"], r["attempts"]) for r in rows]


async def test_a_claim_that_fails_is_tried_again_and_the_rows_are_delivered(node, aiohttp_server):
    setup, db = node
    receiver = await start_receiver(aiohttp_server, Receiver())
    queue, claim = await _started(setup, db, "claim", times=3)
    try:
        await enqueue_rows(setup, queue, receiver, 2)

        async def delivered() -> bool:
            await queue.flush()
            return await _states(db) == [("delivered", 1)] * 2

        await wait_for_async(delivered, within=30)
        assert claim.failed == 3
        assert sorted(r.body for r in receiver.received) == [b'{"n":0}', b'{"n":1}']
    finally:
        await queue.stop()


async def test_results_a_flush_could_not_write_are_written_by_the_next(node, aiohttp_server):
    setup, db = node
    receiver = await start_receiver(aiohttp_server, Receiver())
    queue, record = await _started(setup, db, "record", times=2)
    try:
        await enqueue_rows(setup, queue, receiver, 1)
        await wait_for_async(lambda: _states_are(db, [("delivered", 1)]), within=30)
        assert record.failed == 2
        # The flusher is still there: a later delivery's result is written without a stop.
        await enqueue_rows(setup, queue, receiver, 1)
        await wait_for_async(lambda: _states_are(db, [("delivered", 1)] * 2), within=30)
        assert len(receiver.received) == 2  # each sent once: the result was kept, not the row
    finally:
        await queue.stop()


async def _states_are(db: Database, expected: list[tuple[str, int]]) -> bool:
    return await _states(db) == expected


async def test_stopping_goes_on_when_the_last_results_cannot_be_written(node, aiohttp_server):
    setup, db = node
    receiver = await start_receiver(aiohttp_server, Receiver())
    queue, record = await _started(setup, db, "record", times=0)
    await enqueue_rows(setup, queue, receiver, 1)
    await wait_for_async(lambda: _received(receiver), within=30)
    record.left = 100  # from now on every write of results fails
    await queue.stop()  # logs the failure instead of raising it into the node's shutdown
    # The result was not written: the row keeps its lock, and is attempted again when it ends.
    (row,) = await db.fetchall("SELECT state, attempts, locked_until FROM deliveries")
    assert (row["state"], row["attempts"]) == ("queued", 0)
    assert row["locked_until"] is not None


async def _received(receiver: Receiver) -> bool:
    return len(receiver.received) == 1
