"""Bookings and assets on the wire: C2S Create(Event), the documents served, the iCalendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from node.assets.bookings import bookings, cancel
from node.wire import check_document
from tests.conftest import BASE_URL
from tests.node.assets.helpers import bought_van
from tests.node.pools.helpers import get, post

pytestmark = pytest.mark.both_backends

DAY = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")


def event(asset: str, start: str, end: str, **more: object) -> dict[str, object]:
    return {"type": "Event", "target": asset, "startTime": f"{DAY}T{start}Z",
            "endTime": f"{DAY}T{end}Z", **more}


async def test_a_member_books_with_create_event_and_an_overlap_is_a_409(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    resp = await post(client, "alice", node.alice_token, event(van.uri, "09:00:00", "12:00:00",
                                                               summary="Moving day"))
    assert resp.status == 201, await resp.text()
    [held] = await bookings(client.app).of_asset(van.id)
    assert (held.member_uri, held.note, held.start_at) == (node.alice.uri, "Moving day",
                                                           f"{DAY}T09:00:00Z")
    assert held.source_uri is not None and held.source_uri.startswith(BASE_URL + "/objects/")
    clash = await post(client, "admin", node.admin_token, event(van.uri, "11:00", "13:00"))
    body = await clash.json()
    assert clash.status == 409 and body["code"] == "booking_overlap"
    assert held.uri in body["error"] and f"{DAY}T09:00:00Z" in body["error"]
    assert len(await bookings(client.app).of_asset(van.id)) == 1


@pytest.mark.parametrize(("fields", "code"), [
    ({"startTime": "tomorrow"}, "invalid_document"),
    ({"startTime": None}, "invalid_document"),
    ({"endTime": "2030-01-01T10:00:00"}, "invalid_document"),  # no offset
    ({"startTime": "2030-01-01T09:00:30Z"}, "invalid_document"),  # not to the minute
    ({"startTime": "2030-02-30T09:00:00Z"}, "invalid_request"),  # no such day
    ({"summary": "x" * 501}, "invalid_document"),
    ({"endTime": f"{DAY}T08:00:00Z"}, "invalid_booking"),  # ends before it starts
    ({"startTime": "2020-01-01T09:00:00Z"}, "invalid_booking"),  # in the past
    ({"endTime": "2031-01-01T09:00:00Z"}, "invalid_booking"),  # longer than 31 days
])
async def test_bad_events_are_refused_and_nothing_is_stored(client, node, fields, code) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    body = {**event(van.uri, "09:00", "10:00"), **fields}
    resp = await post(client, "alice", node.alice_token, body)
    answer = await resp.json()
    assert 400 <= resp.status < 500 and answer["code"] == code, answer
    assert answer["error"]
    assert await bookings(client.app).count_of_pool(node.pool.id) == 0


async def test_asset_and_event_documents_are_served(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node)
    collection = await get(client, "/pools/commons/assets")
    assert collection["orderedItems"] == [van.document]
    document = await get(client, van.uri)
    check_document("asset", document)
    assert document["keeper"] == node.alice.uri and document["purchase"] == 1_200_000
    await post(client, "alice", node.alice_token, event(van.uri, "09:00", "10:00"))
    [held] = await bookings(client.app).of_asset(van.id)
    served = await get(client, held.uri)
    check_document("event", served)
    assert (served["type"], served["location"], served["attributedTo"]) == ("Event", van.uri,
                                                                           node.alice.uri)
    await cancel(client.app, node.pool, held.uri, by=node.alice.uri, at=datetime.now(UTC))
    gone = await client.get(held.uri.removeprefix(BASE_URL),
                            headers={"Accept": "application/activity+json"})
    assert gone.status == 410 and (await gone.json())["type"] == "Tombstone"


async def test_the_icalendar_feeds_parse_and_escape(client, node) -> None:  # type: ignore[no-untyped-def]
    van = await bought_van(client, node, name="Van; big, blue \\ old")
    note = "Moving day, 3 boxes; back by noon\\ndoor code 4\nsecond line " + "é" * 60
    await post(client, "alice", node.alice_token, event(van.uri, "09:00", "12:30", summary=note))
    await post(client, "admin", node.admin_token, event(van.uri, "13:00", "14:00"))
    asset_key = van.uri.rsplit("/", 1)[-1]
    for path in ("/pools/commons/bookings.ics", f"/pools/commons/assets/{asset_key}/bookings.ics"):
        resp = await client.get(path)
        assert resp.status == 200 and resp.content_type == "text/calendar"
        raw = await resp.read()
        lines = raw.split(b"\r\n")
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
        assert all(len(line) <= 75 for line in lines), max(lines, key=len)
        assert any(line.startswith(b" ") for line in lines)  # the long DESCRIPTION was folded
        parsed = icalendar.Calendar.from_ical(raw)
        events = list(parsed.walk("VEVENT"))
        assert len(events) == 2
        first = events[0]
        assert str(first["DESCRIPTION"]) == note.strip()
        assert str(first["LOCATION"]) == "Van; big, blue \\ old"
        assert first.decoded("DTSTART") == datetime.fromisoformat(f"{DAY}T09:00:00+00:00")
        assert first.decoded("DTEND") == datetime.fromisoformat(f"{DAY}T12:30:00+00:00")
        assert first.decoded("DTSTART").tzinfo is not None and "DTSTAMP" in first
        assert str(first["UID"]).startswith(node.pool.uri + "/bookings/")
    other = await client.get("/pools/commons/assets/00000000-0000-0000-0000-000000000000/bookings.ics")
    assert other.status == 404
