"""A member on another server books a pool's asset: Create(Event) delivered to the pool's inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.appkeys import ACTORS, OBJECTS
from node.assets.bookings import bookings
from tests.node.assets.helpers import bought_van
from tests.node.pools.helpers import POOL
from tests.node.pools.test_federated_ballots import _admit, _person, _send

pytestmark = pytest.mark.both_backends

DAY = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")


async def _rejections(client) -> list[str]:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    return [d.get("summary", "") for d in documents.values() if d["type"] == "Reject"]


def _event(actor, van: str, start: str, end: str, n: int):  # type: ignore[no-untyped-def]
    return {"id": f"{actor.uri}/events/{n}", "type": "Event", "attributedTo": actor.uri,
            "target": van, "startTime": f"{DAY}T{start}:00Z", "endTime": f"{DAY}T{end}:00Z",
            "to": [POOL]}


async def test_a_remote_member_books_and_an_overlap_is_rejected(fed_client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(fed_client, fed)
    zoe, eve = _person(remote, "zoe"), _person(remote, "eve")
    await _admit(fed_client, fed, zoe)
    await _send(fed_client, zoe, zoe.activity("Create", _event(zoe, van.uri, "09:00", "12:00", 1),
                                              to=[POOL]))
    [held] = await bookings(fed_client.app).of_asset(van.id)
    assert held.member_uri == zoe.uri and held.source_uri == f"{zoe.uri}/events/1"
    # The same slot again from zoe, and anything from eve (no member): refused with the reason.
    await _send(fed_client, zoe, zoe.activity("Create", _event(zoe, van.uri, "11:00", "13:00", 2),
                                              to=[POOL]))
    await _send(fed_client, eve, eve.activity("Create", _event(eve, van.uri, "14:00", "15:00", 3),
                                              to=[POOL]))
    forged = _event(zoe, van.uri, "16:00", "17:00", 4)
    await _send(fed_client, eve, eve.activity("Create", forged, to=[POOL]))
    reasons = await _rejections(fed_client)
    assert any("Cargo van is booked from" in r and held.uri in r for r in reasons), reasons
    assert any("only members book" in r for r in reasons), reasons
    assert any("attributed to the actor who sends it" in r for r in reasons), reasons
    assert len(await bookings(fed_client.app).of_asset(van.id)) == 1
