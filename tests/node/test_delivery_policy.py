"""The pure half of delivery: retry schedule, Retry-After, status verdicts, breaker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from node.delivery.breaker import BreakerPolicy, BreakerState, HostHealth
from node.delivery.ready import ReadyRows
from node.delivery.schedule import Outcome, RetryPolicy, classify_status, parse_retry_after


def test_default_schedule_spans_about_two_days_over_fifteen_attempts():
    policy = RetryPolicy()
    waits = policy.nominal_schedule()
    assert len(waits) == 14  # 15 attempts, 14 waits between them
    assert waits[:4] == [30.0, 60.0, 120.0, 240.0]
    assert max(waits) == policy.cap
    assert 1.7 * 86400 < sum(waits) < 2.2 * 86400
    assert not policy.exhausted(14) and policy.exhausted(15)


@pytest.mark.parametrize("attempt", [1, 2, 5, 10, 14])
def test_jitter_stays_within_twenty_percent(attempt):
    policy = RetryPolicy()
    nominal = policy.nominal_schedule()[attempt - 1]
    low, mid, high = (policy.delay(attempt, u) for u in (0.0, 0.5, 0.999999))
    assert low == pytest.approx(nominal * 0.8)
    assert mid == pytest.approx(nominal)
    assert high == pytest.approx(nominal * 1.2, rel=1e-5)


def test_retry_after_seconds_date_and_garbage():
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 7 ", now) == 7.0
    later = "Wed, 01 Jan 2025 12:05:00 GMT"
    assert parse_retry_after(later, now) == pytest.approx(300.0)
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("99999999", now) == 86400.0  # capped at a day
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED), (202, Outcome.DELIVERED), (204, Outcome.DELIVERED),
        (408, Outcome.RETRY), (429, Outcome.RETRY), (500, Outcome.RETRY), (503, Outcome.RETRY),
        (400, Outcome.FAILED), (401, Outcome.FAILED), (403, Outcome.FAILED),
        (404, Outcome.FAILED), (410, Outcome.FAILED), (413, Outcome.FAILED),
        (301, Outcome.FAILED),
    ],
)
def test_status_verdicts(status, outcome):
    assert classify_status(status) is outcome


def test_breaker_opens_after_threshold_then_lets_one_probe_then_closes():
    policy = BreakerPolicy(threshold=3, cooldown=60.0, unavailable_after=86400.0)
    health = HostHealth(host="h.example", origin="https://h.example")
    now = 1000.0
    for i in range(2):
        health = health.failed(policy, now + i, "HTTP 500")
        assert health.state(policy, now + i) is BreakerState.CLOSED
    health = health.failed(policy, now + 2, "HTTP 500")
    assert health.state(policy, now + 2) is BreakerState.OPEN
    assert health.state(policy, now + 61) is BreakerState.OPEN
    assert health.state(policy, now + 62) is BreakerState.HALF_OPEN
    # A failed probe opens it again for another cooldown.
    health = health.failed(policy, now + 62, "timed out")
    assert health.state(policy, now + 63) is BreakerState.OPEN
    assert health.consecutive_failures == 4 and health.failing_since == now
    health = health.succeeded(now + 200)
    assert health.state(policy, now + 200) is BreakerState.CLOSED
    assert health.consecutive_failures == 0 and health.last_success_at == now + 200


def test_host_failing_longer_than_the_limit_is_unavailable_until_it_answers():
    policy = BreakerPolicy(threshold=10, cooldown=60.0, unavailable_after=2 * 86400.0)
    start = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    health = HostHealth(host="h.example", origin="https://h.example").failed(policy, start, "x")
    health = health.failed(policy, start + 86400, "x")
    assert not health.unavailable
    health = health.failed(policy, start + timedelta(days=2, seconds=1).total_seconds(), "x")
    assert health.unavailable
    assert health.state(policy, start + 2 * 86400 + 2) is BreakerState.OPEN
    assert health.succeeded(start + 3 * 86400).unavailable is False


# ---- claimed rows waiting for a worker (node.delivery.ready) --------------------------------


def _drain(ready: ReadyRows[str], limit: Callable[[str], int]) -> list[str]:
    """Take rows one at a time, finishing each before the next (one worker)."""
    out = []
    while (taken := ready.take(limit)) is not None:
        host, item = taken
        out.append(item)
        ready.done(host)
    return out


def test_hosts_take_turns_one_row_at_a_time():
    ready: ReadyRows[str] = ReadyRows()
    for n in range(3):
        ready.add("a", f"a{n}")
    ready.add("b", "b0")
    ready.add("c", "c0")
    ready.add("c", "c1")
    assert len(ready) == 6
    assert _drain(ready, lambda _h: 4) == ["a0", "b0", "c0", "a1", "c1", "a2"]
    assert len(ready) == 0 and ready.busy_hosts() == {}


def test_a_host_never_has_more_in_flight_than_its_limit():
    ready: ReadyRows[str] = ReadyRows()
    for n in range(5):
        ready.add("a", f"a{n}")
    ready.add("b", "b0")
    taken = []
    while (got := ready.take(lambda h: 2 if h == "a" else 4)) is not None:
        taken.append(got)
    # Many idle workers: two of a's rows go out, then b's, and a waits for one to end.
    assert taken == [("a", "a0"), ("b", "b0"), ("a", "a1")]
    assert ready.busy("a") == 2 and ready.waiting("a") == 3
    ready.done("a")
    assert ready.take(lambda _h: 2) == ("a", "a2")
    assert ready.take(lambda _h: 2) is None


def test_rows_of_a_host_at_limit_zero_stay_until_dropped():
    ready: ReadyRows[str] = ReadyRows()
    ready.add("dead", "d0")
    ready.add("dead", "d1")
    ready.add("ok", "o0")
    assert ready.take(lambda h: 0 if h == "dead" else 4) == ("ok", "o0")
    assert ready.take(lambda h: 0 if h == "dead" else 4) is None
    assert ready.drop("dead") == ["d0", "d1"]
    assert len(ready) == 0 and ready.hosts() == []
    # A host whose limit rises gets its turn back.
    ready.add("slow", "s0")
    assert ready.take(lambda _h: 0) is None
    ready.requeue("slow")
    assert ready.take(lambda _h: 1) == ("slow", "s0")
    assert ready.drop_all() == []
