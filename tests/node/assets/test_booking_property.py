"""Property: through the storage path, the bookings an asset holds never overlap, and a booking
is refused exactly when it overlaps one held (half-open intervals, cancelled ones hold nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.assets.bookings import book, bookings, cancel
from node.errors import NodeError
from node.pool_engine.common import iso
from tests.node.assets.helpers import bought_van

pytestmark = pytest.mark.both_backends

BASE = (datetime.now(UTC) + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
# (start, length) in quarter hours of one day, and whether to cancel it right after.
requests = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12), st.booleans()),
                    min_size=1, max_size=12)


def _examples(count: int) -> list[list[tuple[int, int, bool]]]:
    """``count`` request sequences drawn by hypothesis (the database calls are async, so they
    are run outside the generator; a failing one is named in the assertion)."""
    drawn: list[list[tuple[int, int, bool]]] = []

    @settings(max_examples=count, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(requests)
    def collect(sequence: list[tuple[int, int, bool]]) -> None:
        drawn.append(sequence)

    collect()
    return drawn


async def test_stored_bookings_never_overlap(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    now = datetime.now(UTC)
    for day, sequence in enumerate(_examples(25)):
        held: list[tuple[datetime, datetime]] = []
        for start_q, length_q, drop in sequence:
            start = BASE + timedelta(days=day, minutes=15 * start_q)
            end = start + timedelta(minutes=15 * length_q)
            expected_refusal = any(s < end and start < e for s, e in held)
            try:
                booked = await book(client.app, node.pool, van.uri, node.alice.uri, start, end,
                                    at=now)
            except NodeError as refused:
                assert expected_refusal and refused.code == "booking_overlap", (sequence, start)
                continue
            assert not expected_refusal, (sequence, start)
            if drop:
                await cancel(client.app, node.pool, booked.uri, by=node.alice.uri, at=now)
            else:
                held.append((start, end))
        stored = await bookings(client.app).of_asset(van.id, since=iso(BASE + timedelta(days=day)))
        tomorrow = iso(BASE + timedelta(days=day + 1))
        spans = sorted((b.start_at, b.end_at) for b in stored if b.start_at < tomorrow)
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), sequence
        assert len(spans) == len(held), sequence
        for booking in stored:  # free the member's quota of bookings (MAX_HELD) for the next
            await cancel(client.app, node.pool, booking.uri, by=node.alice.uri, at=now)
