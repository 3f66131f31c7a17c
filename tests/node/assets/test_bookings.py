"""Booking a pool's asset through the node: overlaps, the bylaws' limits, cancelling, federation."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from governance import GovernanceError
from governance.coop_rules import BookingLimits
from node.app import create_app
from node.appkeys import ACTORS, DB, OBJECTS
from node.assets.bookings import book, bookings, cancel
from node.errors import NodeError
from node.pools import load_bylaws
from node.storage import BookingStore, Database, NewBooking
from node.wire import check_document
from tests.node.assets.helpers import bought_van

pytestmark = pytest.mark.both_backends

SOON = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)


def hours(start: int, end: int) -> tuple[datetime, datetime]:
    """The booking from ``start`` to ``end`` o'clock on the test's day."""
    return SOON.replace(hour=start), SOON.replace(hour=end)


async def _limits(client, limits: BookingLimits) -> None:  # type: ignore[no-untyped-def]
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = replace(await load_bylaws(actors, pool), booking_limits=limits)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def _published(client, kind: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    objects = client.app[OBJECTS]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await objects.collection_page(pool.id, "outbox", before=None, limit=1000)
    documents = await objects.documents(page.items)
    return [d for d in (documents[u] for u in page.items if u in documents) if d["type"] == kind]


async def test_an_overlap_is_refused_with_the_booking_in_the_way(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    now = datetime.now(UTC)
    first = await book(client.app, node.pool, van.uri, node.alice.uri, *hours(9, 13), at=now)
    with pytest.raises(NodeError) as refused:
        await book(client.app, node.pool, van.uri, node.admin.uri, *hours(12, 14), at=now)
    assert refused.value.status == 409 and refused.value.code == "booking_overlap"
    assert first.uri in refused.value.reason and "Cargo van is booked from" in refused.value.reason
    # Half-open: the next one may start as the first ends.
    second = await book(client.app, node.pool, van.uri, node.admin.uri, *hours(13, 15), at=now)
    assert [b.uri for b in await bookings(client.app).of_asset(van.id)] == [first.uri, second.uri]


async def test_the_bylaws_limits_are_enforced(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    await _limits(client, BookingLimits(hours_per_month=3, equal_turns=True))
    now = datetime.now(UTC)
    with pytest.raises(GovernanceError) as too_long:
        await book(client.app, node.pool, van.uri, node.alice.uri, *hours(9, 13), at=now)
    assert too_long.value.code == "booking_limit" and "3 h a month" in too_long.value.reason
    await book(client.app, node.pool, van.uri, node.alice.uri, *hours(9, 11), at=now)
    with pytest.raises(GovernanceError) as turn:
        await book(client.app, node.pool, van.uri, node.alice.uri, *hours(15, 16), at=now)
    assert turn.value.code == "turn_taken"
    assert len(await bookings(client.app).of_asset(van.id)) == 1


async def test_bounds_and_strangers_are_refused(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    now = datetime.now(UTC)
    start, end = hours(9, 10)
    cases = [
        (node.alice.uri, start + timedelta(seconds=30), end, "invalid_booking"),
        (node.alice.uri, start, start, "invalid_booking"),
        (node.alice.uri, start, start + timedelta(days=32), "invalid_booking"),
        (node.alice.uri, start - timedelta(days=5), end - timedelta(days=5), "invalid_booking"),
        (node.alice.uri, start + timedelta(days=400), end + timedelta(days=400), "invalid_booking"),
        ("https://elsewhere.test/users/eve", start, end, "not_a_member"),
    ]
    for member, s, e, code in cases:
        with pytest.raises(GovernanceError) as refused:
            await book(client.app, node.pool, van.uri, member, s, e, at=now)
        assert refused.value.code == code, (member, s, e)
    with pytest.raises(NodeError) as long_note:
        await book(client.app, node.pool, van.uri, node.alice.uri, start, end, at=now, note="x" * 501)
    assert long_note.value.status == 400
    with pytest.raises(NodeError) as unknown:
        await book(client.app, node.pool, node.pool.uri + "/assets/nope", node.alice.uri, start,
                   end, at=now)
    assert unknown.value.status == 404
    assert await bookings(client.app).count_of_pool(node.pool.id) == 0


async def test_cancelling_frees_the_time_and_federates(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    now = datetime.now(UTC)
    booked = await book(client.app, node.pool, van.uri, node.alice.uri, *hours(9, 12), at=now,
                        note="Moving day")
    [created] = [a for a in await _published(client, "Create") if a["object"].get("type") == "Event"]
    event = created["object"]
    check_document("event", event)
    assert (event["id"], event["location"], event["attributedTo"]) == (booked.uri, van.uri, node.alice.uri)
    assert (event["startTime"], event["endTime"]) == (booked.start_at, booked.end_at)
    assert node.alice.uri in created["to"] and node.pool.uri + "/followers" in created["cc"]
    with pytest.raises(GovernanceError) as not_theirs:
        await cancel(client.app, node.pool, booked.uri, by="https://elsewhere.test/users/eve", at=now)
    assert not_theirs.value.code == "not_permitted"
    cancelled = await cancel(client.app, node.pool, booked.uri, by=node.alice.uri, at=now)
    assert cancelled.cancelled_at is not None
    [deleted] = await _published(client, "Delete")
    assert deleted["object"] == {"id": booked.uri, "type": "Tombstone", "formerType": "Event",
                                 "deleted": cancelled.cancelled_at}
    # The time is free again; cancelling again changes nothing and publishes nothing.
    await book(client.app, node.pool, van.uri, node.admin.uri, *hours(9, 12), at=now)
    await cancel(client.app, node.pool, booked.uri, by=node.alice.uri, at=now)
    assert len(await _published(client, "Delete")) == 1


async def test_two_nodes_on_one_database_book_one_slot_once(client, node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL two node processes share the database; SQLite has one process, whose
    concurrent requests race instead."""
    van = await bought_van(client, node)
    other = await aiohttp_client(create_app(node.config)) if client.app[DB].shared else client
    now = datetime.now(UTC)
    results = await asyncio.gather(*(
        book(app, node.pool, van.uri, member, *hours(9, 11), at=now)
        for app, member in ((client.app, node.alice.uri), (other.app, node.admin.uri))
        for _ in range(3)), return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 5
    assert all(getattr(e, "code", None) == "booking_overlap" for e in lost), [(type(e), getattr(e, "code", None)) for e in lost]
    assert [b.uri for b in await bookings(client.app).of_asset(van.id)] == [won[0].uri]


async def test_the_store_itself_refuses_the_second_of_two_racing_bookings(client, node) -> None:  # type: ignore[no-untyped-def]
    """Without the engine's lock: on PostgreSQL through two connection pools, on SQLite through
    the process's one connection."""
    van = await bought_van(client, node)
    second_db = Database.for_config(node.config) if client.app[DB].shared else client.app[DB]
    if second_db is not client.app[DB]:
        await second_db.open(migrate=False)
    try:
        stores = [BookingStore(client.app[DB]), BookingStore(second_db)]
        start, end = "2030-01-01T09:00:00Z", "2030-01-01T10:00:00Z"
        results = await asyncio.gather(*(
            stores[n % 2].add(node.pool.id, van.id, NewBooking(
                f"{node.pool.uri}/bookings/race-{n}", node.alice.uri, start, end,
                "2029-12-01T00:00:00Z"))
            for n in range(8)))
    finally:
        if second_db is not client.app[DB]:
            await second_db.close()
    stored = [saved for saved, clash in results if saved is not None]
    refused = [clash for saved, clash in results if clash is not None]
    assert len(stored) == 1 and len(refused) == 7
    assert {c.uri for c in refused} == {stored[0].uri}


async def test_a_member_holds_a_bounded_number_of_bookings(client, node, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import node.assets.bookings as engine

    monkeypatch.setattr(engine, "MAX_HELD", 3)
    van = await bought_van(client, node)
    now = datetime.now(UTC)
    for hour in (9, 10, 11):
        await book(client.app, node.pool, van.uri, node.alice.uri, *hours(hour, hour + 1), at=now)
    with pytest.raises(GovernanceError) as refused:
        await book(client.app, node.pool, van.uri, node.alice.uri, *hours(12, 13), at=now)
    assert refused.value.code == "too_many_bookings"
    await book(client.app, node.pool, van.uri, node.admin.uri, *hours(12, 13), at=now)
