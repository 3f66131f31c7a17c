"""HostBook: each host's health, breaker limit, and what changed for the next flush."""

from __future__ import annotations

from node.delivery.breaker import BreakerPolicy, HostHealth
from node.delivery.hosts import HostBook

POLICY = BreakerPolicy(threshold=2, cooldown=10.0, unavailable_after=100.0)
URL = "https://peer.example/users/a/inbox"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_unknown_host_takes_the_per_host_limit_and_a_success_is_written_once() -> None:
    book = HostBook(POLICY, 4, Clock())
    assert book.limit("peer.example") == 4 and book.get("peer.example") is None
    first = book.record("peer.example", URL, 1000.0, None)
    assert first is not None and first.origin == "https://peer.example"
    assert book.record("peer.example", URL, 1001.0, None) is None  # nothing new to write
    hosts, skip = book.take_changes()
    assert [h.host for h in hosts] == ["peer.example"] and skip == set()
    assert book.take_changes() == ([], set())


def test_failures_open_the_breaker_then_one_try_then_a_success_closes_it() -> None:
    clock = Clock()
    book = HostBook(POLICY, 4, clock)
    book.record("peer.example", URL, clock.now, "timeout")
    # Below the threshold the breaker stays closed; a sign of life would hasten its rows once.
    assert book.limit("peer.example") == 4 and not book.is_tripped("peer.example")
    assert book.needs_revival("peer.example")
    assert book.hasten_once("peer.example") and not book.hasten_once("peer.example")
    assert book.take_revived() == {"peer.example"}
    book.record("peer.example", URL, clock.now, "timeout")
    assert book.limit("peer.example") == 0 and book.is_tripped("peer.example")
    assert not book.hasten_once("peer.example")  # open: the breaker closes instead (mark_alive)
    assert book.troubled() == {"peer.example"}
    clock.now += 11
    assert book.limit("peer.example") == 1  # half-open: one delivery tries
    book.record("peer.example", URL, clock.now, None)
    assert book.limit("peer.example") == 4 and not book.needs_revival("peer.example")
    assert book.troubled() == set()


def test_a_host_failing_too_long_is_unavailable_skipped_once_and_probed_when_half_open() -> None:
    clock = Clock()
    book = HostBook(POLICY, 4, clock)
    book.record("peer.example", URL, clock.now, "refused")
    clock.now += 101
    book.record("peer.example", URL, clock.now, "refused")
    assert book.is_unavailable("peer.example") and book.limit("peer.example") == 0
    _, skip = book.take_changes()
    assert skip == {"peer.example"}
    book.record("peer.example", URL, clock.now, "refused")
    assert book.take_changes()[1] == set()  # already unavailable: not skipped again
    assert book.probes_due(clock.now, set()) == []  # the breaker is open
    clock.now += 11
    (due,) = book.probes_due(clock.now, set())
    assert due.host == "peer.example"
    assert book.probes_due(clock.now, {"peer.example"}) == []  # a probe is already trying


def test_stored_health_is_loaded_with_its_breaker() -> None:
    book = HostBook(POLICY, 4, Clock())
    stored = HostHealth(host="peer.example", origin="https://peer.example").failed(
        POLICY, 990.0, "x").failed(POLICY, 995.0, "x")
    book.load([stored])
    assert book.needs_revival("peer.example") and book.limit("peer.example") == 0
    assert book.take_changes() == ([], set())  # loaded, not changed
