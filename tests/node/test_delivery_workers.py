"""The workers' claimed rows: signed ahead, taken host by host, given back when not sent."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from node.delivery import settings_from_config
from node.delivery.queue import DeliveryQueue
from node.storage import ActorStore, Database, DeliveryStore
from tests.conftest import make_node
from tests.node.delivery_receivers import (
    Receiver,
    enqueue_rows,
    start_receiver,
    wait_for,
    wait_for_async,
)

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def queues(tmp_path):  # type: ignore[no-untyped-def]
    """Start DeliveryQueues on one node's database, as successive processes would."""
    opened: list[tuple[DeliveryQueue, Database]] = []
    setups: list[Any] = []

    async def build(clock: Any = None, **settings: Any):  # type: ignore[no-untyped-def]
        if not setups:
            defaults = {"delivery_poll_interval": 0.05, "delivery_base_delay": 60.0}
            setups.append(await make_node(
                tmp_path / "node", allow_private_addresses=True, **{**defaults, **settings}
            ))
        setup = setups[0]
        db = Database.for_config(setup.config)
        await db.open()
        extra = {"clock": clock} if clock is not None else {}
        queue = DeliveryQueue(DeliveryStore(db), ActorStore(db),
                              settings_from_config(setup.config), **extra)
        await queue.start()
        opened.append((queue, db))
        return setup, queue

    yield build
    for queue, db in opened:
        await queue.stop()
        await db.close()


async def _rows(queue: DeliveryQueue) -> list[dict[str, Any]]:
    await queue.flush()
    return [dict(r) for r in await queue.store.db.fetchall("SELECT * FROM deliveries ORDER BY id")]


async def test_stop_gives_back_claimed_rows_and_a_restart_sends_each_once(queues, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver(hang=True))
    setup, queue = await queues(delivery_per_host=1, delivery_workers=4)
    host = await enqueue_rows(setup, queue, receiver, 3)
    await wait_for(lambda: queue.in_flight(host) == 1)
    await queue.stop()
    rows = await _rows(queue)
    # One row was in flight (its lock stays: it may have arrived); the rows claimed but not
    # attempted are unlocked at once; none counts an attempt.
    locked = [r for r in rows if r["locked_until"] is not None]
    assert len(locked) == 1
    assert [(r["state"], r["attempts"]) for r in rows] == [("queued", 0)] * 3
    receiver.hang = False
    receiver.released.set()
    _, again = await queues()
    rows = []

    async def delivered() -> bool:
        nonlocal rows
        rows = await _rows(again)
        return all(r["state"] == "delivered" for r in rows)

    deadline = time.monotonic() + 20
    while not await delivered():
        assert time.monotonic() < deadline, rows
        await wait_for(lambda: True)
    assert [r["attempts"] for r in rows] == [1, 1, 1]
    # The row in flight at the stop is sent again (it may or may not have arrived the first
    # time); the rows given back are sent once.
    counts = Counter(r.body for r in receiver.received)
    in_flight = b'{"n":%d}' % (locked[0]["id"] - 1)
    assert {body: n for body, n in counts.items() if body != in_flight} == {
        body: 1 for body in (b'{"n":0}', b'{"n":1}', b'{"n":2}') if body != in_flight
    }
    assert counts[in_flight] in (1, 2)

async def test_a_row_that_waited_past_its_lock_margin_is_given_back_unsent(queues, aiohttp_server):
    receiver = await start_receiver(aiohttp_server, Receiver(hang=True))
    offset = [0.0]
    setup, queue = await queues(
        clock=lambda: time.time() + offset[0], delivery_per_host=1, delivery_workers=2,
        delivery_timeout=0.5, delivery_poll_interval=5.0,
    )
    host = await enqueue_rows(setup, queue, receiver, 2)
    await wait_for(lambda: queue.in_flight(host) == 1)
    rows: list[dict[str, Any]] = []

    async def second_claimed() -> bool:
        nonlocal rows
        rows = await _rows(queue)
        return rows[1]["locked_until"] is not None

    # The first row can be in flight before the second is even claimed (the rows are enqueued
    # one by one): the clock moves only once the second row is claimed, waiting behind it.
    await wait_for_async(second_claimed, within=10)
    assert (rows[1]["attempts"], queue.in_flight(host)) == (0, 1)
    # While the first POST hangs, the second row waits far longer than its lock allows.
    offset[0] = 1000.0

    async def first_timed_out() -> bool:
        nonlocal rows
        rows = await _rows(queue)
        return rows[0]["attempts"] == 1

    deadline = time.monotonic() + 10
    while not await first_timed_out():
        assert time.monotonic() < deadline, rows
        await wait_for(lambda: True)
    await wait_for(lambda: queue.in_flight(host) == 0)
    rows = await _rows(queue)
    assert rows[0]["last_error"] == "timed out"
    assert (rows[1]["state"], rows[1]["attempts"], rows[1]["locked_until"]) == ("queued", 0, None)
    receiver.released.set()


async def test_rows_waiting_for_a_host_whose_breaker_opens_are_given_back(queues, unused_tcp_port):
    setup, queue = await queues(
        delivery_per_host=1, delivery_breaker_threshold=2, delivery_breaker_cooldown=60.0,
    )
    dead = Receiver(base=f"http://127.0.0.1:{unused_tcp_port}")  # nothing listens there
    host = await enqueue_rows(setup, queue, dead, 5)
    await wait_for(lambda: (h := queue.health(host)) is not None and h.consecutive_failures >= 2)
    await wait_for(lambda: queue.in_flight(host) == 0)
    rows = await _rows(queue)
    # One attempt at a time: two failures open the breaker, and the row claimed behind them
    # goes back to the queue instead of waiting in memory (locked) until the breaker closes.
    assert sum(r["attempts"] for r in rows) == 2
    assert all(r["state"] == "queued" and r["locked_until"] is None for r in rows), [(r["id"], r["state"], r["attempts"], r["locked_until"]) for r in rows]


async def test_a_host_with_more_rows_than_one_claim_takes_gets_them_without_waiting_for_a_poll(
    queues, aiohttp_server
):
    receiver = await start_receiver(aiohttp_server, Receiver())
    # Two rows per claim for this host; the next poll would be a minute away.
    setup, queue = await queues(delivery_per_host=1, delivery_poll_interval=60.0)
    await enqueue_rows(setup, queue, receiver, 12)
    await wait_for(lambda: len(receiver.received) == 12)
    assert sorted(r.body for r in receiver.received) == sorted(b'{"n":%d}' % n for n in range(12))
