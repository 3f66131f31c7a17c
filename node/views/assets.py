"""A pool's asset register and bookings as documents: the Asset collection and each Asset, each
booking's Event, and the iCalendar feeds of bookings per pool and per asset (RFC 5545)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from node.access import require_record_reader
from node.activitypub import activity_response
from node.appkeys import ACTORS
from node.assets import asset_of, assets
from node.assets.bookings import bookings
from node.assets.documents import event_document
from node.assets.ical import FeedEvent, calendar
from node.errors import NotFound
from node.pool_engine.common import iso
from node.storage import ActorRecord, StoredBooking
from schemas import AS_CONTEXT_URL, POOLNODE_CONTEXT_URL

__all__ = ["ASSET", "FEED_PAST", "routes"]

routes = web.RouteTableDef()

POOL = r"/pools/{name:[a-z0-9_]+}"
ASSET = POOL + r"/assets/{key:[0-9a-f-]{36}}"
FEED_PAST = timedelta(days=31)
"""How long a feed keeps a booking after it ended."""
_FEED_LIMIT = 5000


async def _pool(request: web.Request) -> ActorRecord:
    pool = await request.app[ACTORS].by_username(request.match_info["name"], "pool")
    if pool is None:
        raise NotFound(f"no pool named {request.match_info['name']!r}")
    await require_record_reader(request, pool)
    return pool


@routes.get(POOL + "/assets")
async def get_assets(request: web.Request) -> web.Response:
    """The pool's asset register: every pool-signed Asset document, oldest first."""
    pool = await _pool(request)
    items = [a.document for a in await assets(request.app).of_pool(pool.id)]
    return activity_response(request, {
        "@context": [AS_CONTEXT_URL, POOLNODE_CONTEXT_URL], "id": pool.uri + "/assets",
        "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})


@routes.get(ASSET)
async def get_asset(request: web.Request) -> web.Response:
    """One asset's pool-signed document."""
    pool = await _pool(request)
    found = await asset_of(request.app, pool, f"{pool.uri}/assets/{request.match_info['key']}")
    return activity_response(request, found.document)


@routes.get(POOL + r"/bookings/{key:[0-9a-f-]{36}}")
async def get_booking(request: web.Request) -> web.Response:
    """A booking's Event (a cancelled one is gone: 410 with its Tombstone's facts)."""
    pool = await _pool(request)
    found = await bookings(request.app).by_uri(f"{pool.uri}/bookings/{request.match_info['key']}")
    if found is None or found.pool_id != pool.id:
        raise NotFound("the pool has no such booking")
    if not found.active:
        return activity_response(request, {"@context": AS_CONTEXT_URL, "id": found.uri,
                                           "type": "Tombstone", "formerType": "Event",
                                           "deleted": found.cancelled_at}, status=410)
    return activity_response(request, event_document(found, pool.uri))


def _feed(name: str, rows: list[StoredBooking]) -> web.Response:
    events = [FeedEvent(uid=b.uri, stamp=b.made_at, start=b.start_at, end=b.end_at,
                        summary=f"{b.asset_name}: {b.member_uri.rsplit('/', 1)[-1]}",
                        location=b.asset_name, url=b.uri, description=b.note) for b in rows]
    return web.Response(body=calendar(name, events), content_type="text/calendar",
                        charset="utf-8", headers={"Content-Disposition": "inline"})


def _since() -> str:
    return iso(datetime.now(UTC) - FEED_PAST)


@routes.get(POOL + "/bookings.ics")
async def pool_feed(request: web.Request) -> web.Response:
    """Every active booking of the pool's assets that ended at most 31 days ago, as iCalendar."""
    pool = await _pool(request)
    rows = await bookings(request.app).of_pool(pool.id, since=_since(), limit=_FEED_LIMIT)
    return _feed(pool.display_name, rows)


@routes.get(ASSET + "/bookings.ics")
async def asset_feed(request: web.Request) -> web.Response:
    """The same for one asset."""
    pool = await _pool(request)
    found = await asset_of(request.app, pool, f"{pool.uri}/assets/{request.match_info['key']}")
    rows = await bookings(request.app).of_asset(found.id, since=_since(), limit=_FEED_LIMIT)
    return _feed(f"{found.name} · {pool.display_name}", rows)
