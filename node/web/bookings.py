"""Booking an asset from its page, and cancelling a booking.

The form posts the member's Create(Event) through their outbox (the same path as a C2S client:
node/assets/bookings.py); times are typed in UTC, to the minute. A refusal (the time is taken,
the bylaws' limits, a time in the past) re-renders the asset's page with the reason and what was
typed; an overlap names the booking in the way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from aiohttp import web

from governance import GovernanceError
from node.assets import assets
from node.assets.bookings import MAX_NOTE, bookings, cancel
from node.errors import Conflict, Forbidden, NodeError, NotFound
from node.web.assets import KEY, POOL, asset_here, render_asset
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.outbox import post_as
from node.web.pools import _pool, viewer_membership
from node.web.refusals import refusal
from node.web.sessions import require_user

__all__ = ["routes"]

routes = web.RouteTableDef()
_FIELDS = ("start_date", "start_time", "end_date", "end_time", "note")


def _moment(day: str, clock: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=UTC)
    except ValueError:
        return None


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _overlap_reason(request: web.Request, asset_uri: str, start: datetime,
                          end: datetime) -> str | None:
    """The booking in the way, in the reader's language, if one is."""
    found = await assets(request.app).by_uri(asset_uri)
    rows = await bookings(request.app).of_asset(found.id, since=_utc(start)) if found else []
    clash = next((r for r in rows if r.start_at < _utc(end)), None)
    if clash is None:
        return None
    return _("That time is taken: %(asset)s is booked from %(start)s to %(end)s (UTC) by "
             "%(who)s.", asset=clash.asset_name, start=clash.start_at[:16].replace("T", " "),
             end=clash.end_at[:16].replace("T", " "), who=await Names(request.app).of(clash.member_uri))


@routes.post(POOL + "/assets/" + KEY + "/bookings", name="web.book_asset")
async def book_asset(request: web.Request) -> web.StreamResponse:
    """A member books the asset for a time (UTC, whole minutes)."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    key = request.match_info["key"]
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member":
        raise Forbidden(_("Only members of %(pool)s book its assets.", pool=pool.display_name))
    await asset_here(request, pool, key)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in _FIELDS}
    errors: dict[str, str] = {}
    start = _moment(values["start_date"], values["start_time"])
    end = _moment(values["end_date"] or values["start_date"], values["end_time"])
    if start is None:
        errors["start_date"] = _("Give the start as a date (YYYY-MM-DD) and a time (HH:MM).")
    if end is None:
        errors["end_date"] = _("Give the end as a date (YYYY-MM-DD) and a time (HH:MM).")
    if len(values["note"]) > MAX_NOTE:
        errors["note"] = _("Keep the note under %(n)d characters.", n=MAX_NOTE)
    status = 422
    if not errors and start is not None and end is not None:
        asset_uri = f"{pool.uri}/assets/{key}"
        event = {"type": "Event", "target": asset_uri, "to": [pool.uri],
                 "startTime": _utc(start), "endTime": _utc(end)}
        if values["note"]:
            event["summary"] = values["note"]
        try:
            await post_as(request.app, user, event)
        except GovernanceError as exc:
            errors["form"], status = refusal(exc), exc.status_hint
        except NodeError as exc:
            status = exc.status
            reason = await _overlap_reason(request, asset_uri, start, end) \
                if exc.code == "booking_overlap" else None
            errors["form"] = reason or refusal(exc)
        else:
            raise web.HTTPSeeOther(f"/pools/{pool.username}/assets/{key}?booked=1#bookings")
    return await render_asset(request, pool, key, values=values, errors=errors, status=status)


@routes.post(POOL + r"/bookings/{key:[0-9a-f-]{36}}/cancel", name="web.cancel_booking")
async def cancel_booking(request: web.Request) -> web.StreamResponse:
    """The member who booked, or a steward, cancels a booking that has not ended."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    uri = f"{pool.uri}/bookings/{request.match_info['key']}"
    found = await bookings(request.app).by_uri(uri)
    if found is None or found.pool_id != pool.id:
        raise NotFound(_("%(pool)s has no such booking.", pool=pool.display_name))
    try:
        row = await cancel(request.app, pool, uri, by=user.uri, at=datetime.now(UTC))
    except GovernanceError as exc:
        if exc.status_hint == 403:
            raise Forbidden(_("Only the member who booked it, or a steward, cancels a booking."))\
                from None
        if exc.code == "booking_over":
            raise Conflict(_("The booking is over: there is nothing left to cancel.")) from None
        raise
    raise web.HTTPSeeOther(f"/pools/{pool.username}/assets/{row.asset_uri.rsplit('/', 1)[-1]}"
                           "#bookings")
