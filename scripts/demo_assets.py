"""The demo's shared asset, clicked through the web pages like the rest of the story.

Garden's treasurer registers a seed tray rack bought with EUR 2 of what is left of the seed
trays' commitment (its purchase booked in the ledger), kept by dan; dan books it for a morning.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from demo_web import Browser, Page

if TYPE_CHECKING:
    from demo_story import Story

__all__ = ["share_an_asset"]


async def _fill(person: Browser, where: str, action: str, typed: dict[str, str]) -> Page:
    page = await person.open(where)
    return await person.submit(page.form(action), typed)


async def share_an_asset(story: Story, node: str, pool: str) -> None:
    """Register the rack from the register page, then book it from its page."""
    story.say("   ana registers a seed tray rack (EUR 2 of the seed trays' money); dan books it")
    assets = f"/pools/{pool}/assets"
    page = await _fill(story.people["ana"], assets, assets, {
        "name": "Seed tray rack", "kind": "equipment", "commitment": story.proposals["seed trays"],
        "purchase": "2", "acquired": datetime.now(UTC).strftime("%Y-%m-%d"),
        "reference": "invoice 312", "keeper": f"{story.urls[node]}/users/dan"})
    story.assets["tray rack"] = page.url
    day = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    path = "/" + page.url.split("/", 3)[3]
    await _fill(story.people["dan"], path, path + "/bookings", {
        "start_date": day, "start_time": "09:00", "end_date": day, "end_time": "12:00",
        "note": "Sowing, bring gloves"})
