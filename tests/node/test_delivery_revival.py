"""After a heal: a host whose breaker opened is probed after each cooldown even when none of
its rows is due, and any sign of it being back closes the breaker and makes its waiting
rows due at once instead of after their retry back-off (issue 20)."""

from __future__ import annotations

from node.delivery.breaker import BreakerPolicy
from node.delivery.hosts import HostBook
from tests.node.delivery_receivers import (
    Receiver,
    enqueue_rows,
    start_receiver,
    wait_for,
    wait_for_async,
)
from tests.node.test_delivery_hosts import URL, Clock
from tests.node.test_delivery_workers import _rows, queues  # noqa: F401  (fixture)


async def _all_delivered(queue) -> bool:  # type: ignore[no-untyped-def]
    return {r["state"] for r in await _rows(queue)} == {"delivered"}


POLICY = BreakerPolicy(threshold=2, cooldown=10.0, unavailable_after=100.0)


def test_an_open_breaker_is_probed_after_its_cooldown_and_a_success_revives_the_host() -> None:
    clock = Clock()
    book = HostBook(POLICY, 4, clock)
    book.record("peer.example", URL, clock.now, "timeout")
    book.record("peer.example", URL, clock.now, "timeout")
    assert book.probes_due(clock.now, set()) == []  # open
    clock.now += 11
    (due,) = book.probes_due(clock.now, set())  # half-open, though not marked unavailable
    assert due.host == "peer.example" and book.probes_due(clock.now, {"peer.example"}) == []
    assert book.take_revived() == set()
    book.record("peer.example", URL, clock.now, None)
    assert book.take_revived() == {"peer.example"} and book.take_revived() == set()


def test_the_default_cooldown_probes_well_before_five_minutes() -> None:
    assert BreakerPolicy().cooldown <= 30.0


async def test_a_host_seen_again_gets_its_waiting_rows_at_once(queues, aiohttp_server, unused_tcp_port):  # type: ignore[no-untyped-def]  # noqa: F811
    # A long cooldown and retry back-off: only the revival can send the rows within the test.
    setup, queue = await queues(delivery_per_host=1, delivery_breaker_threshold=2,
                                delivery_breaker_cooldown=600.0, delivery_base_delay=600.0)
    receiver = Receiver(base=f"http://127.0.0.1:{unused_tcp_port}")  # nothing listens yet
    host = await enqueue_rows(setup, queue, receiver, 3)
    await wait_for(lambda: (h := queue.health(host)) is not None and h.consecutive_failures >= 2)
    await wait_for(lambda: queue.in_flight(host) == 0)
    assert all(r["state"] == "queued" for r in await _rows(queue))
    await aiohttp_server(receiver.app(), host="127.0.0.1", port=unused_tcp_port)
    queue.mark_alive(host)  # e.g. the inbox verified an activity from it
    await wait_for(lambda: len(receiver.received) == 3)
    await wait_for_async(lambda: _all_delivered(queue))


async def test_an_open_breaker_is_probed_and_its_rows_sent_when_the_host_is_back(queues, aiohttp_server, unused_tcp_port):  # type: ignore[no-untyped-def]  # noqa: F811
    setup, queue = await queues(delivery_per_host=1, delivery_breaker_threshold=2,
                                delivery_breaker_cooldown=0.5, delivery_base_delay=600.0)
    receiver = Receiver(base=f"http://127.0.0.1:{unused_tcp_port}")
    host = await enqueue_rows(setup, queue, receiver, 3)
    await wait_for(lambda: (h := queue.health(host)) is not None and h.consecutive_failures >= 2)
    await aiohttp_server(receiver.app(), host="127.0.0.1", port=unused_tcp_port)
    # No row is due for 10 minutes and nothing arrives from the host: the probe finds it.
    await wait_for(lambda: len(receiver.received) == 3)
    await wait_for_async(lambda: _all_delivered(queue))


__all__ = ["start_receiver"]


def test_a_probe_closes_the_breaker_but_keeps_the_run_of_failures() -> None:
    clock = Clock()
    book = HostBook(POLICY, 4, clock)
    book.record("peer.example", URL, clock.now, "HTTP 500")
    book.record("peer.example", URL, clock.now, "HTTP 500")
    clock.now += 11
    book.probed("peer.example", clock.now)
    health = book.get("peer.example")
    assert health is not None and book.limit("peer.example") == 4
    assert health.failing_since == 1000.0  # an inbox that keeps failing still ends unavailable
    assert book.take_revived() == {"peer.example"}
